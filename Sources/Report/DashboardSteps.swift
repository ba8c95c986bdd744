import Plan
import Results

/// One step of one thread group, measured over its hold (the steady part after the ramp).
public struct StepRow: Sendable {
    public var group: String
    /// 1-based.
    public var index: Int
    public var name: String
    /// Users, or requests per second for an open-model group.
    public var level: Double
    public var unit: String
    /// Seconds from the run's time 0.
    public var start: Double, holdStart: Double, end: Double
    /// Samples that started during the hold: their latency, errors and TTS figures; and those that
    /// ended during it (`ended`, `endedOK`: what the service delivered).
    /// Extended: the table shows successful samples' percentiles beside those of all samples.
    public var stats = SampleStats(extended: true)
    public var ended: Int {
        get { stats.ended }
        set { stats.ended = newValue }
    }
    public var endedOK: Int {
        get { stats.endedOK }
        set { stats.endedOK = newValue }
    }
    public var isKnee = false

    public var holdSeconds: Double { end - holdStart }
    /// Achieved throughput: samples that ended during the hold, per second of hold.
    public var requestsPerSecond: Double { holdSeconds > 0 ? Double(ended) / holdSeconds : 0 }
    /// Successful samples that ended during the hold, per second: the throughput the knee rule uses,
    /// because an overloaded service answers errors fast and those would look like more throughput.
    public var successesPerSecond: Double { holdSeconds > 0 ? Double(endedOK) / holdSeconds : 0 }
    /// Seconds of audio delivered per second of hold, nil without audio.
    public var audioSecondsPerSecond: Double? {
        stats.audioSamples > 0 && holdSeconds > 0 ? stats.audioSeconds / holdSeconds : nil
    }
}

/// The steps of one thread group (or, inferred, of the whole test) and the knee among them.
public struct GroupSteps: Sendable {
    public var name: String
    public var rows: [StepRow]
    /// Position in `rows` of the knee, nil for 'no knee'.
    public var knee: Int?
}

/// The per-step part of the dashboard: from the plan, inferred from allThreads, or absent with a reason.
public struct StepSection: Sendable {
    public var groups: [GroupSteps]
    /// True when the steps come from allThreads plateaus rather than a plan.
    public var inferred: Bool
    /// Why there is no per-step table (nil when there is one).
    public var missingReason: String?
}

/// Step rows from the plan's schedule, filled sample by sample: samples go to their group (by
/// name; all samples when the profile has one group) and to the step whose hold holds their start
/// (or end, for `ended`).
struct ProfileSteps {
    let profile: LoadProfile
    let t0: Int64
    var groups: [GroupSteps]
    private let position: [String: Int]

    init(profile: LoadProfile, t0: Int64) {
        self.profile = profile
        self.t0 = t0
        groups = profile.groups.map { schedule in
            GroupSteps(name: schedule.name, rows: schedule.steps.map { step in
                StepRow(group: schedule.name, index: step.index, name: step.name, level: step.level,
                        unit: schedule.isOpen ? "req/s" : "users", start: step.start, holdStart: step.holdStart, end: step.end)
            }, knee: nil)
        }
        var position: [String: Int] = [:]
        for (i, g) in profile.groups.enumerated() { position[g.name] = i }
        self.position = position
    }

    mutating func add(_ s: Sample) {
        guard let g = profile.groups.count == 1 ? 0 : position[s.groupName] else { return }
        let schedule = profile.groups[g]
        let tStart = StepBuilder.seconds(s.start, from: t0), tEnd = StepBuilder.seconds(s.end, from: t0)
        if let step = schedule.step(at: tStart), tStart >= step.holdStart { groups[g].rows[step.index - 1].stats.add(s) }
        if let step = schedule.step(at: tEnd), tEnd >= step.holdStart { groups[g].rows[step.index - 1].stats.addEnded(s) }
    }

    func section(rule: KneeRule) -> StepSection {
        var groups = self.groups
        for i in groups.indices { StepBuilder.markKnee(&groups[i], rule: rule) }
        return StepSection(groups: groups, inferred: false, missingReason: nil)
    }
}

enum StepBuilder {
    /// `inferred(bins:...)` for samples in memory (the comparison's sides keep theirs).
    static func inferred(samples: [Sample], t0: Int64, duration: Double, rule: KneeRule) -> StepSection {
        var bins = SecondBins(extended: true)
        for s in samples { bins.add(s, t0: t0) }
        return inferred(bins: bins, duration: duration, rule: rule)
    }

    /// Steps read off allThreads (`StepPlateaus`): a plateau is a run of whole seconds whose highest
    /// allThreads is one level, at least `minimumPlateau(duration)` long; its first and last second
    /// are left out of the hold because they straddle the change. Hold bounds are whole seconds, so
    /// a step's figures are the sums of its seconds' bins.
    static func inferred(bins: SecondBins, duration: Double, rule: KneeRule) -> StepSection {
        guard bins.bins.contains(where: { $0.peakUsers > 0 }) else {
            return StepSection(groups: [], inferred: true, missingReason:
                "No plan is known and the file has no allThreads values, so its steps cannot be told apart; see the per-label table.")
        }
        let seconds = StepPlateaus.secondCount(duration: duration)
        var level = [Int](repeating: 0, count: seconds)
        for (i, bin) in bins.bins.enumerated() {
            let k = min(seconds - 1, i)
            level[k] = max(level[k], bin.peakUsers)
        }
        let minimum = minimumPlateau(duration)
        let plateaus = StepPlateaus.find(levels: level, duration: duration)
        guard !plateaus.isEmpty else {
            return StepSection(groups: [], inferred: true, missingReason:
                "No plan is known and allThreads never held one level for \(minimum) s, so no steps could be inferred; see the per-label table.")
        }
        var rows: [StepRow] = []
        var previousEnd = 0.0
        for (n, p) in plateaus.enumerated() {
            var row = StepRow(group: "all threads", index: n + 1, name: "step \(n + 1): \(p.level) users", level: Double(p.level),
                              unit: "users", start: previousEnd, holdStart: p.holdStart, end: p.end)
            for second in (p.first + 1)..<max(p.first + 1, p.last) { row.stats.add(bins[second]) }
            rows.append(row)
            previousEnd = Double(p.last + 1)
        }
        var group = GroupSteps(name: "all threads", rows: rows, knee: nil)
        markKnee(&group, rule: rule)
        return StepSection(groups: [group], inferred: true, missingReason: nil)
    }

    /// Plateaus shorter than this many seconds are ramps: 3 s, or 5% of the run when that is longer,
    /// so a slow ramp's one-user-every-few-seconds does not count as many steps.
    static func minimumPlateau(_ duration: Double) -> Int { StepPlateaus.minimumLength(duration: duration) }

    static func markKnee(_ group: inout GroupSteps, rule: KneeRule) {
        guard group.rows.count > 1 else { return }
        for i in 1..<group.rows.count where rule.isKnee(previous: group.rows[i - 1], step: group.rows[i]) {
            group.rows[i].isKnee = true
            group.knee = i
            return
        }
    }

    @inline(__always) static func seconds(_ micros: Int64, from t0: Int64) -> Double { Double(micros - t0) / 1_000_000 }
}
