import Foundation
import Testing
@testable import Capacity
import Plan

/// A level's plan: the chosen group alone at the level, nothing the search does not judge.
struct LevelPlanTests {
    func plan() throws -> Plan { try PlanLoader.parse(data: Data(Self.yaml.utf8), file: "p.yaml").plan }

    static let yaml = """
            name: p
            target: { url: "http://127.0.0.1:1", api: raw }
            thresholds: ["p95 < 1s"]
            stop_when: ["p95 > 2s"]
            monitors: [host]
            thread_groups:
              - { name: a, request: { method: GET, path: /a }, load: { steps: [1, 2], hold: 1s } }
              - { name: b, request: { method: GET, path: /b }, delay: 3s,
                  load: { arrival_rate: { rate: 5/s, duration: 10s, max_users: 7, distribution: poisson } } }
            """

    @Test func closedAndOpenLevels() throws {
        let base = try plan()
        let closed = LevelPlan.make(base, group: 0, users: 12, rampUp: PlanDuration(seconds: 1), duration: PlanDuration(seconds: 60))
        #expect(closed.threadGroups.map(\.name) == ["a"])
        #expect(closed.threadGroups[0].load == .constant(users: 12, rampUp: PlanDuration(seconds: 1), duration: PlanDuration(seconds: 60)))
        #expect(closed.thresholds.isEmpty && closed.stopWhen == nil && closed.monitors.isEmpty)
        let open = LevelPlan.make(base, group: 1, users: 40, rampUp: .zero, duration: PlanDuration(seconds: 60), open: true, maxInFlight: 7)
        #expect(open.threadGroups.map(\.name) == ["b"] && open.threadGroups[0].delay == .zero)
        #expect(open.threadGroups[0].load == .arrivalRate(ArrivalRate(shape: .constant(rate: 40, duration: PlanDuration(seconds: 60)),
                                                                      distribution: .poisson, maxUsers: 7)))
    }

    /// What agents get is the same level: the YAML loads (validated as any plan) into `make`'s plan.
    @Test func theYAMLAgentsGetLoadsAsTheSamePlan() throws {
        let base = try plan()
        for (group, open) in [(0, false), (1, true), (1, false)] {
            let text = try LevelPlan.yaml(Self.yaml, base: base, group: group, users: 9, rampUp: PlanDuration(seconds: 1),
                                          duration: PlanDuration(seconds: 65), open: open, maxInFlight: 7)
            let loaded = try PlanLoader.parse(data: Data(text.utf8), file: "level.yaml").plan
            let made = LevelPlan.make(base, group: group, users: 9, rampUp: PlanDuration(seconds: 1), duration: PlanDuration(seconds: 65),
                                      open: open, maxInFlight: 7)
            #expect(loaded.threadGroups == made.threadGroups, "group \(group), open \(open):\n\(text)")
            #expect(loaded.thresholds.isEmpty && loaded.stopWhen == nil && loaded.monitors.isEmpty && loaded.agents.isEmpty && loaded.load == nil)
        }
    }
}
