import Plan

/// Counts and latency histogram of a set of samples.
public struct SampleStats: Sendable {
    public var count = 0
    public var errors = 0
    public var bytesReceived: Int64 = 0
    public var latency = LatencyHistogram()
    /// Error counts by class (transport failures and failed checks).
    public var errorClasses: [ErrorClass: Int] = [:]
    /// Time to first audio (µs) and RTF x 1000 of the samples whose audio was read.
    public var ttfa = LatencyHistogram()
    public var rtfMilli = LatencyHistogram()
    public var audioSeconds = 0.0
    /// Samples with audio, and those of them a real-time player would have stalled on.
    public var audioSamples = 0
    public var underrunSamples = 0

    public init() {}

    public mutating func add(_ s: Sample) {
        count += 1
        bytesReceived += s.bytesReceived
        latency.record(s.elapsed)
        if !s.success {
            errors += 1
            errorClasses[s.errorClass ?? .other, default: 0] += 1
        }
        if let a = s.audio, let seconds = a.audioSeconds {
            audioSamples += 1
            audioSeconds += seconds
            if let t = a.ttfa { ttfa.record(t) }
            if let rtf = a.rtf { rtfMilli.record(Int64((rtf * 1_000).rounded())) }
            if a.underrun > 0 { underrunSamples += 1 }
        }
    }

    /// Fraction of audio samples with a playback stall.
    public var underrunRate: Double { audioSamples == 0 ? 0 : Double(underrunSamples) / Double(audioSamples) }
    /// RTF at percentile `p`, or nil without audio.
    public func rtf(_ p: Double) -> Double? { rtfMilli.count == 0 ? nil : Double(rtfMilli.percentile(p)) / 1_000 }

    public var errorRate: Double { count == 0 ? 0 : Double(errors) / Double(count) }
}

/// The statistics of one step's hold (the steady part) for one thread group.
public struct StepStats: Sendable {
    public let group: Int
    public let step: ScheduleStep
    public var stats = SampleStats()
    /// Requests per second over the hold: samples started in it / its length.
    public var throughput: Double {
        let length = step.end - step.holdStart
        return length > 0 ? Double(stats.count) / length : 0
    }
}

/// Aggregates a run as samples arrive: totals, per label, per step hold, and the current interval.
public struct RunStatistics: Sendable {
    public let profile: LoadProfile
    /// Wall-clock µs at the load's start (schedule time 0).
    public var startWall: Int64
    public private(set) var total = SampleStats()
    public private(set) var byLabel: [String: SampleStats] = [:]
    public private(set) var steps: [StepStats]
    /// Since the last `takeInterval()`.
    public private(set) var interval = SampleStats()
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
        interval.add(s)
        guard let position = scheduleIndex[s.groupIndex] else { return }
        let t = Double(s.start - startWall) / 1_000_000
        let schedule = profile.groups[position]
        if let step = schedule.step(at: t), t >= step.holdStart,
           let i = steps.firstIndex(where: { $0.group == s.groupIndex && $0.step.index == step.index }) {
            steps[i].stats.add(s)
        }
    }

    /// The interval's statistics, and a fresh interval.
    public mutating func takeInterval() -> SampleStats {
        defer { interval = SampleStats() }
        return interval
    }
}
