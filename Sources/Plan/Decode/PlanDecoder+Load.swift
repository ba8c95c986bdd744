import Foundation
import Yams

extension PlanDecoder {
    /// The most virtual users or requests per second one plan may ask for: past this it is a typo,
    /// and bounding it keeps the schedule maths far from overflow.
    static let maxUsers = 1_000_000
    static let maxRate = 1_000_000.0

    func decodeLoad(_ cursor: Cursor) -> LoadSpec? {
        let keys = ["steps", "ramp_up", "hold", "stages", "users", "duration", "arrival_rate"]
        guard let m = reader.mapping(cursor, allowed: keys, what: "a load shape (steps, stages, users or arrival_rate)") else { return nil }
        let shapes = ["steps", "stages", "users", "arrival_rate"].filter(m.has)
        guard let shape = shapes.first else {
            reader.error(cursor, "expected one of steps, stages, users or arrival_rate", preferKey: true)
            return nil
        }
        m.exclusive(shapes)
        func refuse(_ key: String, _ why: String) {
            if let c = m[key] { reader.error(c, "'\(key)' \(why)", preferKey: true) }
        }
        switch shape {
        case "steps":
            refuse("duration", "belongs to users:, not steps: (steps use hold:)")
            let users = m["steps"].flatMap { c in
                reader.sequence(c, what: "a list of user counts, e.g. [10, 50, 100]").map { items in
                    if items.isEmpty { reader.error(c, "expected at least one step") }
                    return items.compactMap { reader.int($0, in: 0...Self.maxUsers, what: "a user count") }
                }
            }
            let rampUp = m["ramp_up"].flatMap { reader.duration($0) } ?? .zero
            let hold = m.required("hold", what: "how long each step is held, e.g. 3m").flatMap { reader.duration($0, atLeast: PlanDuration(microseconds: 1)) }
            guard let users, !users.isEmpty, let hold else { return nil }
            return .steps(users: users, rampUp: rampUp, hold: hold)
        case "stages":
            refuse("ramp_up", "does not apply to stages (each stage ramps over its own duration)")
            refuse("hold", "does not apply to stages (add a stage with the same target)")
            refuse("duration", "does not apply to stages")
            guard let stages = m["stages"].flatMap({ decodeStages($0, maxTarget: Double(Self.maxUsers), integral: true) }) else { return nil }
            return .stages(stages)
        case "users":
            refuse("hold", "belongs to steps:, not users: (users use duration:)")
            let users = m["users"].flatMap { reader.int($0, in: 1...Self.maxUsers, what: "a user count") }
            let rampUp = m["ramp_up"].flatMap { reader.duration($0) } ?? .zero
            let duration = m.required("duration", what: "the run length including ramp_up, e.g. 5m").flatMap {
                reader.duration($0, atLeast: PlanDuration(microseconds: 1))
            }
            if let duration, rampUp > duration, let c = m["ramp_up"] {
                reader.error(c, "ramp_up \(rampUp) is longer than duration \(duration) (duration includes the ramp)")
            }
            guard let users, let duration else { return nil }
            return .constant(users: users, rampUp: rampUp, duration: duration)
        default:
            for key in ["ramp_up", "hold"] { refuse(key, "goes inside arrival_rate: for the open model") }
            guard let c = m["arrival_rate"], let rate = decodeArrivalRate(c) else { return nil }
            return .arrivalRate(rate)
        }
    }

    func decodeArrivalRate(_ cursor: Cursor) -> ArrivalRate? {
        let keys = ["steps", "ramp_up", "hold", "stages", "rate", "duration", "max_users", "distribution"]
        guard let m = reader.mapping(cursor, allowed: keys, what: "an arrival-rate shape (steps, stages or rate)") else { return nil }
        let shapes = ["steps", "stages", "rate"].filter(m.has)
        m.exclusive(shapes)
        let maxUsers = m["max_users"].flatMap { reader.int($0, in: 1...Self.maxUsers, what: "a user cap") } ?? 1_000
        let distribution = m["distribution"].flatMap { reader.choice($0, ArrivalRate.Distribution.self) } ?? .constant
        var shape: ArrivalRate.Shape?
        switch shapes.first {
        case "steps":
            let rates = m["steps"].flatMap { c in
                reader.sequence(c, what: "a list of rates, e.g. [2, 5, 10]").map { items in
                    if items.isEmpty { reader.error(c, "expected at least one step") }
                    return items.compactMap { rate($0) }
                }
            }
            let rampUp = m["ramp_up"].flatMap { reader.duration($0) } ?? .zero
            let hold = m.required("hold", what: "how long each rate is held").flatMap { reader.duration($0, atLeast: PlanDuration(microseconds: 1)) }
            if let rates, !rates.isEmpty, let hold { shape = .steps(rates: rates, rampUp: rampUp, hold: hold) }
        case "stages":
            shape = m["stages"].flatMap { decodeStages($0, maxTarget: Self.maxRate, integral: false) }.map { .stages($0) }
        case "rate":
            let r = m["rate"].flatMap { rate($0) }
            let duration = m.required("duration", what: "how long the rate is kept").flatMap { reader.duration($0, atLeast: PlanDuration(microseconds: 1)) }
            if let r, let duration { shape = .constant(rate: r, duration: duration) }
        default:
            reader.error(cursor, "expected one of steps, stages or rate (requests per second)", preferKey: true)
        }
        guard let shape else { return nil }
        return ArrivalRate(shape: shape, distribution: distribution, maxUsers: maxUsers)
    }

    /// A rate in requests per second: `5`, `0.5`, `5/s`, `300/m`, `1000/h`.
    func rate(_ cursor: Cursor) -> Double? {
        guard let text = reader.scalarText(cursor, what: "a rate (5, 5/s, 300/m)") else { return nil }
        var number = Substring(text)
        var divisor = 1.0
        for (suffix, seconds) in [("/s", 1.0), ("/m", 60.0), ("/h", 3_600.0)] where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            divisor = seconds
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0,
              value / divisor <= Self.maxRate
        else {
            reader.error(cursor, "expected a rate 0...\(Int(Self.maxRate))/s (5, 5/s, 300/m), got '\(text.prefix(40))'")
            return nil
        }
        return value / divisor
    }

    func decodeStages(_ cursor: Cursor, maxTarget: Double, integral: Bool) -> [LoadSpec.Stage]? {
        guard let items = reader.sequence(cursor, what: "a list of {duration, target}") else { return nil }
        if items.isEmpty { reader.error(cursor, "expected at least one stage"); return nil }
        var stages: [LoadSpec.Stage] = []
        for item in items {
            guard let m = reader.mapping(item, allowed: ["duration", "target"], what: "a stage {duration, target}") else { continue }
            let duration = m.required("duration", what: "a duration").flatMap { reader.duration($0) }
            let target: Double? = m.required("target", what: integral ? "a user count" : "a rate per second").flatMap { c in
                integral ? reader.int(c, in: 0...Int(maxTarget), what: "a user count").map(Double.init) : rate(c)
            }
            if let duration, let target { stages.append(LoadSpec.Stage(duration: duration, target: target)) }
        }
        if stages.count == items.count, stages.allSatisfy({ $0.duration == .zero }) {
            reader.error(cursor, "every stage has duration 0: the load would never run")
        }
        return stages.count == items.count ? stages : nil
    }
}
