import Testing
@testable import Plan

/// `measures: {ready_seconds, nth_chunk}`: defaults, values, and each mistake at its file:line:column.
@Suite struct MeasuresTests {
    static func plan(_ measures: String) -> String {
        """
        target: { url: embedded }
        \(measures)
        thread_groups:
          - { name: g, request: { text: hi }, load: { users: 1, duration: 1s } }
        """
    }

    @Test func defaultsAndValues() throws {
        #expect(try parsePlan(Self.plan("")).plan.measures == Measures(readySeconds: 1.0, nthChunk: 5))
        #expect(try parsePlan(Self.plan("measures: { ready_seconds: 0.25, nth_chunk: 12 }")).plan.measures
            == Measures(readySeconds: 0.25, nthChunk: 12))
        #expect(try parsePlan(Self.plan("measures: { nth_chunk: 1 }")).plan.measures == Measures(readySeconds: 1.0, nthChunk: 1))
        // `--set` reaches it like any field.
        #expect(try parsePlan(Self.plan(""), overrides: ["measures.ready_seconds=2"]).plan.measures.readySeconds == 2)
    }

    @Test func mistakesAreErrorsAtTheirPosition() {
        let cases = [
            ("measures: { ready_seconds: 0 }", "2:28", "ready_seconds"),
            ("measures: { ready_seconds: -1 }", "2:28", "ready_seconds"),
            ("measures: { ready_seconds: soon }", "2:28", "ready_seconds"),
            ("measures: { nth_chunk: 0 }", "2:24", "nth_chunk"),
            ("measures: { nth_chunk: 2.5 }", "2:24", "nth_chunk"),
            ("measures: { ready: 1 }", "2:13", "ready"),
            ("measures: 5", "2:11", "measures"),
        ]
        for (measures, at, fragment) in cases {
            let errors = planErrors(Self.plan(measures))
            let match = errors.first { $0.description.contains(fragment) }
            #expect(match != nil, "\(measures): \(errors)")
            if let match { #expect(position(match) == at, "\(measures): \(match)") }
        }
    }
}
