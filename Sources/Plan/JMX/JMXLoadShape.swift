import Foundation

/// A thread group's load, read from the .jmx, before it is written as a ttsload `load:`.
/// Times are in milliseconds (JMeter's thread groups count whole seconds; open-model schedules
/// may be finer).
enum JMXLoadShape: Equatable {
    /// `{users, ramp_up, duration}`: JMeter's own Thread Group with a scheduler.
    case users(Int, rampMs: Int, durationMs: Int)
    /// `stages:` of user counts: stepping and concurrency thread groups (a 0 ms stage is a jump).
    case stages([Stage])
    /// `arrival_rate: {stages}`: the open model thread group, rates per second.
    case arrivals([Stage], poisson: Bool)

    struct Stage: Equatable {
        var ms: Int
        var target: Double
    }

    /// This shape's share `part` of `parts` groups: user counts split exactly (largest remainder,
    /// the lower parts get the extra user), rates divided evenly.
    func share(_ part: Int, of parts: Int) -> JMXLoadShape {
        guard parts > 1 else { return self }
        func users(_ n: Int) -> Int { n / parts + (part < n % parts ? 1 : 0) }
        switch self {
        case let .users(n, ramp, duration): return .users(users(n), rampMs: ramp, durationMs: duration)
        case .stages(let stages): return .stages(stages.map { Stage(ms: $0.ms, target: Double(users(Int($0.target)))) })
        case let .arrivals(stages, poisson):
            return .arrivals(stages.map { Stage(ms: $0.ms, target: $0.target / Double(parts)) }, poisson: poisson)
        }
    }

    /// True when no user or arrival would ever run.
    var isEmpty: Bool {
        switch self {
        case let .users(n, _, duration): return n == 0 || duration == 0
        case .stages(let s), .arrivals(let s, _): return s.allSatisfy { $0.target == 0 } || s.allSatisfy { $0.ms == 0 }
        }
    }

    /// The ttsload `load:` mapping.
    var yaml: PlanYAML {
        func stages(_ s: [Stage]) -> PlanYAML {
            .list(s.map { .map([.init("duration", .string(JMXDuration.text($0.ms))), .init("target", .double($0.target))]) })
        }
        switch self {
        case let .users(n, ramp, duration):
            var fields: [PlanYAML.Field] = [.init("users", .int(n))]
            if ramp > 0 { fields.append(.init("ramp_up", .string(JMXDuration.text(ramp)))) }
            fields.append(.init("duration", .string(JMXDuration.text(duration))))
            return .map(fields)
        case .stages(let s):
            return .map([.init("stages", stages(s))])
        case let .arrivals(s, poisson):
            return .map([.init("arrival_rate", .map([
                .init("stages", stages(s)),
                .init("distribution", .string(poisson ? "poisson" : "constant")),
            ]))])
        }
    }
}

/// Durations as ttsload writes them.
enum JMXDuration {
    /// `30s`, `1500ms`, `0`.
    static func text(_ ms: Int) -> String {
        if ms == 0 { return "0" }
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}

/// Reads the four kinds of thread group the importer knows into a `JMXLoadShape`.
struct JMXLoadReader {
    let element: JMXElement
    /// Literal values of properties (references resolved to variables and property defaults).
    let value: (String) -> String?
    /// How long a thread group that JMeter would run without end (or for a loop count) runs.
    let defaultDurationMs: Int
    var notes: [String] = []
    var approximated = false

    static let stepping = "kg.apc.jmeter.threads.SteppingThreadGroup"
    static let concurrency = "com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup"
    static let openModel = "OpenModelThreadGroup"
    static let kinds: Set<String> = ["ThreadGroup", stepping, concurrency, openModel]

