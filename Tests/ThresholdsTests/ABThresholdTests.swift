import Foundation
import Plan
import Results
import Testing
@testable import Thresholds

/// An A/B plan's thresholds are judged per side: `[a] p95 < 100ms` on the `[a]` twins' samples
/// only, a scoped one on its side's group only, and the grid's cells only on that side's steps.
@Suite struct ABThresholdTests {
    static let t0: Int64 = 1_800_000_000_000_000

    @Test func eachSideIsJudgedOnItsOwnSamples() throws {
        let yaml = """
            name: ab
            target: { url: "http://127.0.0.1:9" }
            targets: { b: "http://127.0.0.1:10" }
            thread_groups:
              - { name: g, request: { text: hi }, load: { steps: [1, 2], hold: 4s } }
            thresholds: ["p95 < 100ms", "g: error_rate < 10%", "each step: p50 < 100ms"]
            """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "ab.yaml").plan
        let profile = LoadProfile(plan: plan)
        var judge = ThresholdJudge(thresholds: plan.thresholds, profile: profile, groupIndices: ["g [a]": 0, "g [b]": 1], startWall: Self.t0)
        // Side a answers in 50 ms, side b in 300 ms with one error in 20, over both steps' holds.
        for i in 0..<80 {
            let t = 0.1 * Double(i)
            for (side, index, ms) in [(ABSide.a, 0, Int64(50)), (.b, 1, 300)] {
                let fails = side == .b && i % 20 == 0
                judge.add(Sample(start: Self.t0 + Int64(t * 1_000_000), elapsed: ms * 1_000, latency: ms * 1_000, status: fails ? 503 : 200,
                                 success: !fails, errorClass: fails ? .checkFailed : nil, label: "g" + side.suffix, groupIndex: index,
                                 groupName: "g" + side.suffix))
            }
        }
        let v = judge.verdict(durationSeconds: 8)
        #expect(v.thresholds.map(\.expression) == ["[a] p95 < 100ms", "[b] p95 < 100ms", "[a] g: error_rate < 10%",
                                                   "[b] g: error_rate < 10%", "[a] each step: p50 < 100ms", "[b] each step: p50 < 100ms"])
        #expect(v.thresholds.map(\.passed) == [true, false, true, true, true, false])
        #expect(v.thresholds[0].value == 0.05 && v.thresholds[1].value == 0.3)
        #expect(v.thresholds[3].value == 0.05)
        // Grid: [a] thresholds have cells on a's steps only, [b] ones on b's.
        for row in v.steps {
            let aSide = row.group == "g [a]"
            #expect((row.cells[0] != nil) == aSide && (row.cells[1] != nil) == !aSide, "\(row)")
        }
    }
}
