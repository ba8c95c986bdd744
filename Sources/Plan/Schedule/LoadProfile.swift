/// The load of a whole plan over time: what the engine follows and the report draws.
///
/// Times are seconds from the start of the test. Computed by a pure function of the plan, so it is
/// tested exactly: ramp edges, zero-length ramps, single steps, many groups with different shapes.
public struct LoadProfile: Sendable, Equatable {
    public var groups: [GroupSchedule]

    /// When the last group ends.
    public var duration: Double { groups.map(\.end).max() ?? 0 }

    public init(groups: [GroupSchedule]) { self.groups = groups }

    /// Builds the profile of `plan`: weighted groups get their exact share of the plan's `load`.
    public init(plan: Plan) {
        let weighted = plan.threadGroups.indices.filter { plan.threadGroups[$0].weight != nil }
        var shared: [Int: LoadSpec] = [:]
        if let load = plan.load, !weighted.isEmpty {
            // In an A/B run each side gets the whole shared load: the split is over side a's twins
            // (or groups of no side), and a b twin takes its a twin's share, so twins never differ
            // by the user a largest remainder hands out.
            let dealt = weighted.filter { plan.threadGroups[$0].side != .b }
            let parts = load.split(weights: dealt.map { plan.threadGroups[$0].weight ?? 0 })
            for (index, part) in zip(dealt, parts) { shared[index] = part }
            for index in weighted where plan.threadGroups[index].side == .b {
                let name = ABSide.split(plan.threadGroups[index].name)?.base ?? plan.threadGroups[index].name
                if let twin = dealt.first(where: { plan.threadGroups[$0].name == name + ABSide.a.suffix }) { shared[index] = shared[twin] }
            }
        }
        groups = plan.threadGroups.enumerated().compactMap { index, group in
            guard let load = group.load ?? shared[index] else { return nil }
            return GroupSchedule(name: group.name, load: load, delay: group.delay.seconds)
        }
    }

    /// Virtual users of all closed-model groups at `t`.
    public func users(at t: Double) -> Int { groups.reduce(0) { $0 + $1.users(at: t) } }

    /// Arrival rate of all open-model groups at `t`, per second.
    public func rate(at t: Double) -> Double { groups.reduce(0) { $0 + $1.rate(at: t) } }
}

/// One thread group's load over time: piecewise-linear segments and the named steps on them.
public struct GroupSchedule: Sendable, Equatable {
    public enum Model: Sendable, Equatable {
        /// Virtual users; each sends its next request when the previous one ends.
        case closed
        /// Arrivals per second, capped at `maxUsers` in flight.
        case open(maxUsers: Int, distribution: ArrivalRate.Distribution)
    }

