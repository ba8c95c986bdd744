import Plan

/// The plan one level runs: the chosen thread group alone, its load replaced by `users` virtual
/// users (closed model) held until the level is judged. What the search judges instead of the
/// plan's own figures is left out: its thresholds, stop_when and monitors (the command says so).
public enum LevelPlan {
    public static func make(_ base: Plan, group: Int, users: Int, rampUp: PlanDuration, duration: PlanDuration) -> Plan {
        var plan = base
        var chosen = base.threadGroups[group]
        chosen.load = .constant(users: users, rampUp: rampUp, duration: duration)
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
}
