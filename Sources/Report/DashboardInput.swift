import Plan
import Results

/// What the dashboard is drawn from: every sample of a run, the schedule when known, and facts for the header.
public struct DashboardInput: Sendable {
    public var samples: [Sample]
    /// The plan's load schedule (from the run folder's plan.yaml); nil for a bare JTL, where steps
    /// are inferred from allThreads plateaus.
    public var profile: LoadProfile?
    /// Shown as the page title: the plan's name, or the JTL file's.
    public var title: String
    /// Where the samples were read from.
    public var source: String
    public var target: String?
    /// `complete`, `interrupted`, ... from summary.json when there is one.
    public var status: String?
    /// The plan's threshold expressions: listed as not judged when there is no `verdict`.
    public var thresholds: [String]
    /// The thresholds judged (by the run, or by `ttsload report` on the file's samples).
    public var verdict: ThresholdVerdict?
    /// Why `thresholds` were not judged (`--no-thresholds`), when there is no verdict.
    public var thresholdsNotJudged: String?
    public var knee: KneeRule
    public var apdex: ApdexRule
    /// Wall-clock µs of schedule time 0 when known (`ttsload run` knows the engine's start);
    /// nil: the first sample's start less the earliest group delay.
    public var startMicros: Int64?
    /// Notes shown under the header (e.g. reader warnings).
    public var notes: [String]
    /// Monitor series recorded with the run in the store (charted when there are any).
    public var monitors: [MonitorSeries] = []
    /// The agents of a distributed run (from summary.json), shown in their own table.
    public var distributed: DistributedSummary?
    /// A capacity search's levels and answer (`capacity.json`), shown first.
    public var capacity: CapacityReport?
    /// The plan's `measures:` (which chunk, how many seconds of audio) when a plan is known; the
    /// chunk section then names them.
    public var measures: Measures?

    public init(samples: [Sample], profile: LoadProfile? = nil, title: String, source: String, target: String? = nil,
                status: String? = nil, thresholds: [String] = [], knee: KneeRule = KneeRule(), apdex: ApdexRule = ApdexRule(), notes: [String] = []) {
        self.samples = samples
        self.profile = profile
        self.title = title
        self.source = source
        self.target = target
        self.status = status
        self.thresholds = thresholds
        self.knee = knee
        self.apdex = apdex
        self.notes = notes
    }
}

/// Where the service stopped scaling: the first step whose achieved throughput is under
/// `throughputGain` x the previous step's while its p95 grew at least `latencyGrowth` x.
///
/// Throughput here is successful samples per second: a service past its limit often answers
/// 503 in a millisecond, and counting those would show the knee as a gain.
public struct KneeRule: Sendable, Equatable {
    public var throughputGain: Double
    public var latencyGrowth: Double

    public init(throughputGain: Double = 1.1, latencyGrowth: Double = 1.5) {
        self.throughputGain = throughputGain
        self.latencyGrowth = latencyGrowth
    }

    /// Whether `step` is a knee after `previous` (steps without samples never are).
    public func isKnee(previous: StepRow, step: StepRow) -> Bool {
        guard previous.stats.count > 0, step.stats.count > 0 else { return false }
        let p95Before = previous.stats.latency.percentile(95), p95 = step.stats.latency.percentile(95)
        return step.successesPerSecond < throughputGain * previous.successesPerSecond
            && Double(p95) >= latencyGrowth * Double(p95Before)
    }
}
