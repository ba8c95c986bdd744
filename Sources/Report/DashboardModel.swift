import Plan
import Results

/// Everything the page shows, computed once from the input; the HTML only formats it.
///
/// Table percentiles come from HdrHistograms over all samples (3 significant digits, µs), never
/// averaged or windowed; chart points use exact percentiles of each time slice.
public struct DashboardModel: Sendable {
    public var input: DashboardInput
    /// Wall-clock µs of the run's time 0: the first sample's start, less the earliest group delay.
    public var t0: Int64
    /// Seconds from time 0 to the last sample's end.
    public var duration: Double
    public var total = SampleStats()
    public var bytesSent: Int64 = 0
    public var steps: StepSection
    public var labels: [LabelRow]
    public var timeline: Timeline
    public var errors: ErrorSummary
    public var apdex = ApdexCount()
    public var distribution: LatencyDistribution

    public init(_ input: DashboardInput) {
        self.input = input
        let samples = input.samples
        let firstStart = samples.map(\.start).min() ?? 0
        let delay = input.profile?.groups.map(\.start).min() ?? 0
        t0 = input.startMicros ?? (firstStart - Int64(delay * 1_000_000))
        let lastEnd = samples.map(\.end).max() ?? t0
        duration = max(0, Double(lastEnd - t0) / 1_000_000)
        var byLabel: [String: LabelRow] = [:]
        for s in samples {
            total.add(s)
            bytesSent += s.bytesSent
            apdex.add(s, rule: input.apdex)
            byLabel[s.label, default: LabelRow(label: s.label)].add(s, apdex: input.apdex)
        }
        let seconds = duration
        labels = byLabel.values.sorted { $0.label < $1.label }.map { var row = $0; row.seconds = seconds; return row }
        if let profile = input.profile, !profile.groups.isEmpty {
            steps = StepBuilder.fromProfile(profile, samples: samples, t0: t0, rule: input.knee)
        } else {
            steps = StepBuilder.inferred(samples: samples, t0: t0, duration: duration, rule: input.knee)
        }
        timeline = Timeline(samples: samples, t0: t0, duration: duration, profile: input.profile)
        errors = ErrorSummary(samples: samples)
        distribution = LatencyDistribution(samples: samples, min: total.latency.min, max: total.latency.max)
    }

    /// Achieved requests per second over the whole run.
    public var requestsPerSecond: Double { duration > 0 ? Double(total.count) / duration : 0 }
}

/// JMeter's statistics row for one label, plus the TTS columns.
public struct LabelRow: Sendable {
    public var label: String
    public var stats = SampleStats()
    public var bytesSent: Int64 = 0
    public var apdex = ApdexCount()
    /// The run's length, the denominator of the per-second figures.
    public var seconds = 0.0

    public init(label: String) { self.label = label }

    mutating func add(_ s: Sample, apdex rule: ApdexRule) {
        stats.add(s)
        apdex.add(s, rule: rule)
        bytesSent += s.bytesSent
    }

    public var transactionsPerSecond: Double { seconds > 0 ? Double(stats.count) / seconds : 0 }
    public var receivedKBPerSecond: Double { seconds > 0 ? Double(stats.bytesReceived) / 1_024 / seconds : 0 }
    public var sentKBPerSecond: Double { seconds > 0 ? Double(bytesSent) / 1_024 / seconds : 0 }
    public var audioSecondsPerSecond: Double? { stats.audioSamples > 0 && seconds > 0 ? stats.audioSeconds / seconds : nil }
}

/// Failures by class, and the most frequent failures of each label.
public struct ErrorSummary: Sendable {
    public struct Entry: Sendable, Equatable {
        public var code: String
        /// The first message seen of this kind.
        public var message: String
        public var count: Int
        /// How many different messages were grouped here (they differ only in numbers).
        public var variants = 1
    }

    public var byClass: [(ErrorClass, Int)]
    /// Per label (sorted), its five most frequent (code, message) pairs.
    public var topByLabel: [(label: String, errors: [Entry], total: Int)]

    init(samples: [Sample]) {
        var classes: [ErrorClass: Int] = [:]
        var perLabel: [String: [String: Entry]] = [:]
        var seen: Set<String> = []
        for s in samples where !s.success {
            let errorClass = s.errorClass ?? .other
            classes[errorClass, default: 0] += 1
            let code = s.status > 0 ? String(s.status) : errorClass.nonHTTPCode
            let message = s.failureMessage.isEmpty ? s.responseMessage : s.failureMessage
            // Messages that differ only in numbers ("rtf 1.06 > 1", "rtf 1.31 > 1") are one kind of error.
            let key = code + "\n" + Self.maskingNumbers(message)
            var entry = perLabel[s.label]?[key] ?? Entry(code: code, message: message, count: 0, variants: 0)
            if entry.count == 0 || entry.message != message && !seen.contains(key + "\n" + message) { entry.variants += 1 }
            seen.insert(key + "\n" + message)
            entry.count += 1
            perLabel[s.label, default: [:]][key] = entry
        }
        byClass = classes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            .map { ($0.key, $0.value) }
        topByLabel = perLabel.sorted { $0.key < $1.key }.map { label, entries in
            let sorted = entries.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0.message < $1.message }
            return (label, Array(sorted.prefix(5)), sorted.reduce(0) { $0 + $1.count })
        }
    }

    /// `rtf 1.305 > 1` -> `rtf # > #`.
    static func maskingNumbers(_ text: String) -> String {
        var out = ""
        var inNumber = false
        for c in text {
            if c.isASCII && c.isNumber || inNumber && c == "." {
                if !inNumber { out.append("#") }
                inNumber = true
            } else {
                inNumber = false
                out.append(c)
            }
        }
        return out
    }
}
