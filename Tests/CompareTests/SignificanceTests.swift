import Foundation
import Plan
import Testing
@testable import Report

/// The verdict rule on generated samples whose true difference is known (docs/compare.md).
@Suite struct SignificanceTests {
    @Test func twentyPercentSlowerP95IsARegression() {
        let base = SyntheticSide(seed: 1).side("base")
        let candidate = SyntheticSide(scale: 1.2, seed: 2).side("candidate")
        let c = Comparator.compare(base: base, candidate: candidate)
        let p95 = c.entry(.p95)
        #expect(p95?.verdict == .regression, "\(String(describing: p95))")
        #expect(abs((p95?.relative ?? 0) - 0.2) < 0.06)
        #expect(p95?.interval.map { $0.lowerBound > 0 } == true)
        #expect(c.entry(.p50)?.verdict == .regression)
        #expect(c.exitCode(strict: false) == 1)
        // Same request rate on both sides: throughput is not a change.
        #expect(c.entry(.throughput)?.verdict == .unchanged)
    }

    /// The same 20% slowdown measured with a saturated load generator on either side is not a
    /// verdict: inconclusive (noisy run), said once with the reason, and no exit 1 (unless --strict).
    @Test func aChangeMeasuredWithASaturatedGeneratorIsInconclusive() {
        for noisyBase in [true, false] {
            var base = SyntheticSide(seed: 1).side("base")
            var candidate = SyntheticSide(scale: 1.2, seed: 2).side("candidate")
            if noisyBase { base.noise = "the load generator was saturated in 5 of 60 s" } else { candidate.noise = "the load generator was saturated in 5 of 60 s" }
            let c = Comparator.compare(base: base, candidate: candidate)
            #expect(c.entry(.p95)?.verdict == .noisyRun && c.entry(.p50)?.verdict == .noisyRun)
            #expect(c.entry(.throughput)?.verdict == .unchanged)
            #expect(!c.hasRegression && c.exitCode(strict: false) == 0 && c.exitCode(strict: true) == 1)
            #expect(c.noisy == ["\(noisyBase ? "base" : "candidate"): the load generator was saturated in 5 of 60 s"])
            #expect(ComparisonText.terminal(c, color: false).contains("noisy run: \(noisyBase ? "base" : "candidate"): the load generator was saturated"))
        }
    }

    @Test func twoPercentSlowerIsUnchanged() {
        let c = Comparator.compare(base: SyntheticSide(seed: 1).side("base"), candidate: SyntheticSide(scale: 1.02, seed: 2).side("candidate"))
        for metric in [CompareMetric.p50, .p90, .p95] {
            #expect(c.entry(metric)?.verdict == .unchanged, "\(metric): \(String(describing: c.entry(metric)))")
        }
        #expect(!c.hasRegression)
        #expect(c.exitCode(strict: false) == 0)
    }

    @Test func aTailOnlyShiftMovesP95NotP50() {
        let c = Comparator.compare(base: SyntheticSide(seed: 1).side("base"),
                                   candidate: SyntheticSide(tailScale: 1.3, seed: 1).side("candidate"))
        #expect(c.entry(.p95)?.verdict == .regression)
        #expect(c.entry(.p99)?.verdict == .regression)
        #expect(c.entry(.p50)?.verdict == .unchanged)
        // Ranked worst first: the first entry is a regression.
        #expect(c.ranked.first?.entry.verdict == .regression)
    }

    @Test func fasterIsAnImprovementAndExitsZero() {
        let c = Comparator.compare(base: SyntheticSide(seed: 1).side("base"), candidate: SyntheticSide(scale: 0.8, seed: 2).side("candidate"))
        #expect(c.entry(.p95)?.verdict == .improvement)
        #expect(c.overall == "improvement")
        #expect(c.exitCode(strict: false) == 0)
    }

    @Test func fewSamplesAreInconclusive() {
        // 10 seconds at 10/s: 100 samples, enough for p50 (20) but under p95's 200 and p99's 1,000.
        let c = Comparator.compare(base: SyntheticSide(perSecond: 10, seconds: 10, seed: 1).side("base"),
                                   candidate: SyntheticSide(perSecond: 10, seconds: 10, scale: 1.5, seed: 2).side("candidate"))
        #expect(c.entry(.p50)?.verdict == .regression)
        #expect(c.entry(.p95)?.verdict == .tooFewSamples)
        #expect(c.entry(.p99)?.verdict == .tooFewSamples)
        #expect(c.entry(.throughput)?.verdict == .unchanged)
    }

