import Plan
import Results

/// Builds the dashboard's model in one pass over the samples, keeping no sample: totals, per label,
/// per step (from the plan) and per whole second from time 0 (charts, and the steps inferred from
/// allThreads), plus error kinds. Memory grows with labels, steps, seconds and error kinds, not
/// with samples, so a JTL of any length can be streamed through it.
public struct DashboardAccumulator {
    public let input: DashboardInput
    /// Wall-clock µs of the run's time 0; must be known before the first sample (`DashboardModel.timeZero`).
    public let t0: Int64
    private var total = SampleStats()
    private var bytesSent: Int64 = 0
    private var apdex = ApdexCount()
    private var labels: [String: LabelRow] = [:]
    private var profileSteps: ProfileSteps?
    private var bins = SecondBins()
    private var errors = ErrorTally()
    private var lastEnd: Int64?

    public init(input: DashboardInput, t0: Int64) {
        self.input = input
        self.t0 = t0
        if let profile = input.profile, !profile.groups.isEmpty { profileSteps = ProfileSteps(profile: profile, t0: t0) }
        bins.extended = profileSteps == nil
    }

    public mutating func add(_ s: Sample) {
        total.add(s)
        bytesSent += s.bytesSent
        apdex.add(s, rule: input.apdex)
        labels[s.label, default: LabelRow(label: s.label)].add(s, apdex: input.apdex)
        profileSteps?.add(s)
        bins.add(s, t0: t0)
        errors.add(s)
        lastEnd = max(lastEnd ?? s.end, s.end)
    }

    /// Samples added so far.
    public var count: Int { total.count }

    /// The model of every sample added; `notes` are added to the input's (e.g. reader warnings).
    public func model(notes: [String] = []) -> DashboardModel {
        var input = self.input
        input.notes += notes
        let duration = max(0, Double((lastEnd ?? t0) - t0) / 1_000_000)
        let rows = labels.values.sorted { $0.label < $1.label }.map { var row = $0; row.seconds = duration; return row }
        let steps = profileSteps?.section(rule: input.knee) ?? StepBuilder.inferred(bins: bins, duration: duration, rule: input.knee)
        return DashboardModel(input: input, t0: t0, duration: duration, total: total, bytesSent: bytesSent, steps: steps,
                              labels: rows, timeline: Timeline(bins: bins, duration: duration, profile: input.profile),
                              errors: errors.summary(), apdex: apdex, distribution: LatencyDistribution(histogram: total.latency))
    }
}
