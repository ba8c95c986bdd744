import Plan

/// The plan one level runs: the chosen thread group alone, its load replaced by `users` virtual
/// users (closed model) or, in an open-model search, by `users` arrivals per second with at most
/// `maxInFlight` in flight (the group's own arrival distribution when it has one, else evenly
/// spaced), held until the level is judged. What the search judges instead of the plan's own
/// figures is left out: its thresholds, stop_when and monitors (the command says so).
public enum LevelPlan {
    public static func make(_ base: Plan, group: Int, users: Int, rampUp: PlanDuration, duration: PlanDuration,
                            open: Bool = false, maxInFlight: Int = 1_000) -> Plan {
        var plan = base
        var chosen = base.threadGroups[group]
        if open {
            chosen.load = .arrivalRate(ArrivalRate(shape: .constant(rate: Double(users), duration: duration),
                                                   distribution: distribution(base, group: group), maxUsers: maxInFlight))
        } else {
            chosen.load = .constant(users: users, rampUp: rampUp, duration: duration)
        }
        chosen.weight = nil
        chosen.delay = .zero
        plan.threadGroups = [chosen]
        plan.load = nil
        plan.thresholds = []
        plan.stopWhen = nil
        plan.monitors = []
        plan.agents = []
        return plan
    }

    /// The same level as plan YAML (`yaml`: the plan as resolved, secrets' values in), for agents:
    /// they load and validate it as any plan. `make` on the same arguments gives the plan they run.
    public static func yaml(_ yaml: String, base: Plan, group: Int, users: Int, rampUp: PlanDuration, duration: PlanDuration,
                            open: Bool = false, maxInFlight: Int = 1_000) throws -> String {
        let load: String
        if open {
            load = "{arrival_rate: {rate: \(users)/s, duration: \(Int(duration.milliseconds.rounded()))ms, max_users: \(maxInFlight), distribution: \(distribution(base, group: group).rawValue)}}"
        } else {
            load = "{users: \(users), ramp_up: \(Int(rampUp.milliseconds.rounded()))ms, duration: \(Int(duration.milliseconds.rounded()))ms}"
        }
        return try PlanLoader.levelYAML(yaml: yaml, group: group, load: load)
    }

    /// The group's own arrival-rate shape (its load, or the plan's shared one), when it has one.
    public static func ownArrivalRate(_ base: Plan, group: Int) -> ArrivalRate? {
        if case .arrivalRate(let own) = base.threadGroups[group].load ?? base.load { return own }
        return nil
    }

    /// Arrivals as the group spaces them (`poisson` or `constant`); evenly spaced for a closed group.
    static func distribution(_ base: Plan, group: Int) -> ArrivalRate.Distribution {
        ownArrivalRate(base, group: group)?.distribution ?? .constant
    }
}
