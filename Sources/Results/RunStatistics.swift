import Plan

// `SampleStats` (counts and latency histograms of a set of samples) is `SampleTally<LatencyHistogram>`: SampleTally.swift.

/// The statistics of one step's hold (the steady part) for one thread group.
public struct StepStats: Sendable {
    public let group: Int
    public let step: ScheduleStep
    /// Extended: the tables show successful samples' percentiles beside those of all samples.
    public var stats = SampleStats(extended: true)
    /// Requests per second over the hold: samples started in it / its length.
    public var throughput: Double {
        let length = step.end - step.holdStart
        return length > 0 ? Double(stats.count) / length : 0
    }
}

/// Aggregates a run as samples arrive: totals, per label, per step hold.
public struct RunStatistics: Sendable {
    public let profile: LoadProfile
    /// Wall-clock µs at the load's start (schedule time 0).
    public var startWall: Int64
    public private(set) var total = SampleStats()
    public private(set) var byLabel: [String: SampleStats] = [:]
    public private(set) var steps: [StepStats]
    /// Plan group index -> position in `profile.groups`.
    private let scheduleIndex: [Int: Int]

    public init(profile: LoadProfile, groupIndices: [String: Int], startWall: Int64) {
        self.profile = profile
        self.startWall = startWall
        var map: [Int: Int] = [:]
        var steps: [StepStats] = []
        for (position, schedule) in profile.groups.enumerated() {
            let index = groupIndices[schedule.name] ?? position
            map[index] = position
            steps += schedule.steps.map { StepStats(group: index, step: $0) }
        }
        self.steps = steps
        scheduleIndex = map
    }

    public mutating func add(_ s: Sample) {
        total.add(s)
        byLabel[s.label, default: SampleStats()].add(s)
        guard let position = scheduleIndex[s.groupIndex] else { return }
        let t = Double(s.start - startWall) / 1_000_000
        let schedule = profile.groups[position]
        if let step = schedule.step(at: t), t >= step.holdStart,
           let i = steps.firstIndex(where: { $0.group == s.groupIndex && $0.step.index == step.index }) {
            steps[i].stats.add(s)
        }
    }
}