    /// 3 seconds cannot show a run's own noise (fewer than 5 blocks of time): nothing is judged,
    /// not even a 50% slower median.
    @Test func aScopeShorterThanFiveBlocksIsInconclusive() {
        let c = Comparator.compare(base: SyntheticSide(perSecond: 50, seconds: 3, seed: 1).side("base"),
                                   candidate: SyntheticSide(perSecond: 50, seconds: 3, scale: 1.5, seed: 2).side("candidate"))
        for metric in CompareMetric.allCases {
            #expect(c.entry(metric)?.verdict == .tooFewSamples, "\(metric)")
        }
    }

    @Test func inconclusiveExitsZeroUnlessStrict() {
        let few = SyntheticSide(perSecond: 10, seconds: 10, seed: 1)
        let c = Comparator.compare(base: few.side("base"), candidate: few.side("candidate"))
        #expect(c.entry(.p50)?.verdict == .unchanged)
        #expect(c.hasInconclusive && !c.hasRegression)
        #expect(c.exitCode(strict: false) == 0)
        #expect(c.exitCode(strict: true) == 1)
    }

    @Test func aChangeBeyondToleranceThatNoiseExplainsIsNotSignificant() throws {
        // 40 samples, sigma 0.3: a median 8% higher is beyond 5% but well inside the noise.
        var t = Tolerances.defaults
        try t.apply("p50=5%")
        let c = Comparator.compare(base: SyntheticSide(perSecond: 8, seconds: 5, seed: 11).side("base"),
                                   candidate: SyntheticSide(perSecond: 8, seconds: 5, scale: 1.08, seed: 12).side("candidate"), tolerances: t)
        let p50 = c.entry(.p50)
        #expect(p50?.verdict == .notSignificant || p50?.verdict == .unchanged, "\(String(describing: p50))")
        #expect(p50?.interval?.contains(0) == true)
    }

    @Test func lowerThroughputAndMoreErrorsAreRegressions() {
        let c = Comparator.compare(base: SyntheticSide(perSecond: 50, seed: 1).side("base"),
                                   candidate: SyntheticSide(perSecond: 40, errorEvery: 20, seed: 2).side("candidate"))
        #expect(c.entry(.throughput)?.verdict == .regression, "\(String(describing: c.entry(.throughput)))")
        #expect(c.entry(.audio)?.verdict == .regression)
        let errors = c.entry(.errors)
        #expect(errors?.verdict == .regression)
        #expect(abs((errors?.delta ?? 0) - 5) < 0.01, "five points")
    }

    @Test func theSameInputsGiveTheSameIntervals() {
        let base = SyntheticSide(seed: 5).side("base"), candidate = SyntheticSide(scale: 1.03, seed: 6).side("candidate")
        let a = Comparator.compare(base: base, candidate: candidate), b = Comparator.compare(base: base, candidate: candidate)
        #expect(a.scopes.flatMap(\.entries).map(\.interval) == b.scopes.flatMap(\.entries).map(\.interval))
    }

    @Test func tolerancesParse() throws {
        var t = Tolerances.defaults
        try t.apply("p95=10%,rps=3")
        #expect(t[.p95] == 0.1 && t[.throughput] == 0.03)
        try t.apply("errors=0.5")
        #expect(t[.errors] == 0.5)
        try t.apply("latency=8%")
        #expect(t[.p50] == 0.08 && t[.p99] == 0.08 && t[.p95] == 0.08)
        #expect(throws: ToleranceError.self) { try t.apply("p97=5%") }
        #expect(throws: ToleranceError.self) { try t.apply("p95=-1") }
        #expect(throws: ToleranceError.self) { try t.apply("p95") }
    }

    @Test func aWiderToleranceTurnsARegressionIntoUnchanged() throws {
        var t = Tolerances.defaults
        try t.apply("all=25%")
        let c = Comparator.compare(base: SyntheticSide(seed: 1).side("base"), candidate: SyntheticSide(scale: 1.2, seed: 2).side("candidate"),
                                   tolerances: t)
        #expect(c.entry(.p95)?.verdict == .unchanged)
    }
}
