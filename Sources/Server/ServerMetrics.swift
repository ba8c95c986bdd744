import Synchronization

/// Counters and histograms of the server, rendered as Prometheus text at GET /metrics.
///
/// Hand-written rather than swift-prometheus: a dozen series with fixed names, and the
/// exposition format is a few lines of text; a registry and a metrics backend would add a
/// dependency and indirection without removing any of this code. `promtool check metrics`
/// checks the output (bench/server-metrics-check.sh).
public final class ServerMetrics: Sendable {
    private struct State {
        var requests: [String: UInt64] = [:]  // "route|code"
        var rejected: [String: UInt64] = [:]  // reason
        var workerRestarts: UInt64 = 0
        var workerSpawnFailures: UInt64 = 0
        var batchSizes = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64])
        var synthesis = Histogram(bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        var queueWait = Histogram(bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        var model = Histogram(bounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10])
    }

    private let state = Mutex(State())
    /// Open client connections (kept by each connection's pipeline handler): with keep-alive, a
    /// closed-model load client holds one per virtual user, so this gauge counts users.
    let openConnections = Atomic<Int>(0)

    public init() {}

    func countRequest(route: String, code: Int) {
        state.withLock { $0.requests["\(route)|\(code)", default: 0] += 1 }
    }

    func countWorkerRestart() { state.withLock { $0.workerRestarts += 1 } }
    func countWorkerSpawnFailure() { state.withLock { $0.workerSpawnFailures += 1 } }
    func countDeadlineExceeded() { reject("deadline") }
    func countCancelled() { reject("client_gone") }
    func countQueueFull() { reject("queue_full") }
    private func reject(_ reason: String) { state.withLock { $0.rejected[reason, default: 0] += 1 } }

    func observeBatch(size: Int) { state.withLock { $0.batchSizes.observe(Double(size)) } }
    func observeSynthesis(seconds: Double) { state.withLock { $0.synthesis.observe(seconds) } }
    func observeQueueWait(seconds: Double) { state.withLock { $0.queueWait.observe(seconds) } }
    func observeModel(seconds: Double) { state.withLock { $0.model.observe(seconds) } }

    /// Everything the exposition needs from outside this object, gathered by the caller.
    struct External: Sendable {
        var scheduler: Scheduler.Snapshot
        var cache: AudioCache.Stats
        var residentBytes: Int
        var leakedBytes: Int
        var modelEnabled: Bool
    }

    /// The Prometheus text exposition (version 0.0.4).
    func render(_ external: External) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("tts_requests_total", "counter", "HTTP requests answered, by route and status code.")
        for key in s.requests.keys.sorted() {
            let parts = key.split(separator: "|")
            out += "tts_requests_total{route=\"\(parts[0])\",code=\"\(parts[1])\"} \(s.requests[key] ?? 0)\n"
        }
        family("tts_rejected_total", "counter", "Jobs not synthesized: queue_full, deadline, client_gone.")
        for reason in ["queue_full", "deadline", "client_gone"] {
            out += "tts_rejected_total{reason=\"\(reason)\"} \(s.rejected[reason] ?? 0)\n"
        }
        family("tts_queue_depth", "gauge", "Jobs waiting for a worker.")
        out += "tts_queue_depth \(external.scheduler.queueDepth)\n"
        family("tts_open_connections", "gauge", "Open client connections (this scrape's own included).")
        out += "tts_open_connections \(openConnections.load(ordering: .relaxed))\n"
        family("tts_inflight", "gauge", "Jobs held by worker processes.")
        out += "tts_inflight \(external.scheduler.inFlight)\n"
        family("tts_workers", "gauge", "Live synthesis worker processes.")
        out += "tts_workers \(external.scheduler.workers)\n"
        family("tts_worker_restarts_total", "counter", "Worker processes that died and were replaced.")
        out += "tts_worker_restarts_total \(s.workerRestarts)\n"
        family("tts_batch_size", "histogram", "Jobs per batch sent to a worker.")
        out += s.batchSizes.render("tts_batch_size")
        family("tts_synthesis_seconds", "histogram", "espeak-ng synthesis time per job, measured in the worker.")
        out += s.synthesis.render("tts_synthesis_seconds")
        family("tts_queue_wait_seconds", "histogram", "Time from admission to dispatch to a worker.")
        out += s.queueWait.render("tts_queue_wait_seconds")
        family("tts_cache_hits_total", "counter", "Requests answered from the audio cache.")
        out += "tts_cache_hits_total \(external.cache.hits)\n"
        family("tts_cache_misses_total", "counter", "Cacheable requests not found in the audio cache.")
        out += "tts_cache_misses_total \(external.cache.misses)\n"
        family("tts_cache_bytes", "gauge", "Bytes of PCM held by the audio cache.")
        out += "tts_cache_bytes \(external.cache.bytes)\n"
        family("tts_cache_entries", "gauge", "Entries in the audio cache.")
        out += "tts_cache_entries \(external.cache.entries)\n"
        family("tts_cache_evictions_total", "counter", "Entries evicted to keep the cache within its byte budget.")
        out += "tts_cache_evictions_total \(external.cache.evictions)\n"
        family("tts_model_enabled", "gauge", "1 if the SIMULATED accelerator-latency model (--model-latency) is on. A model, not a GPU.")
        out += "tts_model_enabled \(external.modelEnabled ? 1 : 0)\n"
        family("tts_model_simulated_seconds", "histogram", "SIMULATED accelerator time per batch (--model-latency model, not measured).")
        out += s.model.render("tts_model_simulated_seconds")
        family("tts_leaked_bytes", "gauge", "Memory deliberately leaked by --leak-kb-per-request (a rehearsal option).")
        out += "tts_leaked_bytes \(external.leakedBytes)\n"
        family("process_resident_memory_bytes", "gauge", "Resident set size of the server process (workers excluded).")
        out += "process_resident_memory_bytes \(external.residentBytes)\n"
        return out
    }
}
