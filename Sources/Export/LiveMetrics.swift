import Engine
import Foundation
import Plan
import Prometheus
import Results
import RunPipeline

/// The run's figures as Prometheus series, kept in a swift-prometheus registry and brought up to
/// date once per second of the run from its `SecondSnapshot` (the same figures in one process and
/// on the controller of a distributed run, where they come from the agents' merged streams).
///
/// Every series carries `run` (the run folder's name) and `plan`; per-label ones carry `label`,
/// users carry `group`, per-agent ones `agent`. Latencies are histograms with buckets fit for TTS
/// (10 ms to 60 s) so that `histogram_quantile` works across labels and agents; docs/export.md
/// lists every series.
public final class LiveMetrics: @unchecked Sendable {
    /// Request duration, time to first audio and chunk gap buckets, seconds.
    public static let secondsBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60]
    /// Real-time factor buckets (synthesis time / audio time; below 1 is faster than real time).
    public static let rtfBuckets: [Double] = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10]

    public let registry = PrometheusCollectorRegistry()
    private let base: [(String, String)]
    private let profile: LoadProfile
    private let groupNames: [String]
    private let lock = NSLock()
    private var seconds = 0
    private var counted = EngineCounters()
    private var finished = false

    /// - Parameters:
    ///   - run: the run's name (its folder's name), the `run` label.
    ///   - plan: the plan's name, the `plan` label.
    public init(run: String, plan: String, profile: LoadProfile) {
        base = [("run", run), ("plan", plan)]
        self.profile = profile
        groupNames = profile.groups.map(\.name)
        // Series that exist from the start, so a dashboard shows 0 rather than "no data".
        gauge("ttsload_running", "1 while the load runs, 0 once it ended.").set(to: 1)
        gauge("ttsload_step", "The step of the schedule now (1-based), 0 outside steps.").set(to: 0)
        counter("ttsload_dropped_arrivals_total", "Open-model arrivals never sent: every slot was busy (max_users).")
        counter("ttsload_late_arrivals_total", "Open-model arrivals sent more than 10 ms after their intended time.")
        gauge("ttsload_generator_saturated", "1 when the load generator's last second was saturated (its figures may lie).").set(to: 0)
        for group in profile.groups {
            gauge("ttsload_users_active", "Virtual users running now (open model: requests in flight).", [("group", group.name)]).set(to: 0)
            if group.isOpen {
                gauge("ttsload_arrival_rate_planned", "Arrivals per second the schedule asks for now (open model).", [("group", group.name)]).set(to: 0)
            } else {
                gauge("ttsload_users_planned", "Virtual users the schedule asks for now (closed model).", [("group", group.name)]).set(to: 0)
            }
        }
    }

    /// Counts one second of the run: its samples per label, the users then, the step.
    public func add(_ snapshot: SecondSnapshot, generatorSaturated: Bool) {
        lock.lock()
        defer { lock.unlock() }
        seconds += 1
        for (label, tally) in snapshot.byLabel { add(tally, label: label) }
        let t = snapshot.elapsed
        for (i, name) in groupNames.enumerated() {
            if i < snapshot.users.count { gauge("ttsload_users_active", "", [("group", name)]).set(to: Double(snapshot.users[i])) }
            if profile.groups[i].isOpen {
                gauge("ttsload_arrival_rate_planned", "", [("group", name)]).set(to: profile.groups[i].rate(at: t))
            } else {
                gauge("ttsload_users_planned", "", [("group", name)]).set(to: Double(profile.groups[i].users(at: t)))
            }
        }
        for (agent, users) in snapshot.agentUsers {
            gauge("ttsload_agent_users_active", "Virtual users running now on each agent.", [("agent", agent)]).set(to: Double(users))
        }
        let step = profile.groups.lazy.compactMap { $0.step(at: t) }.first
        gauge("ttsload_step", "").set(to: Double(step?.index ?? 0))
        gauge("ttsload_generator_saturated", "").set(to: generatorSaturated ? 1 : 0)
        if let counters = snapshot.counters { count(counters) }
    }

    /// The run is over: the engine's final counters, `ttsload_running` 0, the users 0.
    public func finish(counters: EngineCounters) {
        lock.lock()
        defer { lock.unlock() }
        count(counters)
        gauge("ttsload_running", "").set(to: 0)
        for name in groupNames { gauge("ttsload_users_active", "", [("group", name)]).set(to: 0) }
        finished = true
    }

    /// The exposition text (format 0.0.4).
    public func text() -> [UInt8] {
        registry.emitToBuffer()
    }

    // MARK: - Series

    private func add(_ tally: SampleTally<SparseHistogram>, label: String) {
        let l = [("label", label)]
        counter("ttsload_requests_total", "Requests finished (every JTL row), by label.", l).increment(by: Int64(tally.count))
        // Created at 0 with the label so that rate() sees the first error arrive.
        let errors = counter("ttsload_request_errors_total", "Failed requests, by label.", l)
        errors.increment(by: Int64(tally.errors))
        for (errorClass, n) in tally.errorClasses where n > 0 {
            counter("ttsload_request_errors_by_class_total", "Failed requests, by label and error class (transport failures and failed checks).",
                    l + [("class", errorClass.rawValue)]).increment(by: Int64(n))
        }
        counter("ttsload_received_bytes_total", "Response body bytes received, by label.", l).increment(by: tally.bytesReceived)
        counter("ttsload_audio_seconds_total", "Seconds of audio received (samples whose audio length was read), by label.", l)
            .increment(by: tally.audioSeconds)
        counter("ttsload_audio_underruns_total", "Audio samples a real-time player would have stalled on, by label.", l)
            .increment(by: Int64(tally.underrunSamples))
        record(tally.latency, into: histogram("ttsload_request_duration_seconds", "Request duration (JTL elapsed), by label.", l),
               scale: 1e-6)
        record(tally.ttfa, into: histogram("ttsload_time_to_first_audio_seconds", "Time to first audio byte, by label.", l), scale: 1e-6)
        record(tally.rtfMilli, into: histogram("ttsload_real_time_factor", "Real-time factor (synthesis time / audio time), by label.", l,
                                               buckets: Self.rtfBuckets), scale: 1e-3)
        // Made only once a streamed reply has given one: a run of whole replies shows no empty series.
        if !tally.chunkGap.isEmpty {
            record(tally.chunkGap, into: histogram("ttsload_chunk_gap_seconds", "Every gap between two chunks of every streamed sample, by label.", l),
                   scale: 1e-6)
        }
        if !tally.audioReady.isEmpty {
            record(tally.audioReady, into: histogram("ttsload_audio_ready_seconds",
                                                     "Time until the plan's measures.ready_seconds of audio had arrived, by label.", l), scale: 1e-6)
        }
        if let gap = tally.extra?.gap {
            record(gap, into: histogram("ttsload_longest_chunk_gap_seconds", "Each streamed sample's longest gap between two chunks, by label.", l),
                   scale: 1e-6)
        }
    }

    /// Engine counters are totals so far: the counter grows by what is new.
    private func count(_ counters: EngineCounters) {
        let dropped = counters.dropped - counted.dropped, late = counters.late - counted.late
        if dropped > 0 { counter("ttsload_dropped_arrivals_total", "").increment(by: Int64(dropped)) }
        if late > 0 { counter("ttsload_late_arrivals_total", "").increment(by: Int64(late)) }
        counted.dropped = max(counted.dropped, counters.dropped)
        counted.late = max(counted.late, counters.late)
    }

    /// Each bucket of `sparse` (values at HdrHistogram's 3-digit precision) recorded as often as it
    /// counts, at its highest equivalent value: placed in the Prometheus bucket the exact values
    /// would be in, but for values within 0.1% of a bucket bound.
    private func record(_ sparse: SparseHistogram, into histogram: ValueHistogram, scale: Double) {
        for bucket in sparse.buckets {
            let value = Double(bucket.value) * scale
            for _ in 0..<bucket.count { histogram.record(value) }
        }
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: descriptor(name, help), labels: base + labels)
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: descriptor(name, help), labels: base + labels)
    }

    private func histogram(_ name: String, _ help: String, _ labels: [(String, String)], buckets: [Double] = LiveMetrics.secondsBuckets)
        -> ValueHistogram {
        registry.makeValueHistogram(descriptor: descriptor(name, help), labels: base + labels, buckets: buckets)
    }

    /// Help texts are given where a series is first made; later calls pass "" and get the same
    /// collector back (the registry keys collectors by name and labels).
    private var helps: [String: String] = [:]
    private func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        if !help.isEmpty, helps[name] == nil { helps[name] = help }
        return MetricNameDescriptor(metricName: name, unitName: "", helpText: helps[name] ?? "")
    }
}
