import ArgumentParser
import Foundation
import Server

/// `ttsload server`: the embedded reference TTS server (docs/server.md).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the embedded TTS server: real espeak-ng speech over HTTP, with realistic serving behaviour.",
        discussion: """
            Prints one line 'listening on http://HOST:PORT' on stdout once it accepts connections.
            API: POST /v1/tts, POST /v1/audio/speech (OpenAI-compatible), GET /healthz, GET /metrics.
            SIGTERM/SIGINT: stop accepting, finish in-flight work within --grace-ms, exit 0. See docs/server.md.
            """)

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free port (read the 'listening on' line).")
    var port = 8080

    @Option(help: "Synthesis worker processes (default: the number of CPU cores).")
    var workers: Int?

    @Option(help: "Requests that may wait for a worker; when full, 503 with Retry-After at once.")
    var queue = 64

    @Option(name: .customLong("max-batch"), help: "Most requests sent to one worker together (dynamic batching).")
    var maxBatch = 1

    @Option(name: .customLong("batch-wait-ms"), help: "How long a partial batch waits for more requests, in ms.")
    var batchWaitMs = 0

    @Option(name: .customLong("deadline-ms"), help: "How long a request may wait in the queue before it is answered 504 unsynthesized, in ms.")
    var deadlineMs = 30_000

    @Option(name: .customLong("cache-mb"), help: "Byte budget of the LRU audio cache in MB; 0 disables it.")
    var cacheMB = 64

    @Option(name: .customLong("max-text-chars"), help: "Longest text accepted, in characters; longer gets 400.")
    var maxTextChars = 4096

    @Option(name: .customLong("max-body-kb"), help: "Largest request body accepted, in KB; larger gets 413.")
    var maxBodyKB = 64

    @Option(name: .customLong("grace-ms"), help: "On SIGTERM/SIGINT, how long in-flight requests may take to finish, in ms.")
    var graceMs = 10_000

    @Option(name: .customLong("retry-after"), help: "Seconds advertised in Retry-After with a queue-full 503.")
    var retryAfter = 1

    @Option(
        name: .customLong("model-latency"),
        help: "SIMULATED accelerator cost per batch, e.g. base=300ms,per-item=40ms,per-char=2ms (off by default; one batch at a time per server).")
    var modelLatency: String?

    @Option(name: .customLong("model-memory-mb"), help: "SIMULATED accelerator memory budget per batch in MB (64 KB per item per character of the longest text); 0 = none.")
    var modelMemoryMB = 0

    @Option(name: .customLong("leak-kb-per-request"), help: "Leak this many KB per synthesis request, to rehearse a memory leak in a soak test.")
    var leakKBPerRequest = 0

    @Option(name: .customLong("parent-pid"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        func positive(_ value: Int, _ flag: String) throws {
            guard value > 0 else { throw ValidationError("\(flag) must be at least 1, got \(value)") }
        }
        func nonNegative(_ value: Int, _ flag: String) throws {
            guard value >= 0 else { throw ValidationError("\(flag) must be 0 or more, got \(value)") }
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        if let workers { try positive(workers, "--workers") }
        try positive(queue, "--queue")
        try positive(maxBatch, "--max-batch")
        try positive(maxTextChars, "--max-text-chars")
        try positive(maxBodyKB, "--max-body-kb")
        try positive(deadlineMs, "--deadline-ms")
        try nonNegative(batchWaitMs, "--batch-wait-ms")
        try nonNegative(cacheMB, "--cache-mb")
        try nonNegative(graceMs, "--grace-ms")
        try nonNegative(retryAfter, "--retry-after")
        try nonNegative(modelMemoryMB, "--model-memory-mb")
        try nonNegative(leakKBPerRequest, "--leak-kb-per-request")
        if let modelLatency {
            do { _ = try ModelLatency(parsing: modelLatency) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        let model: ModelLatency?
        do { model = try modelLatency.map { try ModelLatency(parsing: $0) } } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        let scheduler = SchedulerConfiguration(
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
            queueLimit: queue, maxBatch: maxBatch, batchWait: .milliseconds(batchWaitMs),
            deadline: .milliseconds(deadlineMs), modelLatency: model, modelMemoryMB: modelMemoryMB)
        let configuration = ServerConfiguration(
            host: host, port: port, scheduler: scheduler, cacheMB: cacheMB, maxTextChars: maxTextChars,
            maxBodyBytes: maxBodyKB * 1024, gracePeriod: .milliseconds(graceMs), retryAfterSeconds: retryAfter,
            leakKBPerRequest: leakKBPerRequest)
        // Workers are this same binary; /proc/self/exe survives a relative argv[0] or a changed cwd.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let server = TTSServer(
            configuration: configuration,
            workerCommand: WorkerCommand(executable: executable, arguments: ["server-worker"]))
        if let parentPID { Self.stopWhenOrphaned(parent: parentPID) }
        do {
            try await server.run { address in
                // Unbuffered: tests and the engine wait for this line on a pipe.
                FileHandle.standardOutput.write(Data("listening on \(address)\n".utf8))
            }
        } catch {
            throw CommandFailure(
                .runtime, "server on \(host):\(port) failed: \(error) (port taken? --port 0 picks a free one)")
        }
    }
}

extension ServerCommand {
    /// An embedded server (`ttsload run`, target `embedded`) stops itself, as on SIGTERM, once the run
    /// that started it is gone: a run killed by a signal it cannot catch (kill -9, SIGPIPE from
    /// `ttsload run ... | head`) must not leave a server and its workers behind. Polled twice a
    /// second (Linux's PR_SET_PDEATHSIG follows the spawning thread, which a thread pool may retire).
    static func stopWhenOrphaned(parent: Int32) {
        Thread.detachNewThread {
            while getppid() == parent { usleep(500_000) }
            kill(getpid(), SIGTERM)
        }
    }
}

/// `ttsload server-worker`: one synthesis worker, spawned by `ttsload server`; speaks the
/// binary pipe protocol of `WorkerProtocol` on stdin/stdout. Not for direct use.
struct ServerWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server-worker",
        abstract: "Internal: a synthesis worker process of 'ttsload server' (pipe protocol on stdin/stdout).",
        shouldDisplay: false)

    @Option(name: .customLong("raw-bench-seconds"), help: "Instead of serving: synthesize --raw-bench-text in a loop in-process for this long and print syntheses per second (bench/).")
    var rawBenchSeconds: Double?

    @Option(name: .customLong("raw-bench-text"), help: "Text for --raw-bench-seconds.")
    var rawBenchText = "The quick brown fox jumps over the lazy dog."

    func run() throws {
        if let rawBenchSeconds {
            do {
                let result = try RawSynthesisBench.run(text: rawBenchText, seconds: rawBenchSeconds)
                print(String(format: "syntheses=%d seconds=%.3f per_second=%.3f audio_seconds=%.3f", result.count, result.seconds, Double(result.count) / result.seconds, result.audioSeconds))
                return
            } catch {
                throw CommandFailure(.runtime, "raw bench: \(error)")
            }
        }
        let status = SynthesisWorker.run()
        if status != 0 { throw CommandFailure(ExitStatus(rawValue: status) ?? .runtime) }
    }
}
