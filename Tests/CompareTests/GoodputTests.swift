import Foundation
import Plan
import Results
import Testing
@testable import Report

/// Goodput (`ok req/s`) in a comparison (docs/compare.md): successful requests per second, and,
/// when the thresholds bound single requests, those that kept the bounds.
@Suite struct GoodputTests {
    /// A candidate failing one request in four at the same rate: goodput falls by a quarter
    /// (a regression), req/s does not move.
    @Test func aQuarterFailingIsAGoodputRegressionAtTheSameRate() {
        let c = Comparator.compare(base: SyntheticSide(seed: 1).side("base"), candidate: SyntheticSide(errorEvery: 4, seed: 2).side("candidate"))
        let good = c.entry(.goodput), rps = c.entry(.throughput)
        #expect(good?.verdict == .regression, "\(String(describing: good))")
        #expect(abs((good?.relative ?? 0) + 0.25) < 0.01, "\(String(describing: good?.relative))")
        #expect(good?.interval.map { $0.upperBound < 0 } == true)
        #expect(rps?.verdict == .unchanged, "\(String(describing: rps))")
        #expect(c.goodputBounds.isEmpty)
        #expect(ComparisonText.terminal(c, color: false).contains("ok req/s: successful requests per second (the plan has no per-request bound)"))
    }

    /// A bound on single requests (`max < 700ms`) makes the slowest tenth of a candidate (3x
    /// slower) not good though it succeeded: goodput falls by about a tenth. Without the bound
    /// the same pair's goodput is unchanged.
    @Test func requestsOverAPerRequestBoundAreNotGood() throws {
        let base = SyntheticSide(seed: 1).side("base")
        var candidate = SyntheticSide(tailScale: 3, seed: 2).side("candidate")
        let without = Comparator.compare(base: base, candidate: candidate)
        #expect(without.entry(.goodput)?.verdict == .unchanged, "\(String(describing: without.entry(.goodput)))")

        candidate.thresholds = [try Threshold.parse("max < 700ms"), try Threshold.parse("error_rate < 1%")]
        let with = Comparator.compare(base: base, candidate: candidate)
        let good = with.entry(.goodput)
        #expect(with.goodputBounds == ["max < 700ms"])
        #expect(good?.verdict == .regression, "\(String(describing: good))")
        #expect(abs((good?.relative ?? 0) + 0.10) < 0.02, "\(String(describing: good?.relative))")
        #expect(with.entry(.throughput)?.verdict == .unchanged)
        #expect(ComparisonText.terminal(with, color: false).contains("ok req/s: successful requests per second that kept max < 700ms"))
        #expect(ComparisonPage.html(with).contains("Ok req/s: successful requests per second that kept max &lt; 700ms"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ComparisonJSON.encode(with, strict: false).utf8)) as? [String: Any])
        #expect(json["goodput_bounds"] as? [String] == ["max < 700ms"])
        let entries = json["entries"] as? [[String: Any]] ?? []
        #expect(entries.contains { $0["metric"] as? String == "ok_rps" && $0["unit"] as? String == "ok req/s" && $0["verdict"] as? String == "regression" })
        #expect(ComparisonText.markdown(with).contains("| ok req/s |"))
    }

    /// A bound scoped to one label binds that label's requests only; lower bounds and aggregates bind none.
    @Test func boundsApplyToTheirScopeOnly() throws {
        let bounds = RequestBounds([try Threshold.parse("other: p95 < 100ms"), try Threshold.parse("rps > 1000"),
                                    try Threshold.parse("p50 > 1s"), try Threshold.parse("step 2: p95 < 1ms")])
        #expect(bounds.expressions == ["other: p95 < 100ms"])
        let sample = SyntheticSide(perSecond: 1, seconds: 1).samples[0]
        #expect(sample.elapsed > 100_000)
        #expect(bounds.keeps(sample))
        var other = sample
        other.label = "other"
        #expect(!bounds.keeps(other))
    }

    @Test func goodputToleranceIsSetByName() throws {
        var t = Tolerances.defaults
        try t.apply("goodput=8%")
        #expect(t[.goodput] == 0.08)
        try t.apply("ok_rps=3")
        #expect(t[.goodput] == 0.03)
    }
}
