import Foundation
import Testing
@testable import Plan

/// `targets: {a, b}`: the twin expansion and every refusal, each at its file:line:column.
@Suite struct ABPlanTests {
    static let ab = """
        name: ab
        target: { api: indextts }
        targets:
          a: { url: embedded, server_args: [--max-batch, "1"] }
          b: { url: embedded, server_args: [--max-batch, "8"] }
        thread_groups:
          - name: tts
            request: { text: hi }
            load: { steps: [2, 4], hold: 6s }
          - name: other
            request: { label: "e-${__user}", text: hi }
            load: { users: 1, duration: 3s }
        thresholds: ["p95 < 2s", "tts: error_rate < 1%", "ttsload:cpu_cores max < 4"]
        stop_when: ["p95 > 3s"]
        """

    @Test func everyGroupBecomesTwinsWithTheSideInNamesAndLabels() throws {
        let plan = try parsePlan(Self.ab).plan
        #expect(plan.ab == ABTargets(a: SideTarget(location: .embedded, serverArgs: ["--max-batch", "1"]),
                                     b: SideTarget(location: .embedded, serverArgs: ["--max-batch", "8"])))
        #expect(plan.threadGroups.map(\.name) == ["tts [a]", "tts [b]", "other [a]", "other [b]"])
        #expect(plan.threadGroups.map(\.side) == [.a, .b, .a, .b])
        #expect(plan.threadGroups.map(\.request.label) == ["tts [a]", "tts [b]", "e-${__user} [a]", "e-${__user} [b]"])
        #expect(plan.threadGroups[0].load == plan.threadGroups[1].load)
        #expect(plan.target.location == .embedded && plan.target.serverArgs == ["--max-batch", "1"])
        // Thresholds on samples once per side, scopes carrying the side; monitor series once.
        #expect(plan.thresholds.map(\.expression) == ["[a] p95 < 2s", "[b] p95 < 2s", "[a] tts: error_rate < 1%",
                                                      "[b] tts: error_rate < 1%", "ttsload:cpu_cores max < 4"])
        #expect(plan.thresholds.map(\.scope) == [nil, nil, "tts [a]", "tts [b]", nil])
        #expect(plan.thresholds.map(\.side) == [.a, .b, .a, .b, nil])
        #expect(plan.stopWhen?.conditions.map(\.expression) == ["[a] p95 > 3s", "[b] p95 > 3s"])
        // Twins start at the same moments: identical schedules under the two names.
        let profile = LoadProfile(plan: plan)
        #expect(profile.groups[0].segments == profile.groups[1].segments)
        #expect(profile.groups[0].steps == profile.groups[1].steps)
    }

    @Test func aSidePlanIsThePlanAsWritten() throws {
        let plan = try parsePlan(Self.ab).plan
        let b = plan.sidePlan(.b)
        #expect(b.ab == nil)
        #expect(b.threadGroups.map(\.name) == ["tts", "other"])
        #expect(b.threadGroups.map(\.request.label) == [nil, "e-${__user}"])
        #expect(b.thresholds.map(\.expression) == ["p95 < 2s", "tts: error_rate < 1%", "ttsload:cpu_cores max < 4"])
        #expect(b.thresholds.map(\.scope) == [nil, "tts", nil])
        #expect(b.target.serverArgs == ["--max-batch", "8"])
        #expect(b.stopWhen?.conditions.map(\.expression) == ["p95 > 3s"])
    }

    @Test func targetURLIsSideAAndTargetsBAloneMakesAnABRun() throws {
        let yaml = """
            name: t
            target: { url: "http://127.0.0.1:9", headers: { X-Key: k } }
            thread_groups:
              - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }
            """
        // What `ttsload run --target-b URL` does.
        let plan = try parsePlan(yaml, overrides: ["targets.b=http://127.0.0.1:10"]).plan
        #expect(plan.ab?.a.location == .url("http://127.0.0.1:9"))
        #expect(plan.ab?.b.location == .url("http://127.0.0.1:10"))
        #expect(plan.target.headers == [Header("X-Key", "k")])
        #expect(plan.threadGroups.map(\.name) == ["g [a]", "g [b]"])
    }

    @Test func weightedTwinsGetTheSameShareOfTheWholeLoad() throws {
        let yaml = """
            name: t
            target: { url: "http://127.0.0.1:9" }
            targets: { b: "http://127.0.0.1:10" }
            load: { steps: [10, 50], hold: 1s }
            thread_groups:
              - { name: happy, weight: 3, request: { text: hi } }
              - { name: sad, weight: 1, request: { text: hi } }
            """
        let profile = LoadProfile(plan: try parsePlan(yaml).plan)
        #expect(profile.groups.map(\.name) == ["happy [a]", "happy [b]", "sad [a]", "sad [b]"])
        // Each side gets the whole load split 3:1 (8 + 2, then 38 + 12), as the plan alone would.
        #expect(profile.groups.map { $0.steps.map(\.level) } == [[8, 38], [8, 38], [2, 12], [2, 12]])
    }

    /// (plan, "line:column", message fragment)
    static let refusals: [(String, String, String)] = [
        ("name: t\ntarget: { url: embedded }\ntargets: { a: embedded }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "3:1", "missing 'b'"),
        ("name: t\ntarget: { url: embedded }\ntargets: { a: embedded, b: embedded }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "3:12", "side a is given twice"),
        ("name: t\ntarget: { api: indextts }\ntargets: { b: embedded }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "2:1", "missing 'url'"),
        ("name: t\ntargets:\n  a: embedded\n  b: { url: \"http://x:1\", server_args: [--workers, \"1\"] }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "4:27", "server_args applies only to url: embedded"),
        ("name: t\ntargets: { a: embedded, b: \"ftp://x\" }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "2:28", "expected 'embedded' or an http:// or https:// URL"),
        ("name: t\ntargets: { a: embedded, b: embedded, c: embedded }\nthread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }",
         "2:38", "unknown field 'c'"),
        ("name: t\ntargets: { a: embedded, b: embedded }\nthread_groups:\n  - { name: \"g [b]\", request: { text: hi }, load: { users: 1, duration: 1s } }",
         "4:5", "ends like a side's name"),
        ("name: t\ntargets: { a: embedded, b: embedded }\nthread_groups:\n  - { name: g, request: { url: \"http://127.0.0.1:9/x\", text: hi }, load: { users: 1, duration: 1s } }",
         "4:5", "one address for both sides"),
        ("name: t\ntargets: { a: embedded, b: embedded }\nthread_groups:\n  - { name: g, request: { websocket: { url: \"ws://127.0.0.1:9/x\" } }, load: { users: 1, duration: 1s } }",
         "4:5", "request.websocket.url, one address for both sides"),
    ]

    @Test(arguments: refusals.indices) func refusalsPointAtTheField(_ i: Int) {
        let (yaml, where_, fragment) = Self.refusals[i]
        let errors = planErrors(yaml).filter { $0.severity == .error }
        let hit = errors.first { $0.message.contains(fragment) }
        #expect(hit != nil, "case \(i): \(errors)")
        if let hit { #expect(position(hit) == where_, "case \(i): \(hit)") }
    }

    /// Agents run A/B plans (docs/distributed.md): `targets:` beside `agents:` is no error.
    @Test func anABPlanMayListAgents() throws {
        let yaml = "name: t\ntargets: { a: \"http://10.0.0.1:8080\", b: \"http://10.0.0.2:8080\" }\nagents: [\"h:7070\"]\n"
            + "thread_groups:\n  - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }"
        let plan = try parsePlan(yaml).plan
        #expect(plan.ab != nil && plan.agents.count == 1)
        #expect(plan.threadGroups.map(\.name) == ["g [a]", "g [b]"])
    }

    @Test func aPlanWithoutTargetsIsUnchanged() throws {
        let plan = try parsePlan(plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }")).plan
        #expect(plan.ab == nil)
        #expect(plan.threadGroups.map(\.name) == ["g"])
        #expect(plan.threadGroups[0].side == nil)
    }
}
