import Testing
@testable import Plan

/// Every kind of validation error, with the line:column it must point at.
@Suite struct ValidationTests {
    /// (plan, expected "line:column", expected fragment of the message, expected path)
    static let cases: [(String, String, String, String)] = [
        // Unknown keys, with did-you-mean.
        (plan(group: "    request: { text: hi }\n    laod: { users: 1, duration: 1s }"), "7:5", "unknown field 'laod' (did you mean 'load'?)", "thread_groups[0].laod"),
        ("nmae: x\n" + plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }"), "1:1", "unknown field 'nmae' (did you mean 'name'?)", "nmae"),
        // Wrong types.
        (plan(group: "    request: hello\n    load: { users: 1, duration: 1s }"), "6:14", "expected a mapping, got 'hello'", "thread_groups[0].request"),
        (plan(group: "    request: { text: hi }\n    load: { steps: 10, hold: 1s }"), "7:20", "expected a list of user counts", "thread_groups[0].load.steps"),
        (plan(group: "    request: { text: hi, stream: maybe }\n    load: { users: 1, duration: 1s }"), "6:34", "expected true or false, got 'maybe'", "thread_groups[0].request.stream"),
        // Out of range numbers, including huge ones.
        (plan(group: "    request: { text: hi }\n    load: { users: 99999999999999999999999, duration: 1s }"), "7:20", "expected a user count 1...1000000", "thread_groups[0].load.users"),
        (plan(group: "    request: { text: hi, emotion_intensity: 1.5 }\n    load: { users: 1, duration: 1s }"), "6:45", "expected emotion_intensity 0...1, got 1.5", "thread_groups[0].request.emotion_intensity"),
        // Durations.
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 30 }"), "7:33", "add a unit, e.g. 30s or 30ms", "thread_groups[0].load.duration"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, ramp_up: 2m, duration: 1m }"), "7:32", "ramp_up 2m is longer than duration 1m", "thread_groups[0].load.ramp_up"),
        // Enumerations.
        ("name: t\ntarget: { url: embedded, api: openapi }\nthread_groups: []", "2:31", "expected one of indextts, openai, raw, got 'openapi' (did you mean 'openai'?)", "target.api"),
        (plan(group: "    request: { text: hi }\n    load: { arrival_rate: { rate: 1, duration: 1s, distribution: poison } }"), "7:66", "did you mean 'poisson'?", "thread_groups[0].load.arrival_rate.distribution"),
        // Missing required fields point at the key that holds them.
        ("name: t\nthread_groups: []", "1:1", "missing 'target'", "(plan)"),
        (plan(group: "    request: { text: hi }"), "5:5", "missing 'load' (its own load shape) or 'weight'", "thread_groups[0]"),
        (plan(group: "    request: { emotion: happy }\n    load: { users: 1, duration: 1s }"), "6:5", "missing 'text'", "thread_groups[0].request"),
        (plan(group: "    request: { text: hi }\n    load: { steps: [1, 2] }"), "7:5", "missing 'hold'", "thread_groups[0].load"),
        // Mutually exclusive fields.
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s, steps: [1], hold: 1s }"), "7:13", "give only one of 'steps' and 'users'", "thread_groups[0].load.users"),
        (plan(group: "    request: { json: { a: 1 }, text: hi }\n    load: { users: 1, duration: 1s }"), "6:32", "with json:/body: put it there instead", "thread_groups[0].request.text"),
        (plan(group: "    request: { text: hi }\n    load: { steps: [1], hold: 1s, duration: 1s }"), "7:35", "'duration' belongs to users:, not steps:", "thread_groups[0].load.duration"),
        // Undefined variables point at the scalar that uses them.
        (plan(group: "    request: { text: \"${txt}\" }\n    load: { users: 1, duration: 1s }"), "6:22", "${txt} is not defined", "thread_groups[0].request.text"),
        // Data files.
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "data: { s: missing.csv }"), "3:12", "data file 'missing.csv' not found", "data.s"),
        (plan(group: "    data: [sentnces]\n    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "data: { sentences: s.txt }"), "6:11", "no data set named 'sentnces' (did you mean 'sentences'?)", "thread_groups[0].data"),
        // URLs, methods, paths, statuses, agents.
        ("name: t\ntarget: { url: \"ftp://x\" }\nthread_groups: []", "2:16", "expected 'embedded' or an http:// or https:// URL", "target.url"),
        (plan(group: "    request: { text: hi, method: FETCH }\n    load: { users: 1, duration: 1s }"), "6:34", "expected an HTTP method", "thread_groups[0].request.method"),
        (plan(group: "    request: { text: hi, path: v1/tts }\n    load: { users: 1, duration: 1s }"), "6:32", "a path starts with '/'", "thread_groups[0].request.path"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }\n    checks: { status: 700 }"), "8:23", "expected a status code 100...599 or a class such as 2xx", "thread_groups[0].checks.status"),
        ("agents: [\"loadgen\"]\n" + plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }"), "1:10", "expected host:port", "agents[0]"),
        // Thresholds point inside the expression.
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"p95 < fast\"]"), "3:21", "p95 needs a duration such as 2s or 800ms, got 'fast'", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"p95 = 2s\"]"), "3:15", "operators: < <= > >=", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"eror_rate < 1%\"]"), "3:15", "unknown metric 'eror_rate' (did you mean 'error_rate'?)", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"error_rate < 150%\"]"), "3:28", "needs a percentage", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"rc6xx < 1%\"]"), "3:15", "unknown metric 'rc6xx'", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [\"step 0: p95 < 1s\"]"), "3:15", "a step is numbered from 1", "thresholds[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [{ expr: \"each step: p95 < 1s\", abort: true }]"), "3:52", "abort judges the run as it goes", "thresholds[0].abort"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "thresholds: [{ expr: \"p95 < 1s\", abort: true, for: 500ms }]"), "3:52", "at least 1s", "thresholds[0].for"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "stop_when: [\"p95 > 1s\"]"), "3:12", "stop_when ends a stepped load", "stop_when"),
        (plan(group: "    request: { text: hi }\n    load: { steps: [1, 2], hold: 1s }", top: "stop_when: [\"step 2: p95 > 1s\"]"), "3:13", "stop_when is judged on every step's hold already", "stop_when[0]"),
        (plan(group: "    request: { text: hi }\n    load: { steps: [1, 2], hold: 1s }", top: "stop_when: thresholds"), "3:12", "the plan has no thresholds", "stop_when"),
        (plan(group: "    request: { text: hi }\n    load: { steps: [1, 2], hold: 1s }", top: "stop_when: sometimes"), "3:12", "expected a list of conditions", "stop_when"),
        // Monitors.
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "monitors: [hots]"), "3:12", "unknown monitor 'hots' (did you mean 'host'?)", "monitors[0]"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "monitors: [{ prometheus: \"ftp://x/metrics\" }]"), "3:26", "expected an http(s):// URL", "monitors[0].prometheus"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "monitors: [{ prometheus: \"${target}/metrics\", name: \"my:name\" }]"), "3:53", "a monitor name is letters, digits and _", "monitors[0].name"),
        (plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }", top: "monitors: [{ prometheus: \"${target}/metrics\" }, { prometheus: \"${target}/other\" }]"), "3:63", "two monitors named 'target'", "monitors[1].prometheus"),
        // Cross-field rules.
        ("name: t\ntarget: { url: embedded }\nthread_groups:\n  - { name: a, request: { text: hi }, load: { users: 1, duration: 1s } }\n  - { name: a, request: { text: hi }, load: { users: 1, duration: 1s } }", "5:5", "name 'a' is used twice", "thread_groups[1]"),
        (plan(group: "    request: { text: hi }\n    weight: 2"), "5:5", "has a weight, but the plan has no top-level load", "thread_groups[0]"),
        ("name: t\ntarget: { url: embedded, api: raw }\nthread_groups:\n  - { name: a, request: { body: x }, load: { users: 1, duration: 1s } }", "4:16", "missing 'path' or 'url'", "thread_groups[0].request"),
        // Syntax, encoding, duplicates.
        ("name: t\ntarget: { url: embedded\nthread_groups: []", "3:14", "YAML syntax", "(plan)"),
        ("name: t\nname: u\n" + plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }").dropFirst(8), "2:1", "'name' is given twice", "(plan)"),
        ("", "1:1", "the plan is empty", "(plan)"),
        ("- a\n- b\n", "1:1", "expected a plan (a mapping with target and thread_groups)", "(plan)"),
    ]

    @Test(arguments: cases.indices)
    func reportsPositionAndMessage(index: Int) {
        let (yaml, where_, fragment, path) = Self.cases[index]
        let errors = planErrors(yaml)
        let match = errors.first { $0.message.contains(fragment) }
        #expect(match != nil, "no error containing \"\(fragment)\" in:\n\(errors.map(\.description).joined(separator: "\n"))")
        if let match {
            #expect(position(match) == where_, "\(match)")
            #expect(match.path.description == path, "\(match)")
        }
    }

    @Test func invalidUTF8PointsAtTheByte() throws {
        var bytes = Array("name: ok\ntarget: x\nab".utf8)
        bytes += [0xC3, 0x28]
        do {
            _ = try PlanLoader.parse(data: .init(bytes), file: "p.yaml")
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.diagnostics.first?.description == "p.yaml:3:3: error: (plan): the plan is not valid UTF-8 (first bad byte here)")
        }
    }

    /// The issue's acceptance case: three different mistakes in one file, all reported with their positions.
    @Test func threeMistakesAllReported() {
        let yaml = """
        name: three-mistakes
        target:
          url: embedded
          api: indextts
        thread_groups:
          - name: g
            request:
              text: hello
              emotoin: happy
            load:
              steps: [10, 50, lots]
              ramp_up: 30s
              hold: 3
        """
        let errors = planErrors(yaml)
        #expect(errors.map(position) == ["9:7", "11:23", "13:13"])
        #expect(errors.map(\.path.description) == ["thread_groups[0].request.emotoin", "thread_groups[0].load.steps[2]", "thread_groups[0].load.hold"])
        #expect(errors[0].message.contains("did you mean 'emotion'?"))
        #expect(errors[1].message.contains("got 'lots'"))
        #expect(errors[2].message.contains("add a unit"))
    }

    @Test func warningsDoNotFailThePlan() throws {
        let loaded = try parsePlan(plan(group: "    request: { text: hi, emotion: hapy }\n    load: { users: 1, duration: 1s }",
                                        top: "thresholds: [\"nobody: p95 < 1s\"]"))
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings.allSatisfy { $0.severity == .warning })
        #expect(loaded.warnings.contains { $0.message.contains("did you mean 'happy'?") })
        #expect(loaded.warnings.contains { $0.message.contains("no thread group or label is named 'nobody'") })
    }

    @Test func aliasBombIsBoundedNotHung() {
        // "Billion laughs": each level doubles; without the node budget this walks 2^30 nodes.
        var yaml = "a0: &a0 [x, x]\n"
        for i in 1...30 { yaml += "a\(i): &a\(i) [*a\(i - 1), *a\(i - 1)]\n" }
        yaml += "target: { url: embedded }\nthread_groups: *a30\n"
        let errors = planErrors(yaml)
        #expect(errors.contains { $0.message.contains("plan too large") || $0.message.contains("unknown field") })
    }
}