    /// A non-negative number property. Values past `JMXNumber.limit` (no plan needs them) are cut
    /// there, so no arithmetic on them can overflow; the plan's own limits then name the field.
    private mutating func number(_ name: String, _ fallback: Double = 0) -> Double {
        guard let text = value(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
        guard let n = Double(text), n.isFinite, n >= 0 else {
            notes.append("\(name) '\(text)' is not a number; \(fallback.formatted()) is used")
            approximated = true
            return fallback
        }
        if n > JMXNumber.limit {
            notes.append("\(name) \(text) is cut to \(Int(JMXNumber.limit))")
            approximated = true
            return JMXNumber.limit
        }
        return n
    }

    private mutating func approximate(_ note: String) {
        notes.append(note)
        approximated = true
    }

    /// The shape and the group's start delay in ms; nil when the group cannot run (notes say why).
    mutating func read() -> (shape: JMXLoadShape, delayMs: Int)? {
        switch element.name {
        case Self.stepping: return stepping()
        case Self.concurrency: return concurrency()
        case Self.openModel: return openModel()
        default: return plain()
        }
    }

    /// The loop count of the group's main controller (-1: forever).
    private mutating func loops() -> Int {
        guard let controller = element.elementProp("ThreadGroup.main_controller") else { return -1 }
        if controller.bool("LoopController.continue_forever") && controller.string("LoopController.loops") == nil { return -1 }
        let text = controller.string("LoopController.loops").map { value($0) ?? $0 } ?? "-1"
        return Int(text.trimmingCharacters(in: .whitespaces)) ?? -1
    }

    private mutating func plain() -> (shape: JMXLoadShape, delayMs: Int)? {
        let users = Int(number("ThreadGroup.num_threads", 1))
        var ramp = Int(number("ThreadGroup.ramp_time") * 1000)
        let scheduler = element.bool("ThreadGroup.scheduler")
        var duration = scheduler ? Int(number("ThreadGroup.duration") * 1000) : 0
        let delay = scheduler ? Int(number("ThreadGroup.delay") * 1000) : 0
        let loops = loops()
        if duration == 0 {
            duration = max(defaultDurationMs, ramp)
            approximate(loops < 0
                ? "JMeter runs this group until stopped (no scheduler duration); ttsload runs it for \(JMXDuration.text(duration)) (--duration)"
                : "JMeter stops each thread after \(loops) iteration\(loops == 1 ? "" : "s"); ttsload has no iteration count, so the group runs for \(JMXDuration.text(duration)) (--duration)")
        } else if loops > 0 {
            approximate("the loop count \(loops) is not kept: the group runs for its scheduler duration")
        }
        if ramp > duration {
            approximate("ramp-up \(JMXDuration.text(ramp)) is longer than the duration \(JMXDuration.text(duration)); cut to the duration")
            ramp = duration
        }
        return (.users(users, rampMs: ramp, durationMs: duration), delay)
    }

    /// jmeter-plugins' Stepping Thread Group (kg.apc): `burst` users, then `count` more every
    /// `period` (each batch started over `rampUp`), `flighttime` at the top, then `Stop users count`
    /// stopped every `Stop users period`. Timing as the plugin's scheduleThread computes it: a batch
    /// takes rampUp + period; the last batch's ramp is as long as its share of users needs.
    private mutating func stepping() -> (shape: JMXLoadShape, delayMs: Int)? {
        let total = Int(number("ThreadGroup.num_threads", 1))
        let delay = Int(number("Threads initial delay") * 1000)
        var count = Int(number("Start users count", 1))
        if count <= 0 { count = total }
        var burst = min(Int(number("Start users count burst")), total)
        if burst <= 0 { burst = count }
        let period = Int(number("Start users period") * 1000)
        let ramp = Int(number("rampUp") * 1000)
        let flight = Int(number("flighttime") * 1000)
        var outCount = Int(number("Stop users count"))
        if outCount <= 0 { outCount = total }
        let outPeriod = Int(number("Stop users period") * 1000)
        guard total > 0 else { return nil }
        guard (total - min(burst, total)) / count <= JMXNumber.maxSteps else {
            notes.append("more than \(JMXNumber.maxSteps) steps (\(total) users, \(count) at a time)")
            return nil
        }
        var stages: [JMXLoadShape.Stage] = []
        var level = 0
        while level < total {
            let batch = level == 0 ? min(burst, total) : min(count, total - level)
            let last = level + batch >= total
            // A full batch ramps over rampUp; the last partial one over its share (rampUp / count per user).
            let rampMs = level == 0 || batch == count ? ramp : ramp * batch / count
            level += batch
            stages.append(.init(ms: rampMs, target: Double(level)))
            let hold = last ? flight : period
            if hold > 0 { stages.append(.init(ms: hold, target: Double(level))) }
        }
        if flight == 0 { approximate("flighttime 0: the top level is not held") }
        // The plugin stops outCount users at once, then outCount more every period; a linear ramp
        // down keeps those seconds out of the per-step tables (a held level would count as a step).
        let downMs = outPeriod * Int((Double(total) / Double(outCount)).rounded(.up))
        if downMs > 0 {
            stages.append(.init(ms: downMs, target: 0))
            approximate("the ramp-down (\(outCount) users every \(JMXDuration.text(outPeriod))) is a linear ramp to 0 over \(JMXDuration.text(downMs))")
        }
        if loops() > 0 { approximate("the loop count is not kept: the group runs for its schedule") }
        return (.stages(stages), delay)
    }

    /// jmeter-plugins' Concurrency Thread Group (BlazeMeter): `TargetLevel` users reached over
    /// `RampUp` (in `Steps` equal jumps, each level round(T/N*(i+1)) held RampUp/N, or linearly
    /// when Steps is 0), then held for `Hold`; `Unit` M means minutes. As ConcurrencyThreadStarter.
    private mutating func concurrency() -> (shape: JMXLoadShape, delayMs: Int)? {
        let unit = (value("Unit") ?? "S").trimmingCharacters(in: .whitespaces) == "M" ? 60_000.0 : 1000.0
        let target = Int(number("TargetLevel", 1))
        let ramp = Int(number("RampUp") * unit)
        let hold = Int(number("Hold") * unit)
        let steps = Int(number("Steps"))
        guard target > 0 else { return nil }
        guard steps <= JMXNumber.maxSteps else {
            notes.append("Steps \(steps): more than \(JMXNumber.maxSteps)")
            return nil
        }
        var stages: [JMXLoadShape.Stage] = []
        if ramp == 0 || steps <= 0 {
            stages.append(.init(ms: ramp, target: Double(target)))
            if hold > 0 { stages.append(.init(ms: hold, target: Double(target))) }
        } else {
            let stepMs = ramp / steps
            for i in 0..<steps {
                let level = (Double(target) / Double(steps) * Double(i + 1)).rounded(.toNearestOrAwayFromZero)
                let ms = stepMs + (i == steps - 1 ? hold + (ramp - stepMs * steps) : 0)
                if let lastStage = stages.last, lastStage.target == level {
                    stages[stages.count - 1].ms += ms
                    continue
                }
                stages.append(.init(ms: 0, target: level))
                stages.append(.init(ms: ms, target: level))
            }
        }
        if let iterations = value("Iterations")?.trimmingCharacters(in: .whitespaces), !iterations.isEmpty, iterations != "0" {
            approximate("Iterations \(iterations) is not kept: ttsload has no iteration limit; the group runs for its schedule")
        }
        return (.stages(stages), 0)
    }

    /// JMeter 5.5's Open Model Thread Group: `OpenModelThreadGroup.schedule`, a list of
    /// `rate(N/unit)`, `random_arrivals(T)`, `even_arrivals(T)` and `pause(T)`.
    private mutating func openModel() -> (shape: JMXLoadShape, delayMs: Int)? {
        let schedule = value("OpenModelThreadGroup.schedule") ?? ""
        let parsed = OpenModelSchedule.parse(schedule)
        if let problem = parsed.problem {
            notes.append("schedule '\(schedule)': \(problem)")
            return nil
        }
        if parsed.mixed { approximate("the schedule mixes random and even arrivals; ttsload uses one distribution per group (poisson)") }
        if let seed = value("OpenModelThreadGroup.random_seed"), !seed.isEmpty, seed != "0" {
            approximate("random_seed \(seed) is not kept: ttsload's Poisson arrivals are not seeded")
        }
        approximate("arrivals in flight are capped at 1000 (ttsload's max_users); JMeter's open model has no cap")
        return (.arrivals(parsed.stages, poisson: parsed.poisson), 0)
    }
}

/// Bounds on numbers read from a .jmx, so hostile values cannot overflow the arithmetic.
enum JMXNumber {
    /// Seconds, users, milliseconds: anything larger is cut (30 days is 2,592,000 s; ttsload's
    /// limits are far below this and report the field).
    static let limit = 100_000_000.0
    /// Steps of a stepped thread group converted at most.
    static let maxSteps = 1_000

    /// Milliseconds from a timer or assertion field: a non-negative number, cut at `limit`.
    static func milliseconds(_ text: String) -> Int {
        guard let n = Double(text.trimmingCharacters(in: .whitespaces)), n.isFinite, n > 0 else { return 0 }
        return Int(min(n, limit))
    }
}
