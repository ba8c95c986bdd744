import Testing
@testable import Capacity
import Results

/// Two searches' answers are brackets; only brackets that do not overlap make a change.
struct CapacityComparisonTests {
    static func report(_ good: Int?, _ bad: Int?, kind: CapacityAnswer.Kind = .found, slo: [String] = ["p95 < 1s"]) -> CapacityReport {
        CapacityReport(plan: "p", slo: slo, group: "g", settings: CapacitySearchTests.settings,
                       levels: [good, bad].compactMap { $0 }.map { CapacitySearchTests.level($0, $0 == good ? .good : .bad) },
                       answer: CapacityAnswer(kind: kind, maxUsers: good, firstBad: bad, text: "\(kind)"), knee: nil, seconds: 1)
    }

    @Test func onlyBracketsThatDoNotOverlapAreAChange() {
        #expect(CapacityComparison.compare(base: Self.report(12, 13), candidate: Self.report(48, 50)).verdict == .improvement)
        #expect(CapacityComparison.compare(base: Self.report(48, 50), candidate: Self.report(12, 13)).verdict == .regression)
        // 12-16 against 14-16: the candidate's good level is below the base's first bad one, and its first bad above the base's good.
        #expect(CapacityComparison.compare(base: Self.report(12, 16), candidate: Self.report(14, 16)).verdict == .unchanged)
        #expect(CapacityComparison.compare(base: Self.report(12, 13), candidate: Self.report(12, 13)).verdict == .unchanged)
        // "At least 20" against a search that broke at 16: worse; against one that found 30: not comparable above 20.
        #expect(CapacityComparison.compare(base: Self.report(20, nil, kind: .atLeast), candidate: Self.report(12, 16)).verdict == .regression)
        #expect(CapacityComparison.compare(base: Self.report(20, nil, kind: .atLeast), candidate: Self.report(30, 32)).verdict == .unchanged)
        #expect(CapacityComparison.compare(base: Self.report(nil, 1, kind: .none), candidate: Self.report(8, 9)).verdict == .inconclusive)
        #expect(CapacityComparison.compare(base: Self.report(12, 13), candidate: Self.report(48, 50, slo: ["p95 < 2s"])).verdict == .inconclusive)
        // The levels both measured are paired.
        #expect(CapacityComparison.compare(base: Self.report(12, 13), candidate: Self.report(12, 16)).levels.map(\.users) == [12])
    }
}