    /// A stretch of time where the level moves linearly from `from` to `to` (equal for a hold).
    public struct Segment: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var from: Double
        public var to: Double
    }

    public var name: String
    public var model: Model
    public var segments: [Segment]
    public var steps: [ScheduleStep]
    public var start: Double
    public var end: Double

    public var isOpen: Bool { if case .open = model { return true } else { return false } }

    public init(name: String, load: LoadSpec, delay: Double) {
        self.name = name
        var builder = SegmentBuilder(time: delay)
        var steps: [ScheduleStep] = []
        func step(_ level: Double, start: Double, holdStart: Double, end: Double, unit: String) {
            let index = steps.count + 1
            let levelText = NodeReader.format((level * 1_000).rounded() / 1_000)
            steps.append(ScheduleStep(index: index, name: "step \(index): \(levelText) \(unit)", level: level,
                                      start: start, holdStart: holdStart, end: end))
        }
        func addSteps(_ levels: [Double], rampUp: PlanDuration, hold: PlanDuration, unit: String) {
            for level in levels {
                let start = builder.time
                builder.move(to: level, over: rampUp.seconds)
                let holdStart = builder.time
                builder.move(to: level, over: hold.seconds)
                step(level, start: start, holdStart: holdStart, end: builder.time, unit: unit)
            }
        }
        func addStages(_ stages: [LoadSpec.Stage], unit: String) {
            let plateaus = stages.enumerated().filter { i, s in s.duration > .zero && s.target == (i == 0 ? 0 : stages[i - 1].target) }
            var rampStart: Double?
            for (i, stage) in stages.enumerated() {
                let start = builder.time
                let isPlateau = plateaus.contains { $0.offset == i }
                builder.move(to: stage.target, over: stage.duration.seconds)
                if plateaus.isEmpty {
                    step(stage.target, start: start, holdStart: start, end: builder.time, unit: unit)
                } else if isPlateau {
                    step(stage.target, start: rampStart ?? start, holdStart: start, end: builder.time, unit: unit)
                    rampStart = nil
                } else {
                    rampStart = rampStart ?? start
                }
            }
        }
        switch load {
        case let .steps(users, rampUp, hold):
            model = .closed
            addSteps(users.map(Double.init), rampUp: rampUp, hold: hold, unit: "users")
        case .stages(let stages):
            model = .closed
            addStages(stages, unit: "users")
        case let .constant(users, rampUp, duration):
            model = .closed
            let start = builder.time
            builder.move(to: Double(users), over: rampUp.seconds)
            let holdStart = builder.time
            builder.move(to: Double(users), over: max(0, duration.seconds - rampUp.seconds))
            step(Double(users), start: start, holdStart: holdStart, end: builder.time, unit: "users")
        case .arrivalRate(let arrival):
            model = .open(maxUsers: arrival.maxUsers, distribution: arrival.distribution)
            switch arrival.shape {
            case let .steps(rates, rampUp, hold):
                addSteps(rates, rampUp: rampUp, hold: hold, unit: "req/s")
            case .stages(let stages):
                addStages(stages, unit: "req/s")
            case let .constant(rate, duration):
                builder.level = rate  // an open model starts at its rate, no ramp from zero
                let start = builder.time
                builder.move(to: rate, over: duration.seconds)
                step(rate, start: start, holdStart: start, end: builder.time, unit: "req/s")
            }
        }
        self.segments = builder.segments
        self.steps = steps
        self.start = delay
        self.end = builder.time
    }

    /// Target virtual users at `t` (closed model; 0 for open groups and outside the group's time).
    ///
    /// During a ramp from a to b over R starting at t0, users change one at a time, evenly spaced,
    /// the first change at t0 (JMeter's rule: 100 users over 30 s is one more every 0.3 s).
    public func users(at t: Double) -> Int {
        guard !isOpen, let segment = segment(at: t) else { return 0 }
        let from = Int(segment.from.rounded()), to = Int(segment.to.rounded())
        if from == to || segment.end <= segment.start { return to }
        let changes = abs(to - from)
        let done = min(changes, Int(((t - segment.start) * Double(changes) / (segment.end - segment.start)).rounded(.down)) + 1)
        return from + (to > from ? done : -done)
    }

    /// Target arrival rate per second at `t` (open model; 0 for closed groups and outside its time).
    public func rate(at t: Double) -> Double {
        guard isOpen, let segment = segment(at: t) else { return 0 }
        guard segment.end > segment.start else { return segment.to }
        return segment.from + (segment.to - segment.from) * (t - segment.start) / (segment.end - segment.start)
    }

    /// Expected number of arrivals from the group's start until `t` (the integral of the rate).
    public func expectedArrivals(until t: Double) -> Double {
        guard isOpen else { return 0 }
        var total = 0.0
        for s in segments where s.start < t {
            let end = min(t, s.end)
            let length = end - s.start
            guard length > 0 else { continue }
            let rateAtEnd = s.end > s.start ? s.from + (s.to - s.from) * length / (s.end - s.start) : s.to
            total += (s.from + rateAtEnd) / 2 * length
        }
        return total
    }

    /// The step in force at `t`, if any (ramps count toward the step they lead to).
    public func step(at t: Double) -> ScheduleStep? {
        steps.first { t >= $0.start && t < $0.end }
    }

    /// The segment holding `t`: half-open [start, end), zero-length segments apply at their instant.
    private func segment(at t: Double) -> Segment? {
        guard t >= start, t < end else { return nil }
        return segments.last { t >= $0.start && (t < $0.end || $0.start == $0.end && t == $0.start) }
            ?? segments.first { t >= $0.start && t < $0.end }
    }
}

/// A named step of a schedule: the ramp that leads to a level and the hold at it.
public struct ScheduleStep: Sendable, Equatable {
    /// 1-based.
    public var index: Int
    /// `step 3: 100 users`, `step 2: 5 req/s`.
    public var name: String
    /// Users, or requests per second.
    public var level: Double
    /// When the ramp towards this level starts.
    public var start: Double
    /// When the level is reached; the hold (the steady part to measure) runs from here to `end`.
    public var holdStart: Double
    public var end: Double
}

/// Appends piecewise-linear segments from a running time and level.
struct SegmentBuilder {
    var time: Double
    var level = 0.0
    var segments: [GroupSchedule.Segment] = []

    init(time: Double) { self.time = time }

    /// Moves linearly to `target` over `seconds`; a zero-length move is a jump recorded as an instant.
    mutating func move(to target: Double, over seconds: Double) {
        if seconds <= 0 && target == level { return }
        segments.append(GroupSchedule.Segment(start: time, end: time + max(0, seconds), from: level, to: target))
        time += max(0, seconds)
        level = target
    }
}
