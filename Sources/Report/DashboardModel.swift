import Plan
import Results

/// Everything the page shows, computed once from the input; the HTML only formats it.
///
/// Percentiles come from HdrHistograms over all samples (3 significant digits, µs), never
/// averaged or windowed: tables from the row's samples, chart points from each time slice's.
public struct DashboardModel: Sendable {
    public var input: DashboardInput
    /// Wall-clock µs of the run's time 0 (`timeZero`).
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

    /// The model of `input.samples` (an array in memory; `DashboardAccumulator` builds the same
    /// model from a stream).
    public init(_ input: DashboardInput) {
        let firstStart = input.samples.map(\.start).min() ?? 0
        var accumulator = DashboardAccumulator(input: input, t0: Self.timeZero(input, firstStart: firstStart))
        for s in input.samples { accumulator.add(s) }
        self = accumulator.model()
    }

    /// The run's time 0: the engine's start when known, else the first sample's start less the
    /// earliest thread-group delay of the plan.
    public static func timeZero(_ input: DashboardInput, firstStart: Int64) -> Int64 {
        let delay = input.profile?.groups.map(\.start).min() ?? 0
        return input.startMicros ?? (firstStart - Int64(delay * 1_000_000))
    }

    init(input: DashboardInput, t0: Int64, duration: Double, total: SampleStats, bytesSent: Int64, steps: StepSection,
         labels: [LabelRow], timeline: Timeline, errors: ErrorSummary, apdex: ApdexCount, distribution: LatencyDistribution) {
        self.input = input
        self.t0 = t0
        self.duration = duration
        self.total = total
        self.bytesSent = bytesSent
        self.steps = steps
        self.labels = labels
        self.timeline = timeline
        self.errors = errors
        self.apdex = apdex
        self.distribution = distribution
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
        var tally = ErrorTally()
        for s in samples { tally.add(s) }
        self = tally.summary()
    }

    init(byClass: [(ErrorClass, Int)], topByLabel: [(label: String, errors: [Entry], total: Int)]) {
        self.byClass = byClass
        self.topByLabel = topByLabel
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

/// Counts failures as they come, for `ErrorSummary`. Memory grows with the kinds of error, not the
/// samples: distinct messages are remembered (to count a kind's variants) up to `maxMessages`.
struct ErrorTally {
    static let maxMessages = 100_000
    var classes: [ErrorClass: Int] = [:]
    var perLabel: [String: [String: ErrorSummary.Entry]] = [:]
    var seen: Set<String> = []

    mutating func add(_ s: Sample) {
        guard !s.success else { return }
        let errorClass = s.errorClass ?? .other
        classes[errorClass, default: 0] += 1
        let code = s.status > 0 ? String(s.status) : errorClass.nonHTTPCode
        let message = s.failureMessage.isEmpty ? s.responseMessage : s.failureMessage
        // Messages that differ only in numbers ("rtf 1.06 > 1", "rtf 1.31 > 1") are one kind of error.
        let key = code + "\n" + ErrorSummary.maskingNumbers(message)
        var entry = perLabel[s.label]?[key] ?? ErrorSummary.Entry(code: code, message: message, count: 0, variants: 0)
        let variant = key + "\n" + message
        if entry.count == 0 || entry.message != message && !seen.contains(variant) && seen.count < Self.maxMessages {
            entry.variants += 1
        }
        if seen.count < Self.maxMessages { seen.insert(variant) }
        entry.count += 1
        perLabel[s.label, default: [:]][key] = entry
    }

    func summary() -> ErrorSummary {
        let byClass = classes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            .map { ($0.key, $0.value) }
        let top = perLabel.sorted { $0.key < $1.key }.map { label, entries in
            let sorted = entries.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0.message < $1.message }
            return (label: label, errors: Array(sorted.prefix(5)), total: sorted.reduce(0) { $0 + $1.count })
        }
        return ErrorSummary(byClass: byClass, topByLabel: top)
    }
}
