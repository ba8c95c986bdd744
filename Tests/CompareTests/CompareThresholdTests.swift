import Foundation
import Plan
import Report
import Results
import Testing

/// `ttsload compare` judges the candidate's thresholds on both sides, beside the comparison.
@Suite struct CompareThresholdTests {
    static func plan(thresholds: [String]) throws -> Plan {
        Plan(name: "p", target: Target(location: .embedded),
             threadGroups: [ThreadGroup(name: "g", request: RequestSpec(tts: TTSFields(text: "hi")), load: .constant(users: 4, rampUp: .zero,
                                                                                                      duration: PlanDuration(seconds: 60)))],
             thresholds: try thresholds.map { try Threshold.parse($0) })
    }

    @Test func bothSidesAreJudgedAgainstTheCandidatesThresholds() throws {
        let base = SyntheticSide(seed: 1).side("base")
        var candidate = SyntheticSide(scale: 2, seed: 2).side("candidate")
        candidate.adopt(try Self.plan(thresholds: ["p50 < 300ms", "error_rate < 1%"]))
        let c = Comparator.compare(base: base, candidate: candidate)
        #expect(c.thresholdsFrom == "candidate")
        #expect(c.thresholds.map(\.expression) == ["p50 < 300ms", "error_rate < 1%"])
        // The synthetic median is 200 ms; the candidate's is twice that.
        #expect(c.thresholds[0].base.passed && !c.thresholds[0].candidate.passed)
        let exact = candidate.samples.map(\.elapsed).sorted()[candidate.samples.count / 2 - 1]
        #expect(abs(try #require(c.thresholds[0].candidate.value) - Double(exact) / 1e6) <= Double(exact) / 1e9 + 1e-6)
        #expect(c.thresholds[1].base.passed && c.thresholds[1].candidate.passed)
        #expect(ComparisonText.terminal(c, color: false).contains("thresholds (the candidate's plan"))
    }
}
