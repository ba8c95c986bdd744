import Foundation
import Plan
import Testing
@testable import Report

/// The block bootstrap on generated runs whose noise is known: a burst of machine noise widens the
/// interval instead of making a verdict, a real slowdown is still called, replicates carry the
/// spread between runs (docs/compare.md, "Significance").
@Suite struct BlockBootstrapTests {
    /// The interval a bootstrap of independent samples gives for the p95 difference (the method
    /// compare used before): what the burst would have been called without blocks.
    static func independentInterval(_ base: RunSide, _ candidate: RunSide) -> ClosedRange<Double> {
        let b = base.samples.map { Double($0.elapsed) / 1_000 }.sorted(), c = candidate.samples.map { Double($0.elapsed) / 1_000 }.sorted()
        var random = SeededRandom(seed: 7)
        func resampled(_ values: [Double]) -> Double {
            let drawn = (0..<values.count).map { _ in values[Int(random.next() % UInt64(values.count))] }.sorted()
            return Resampling.percentile(drawn, 95) ?? 0
        }
        var deltas = (0..<500).map { _ in resampled(c) - resampled(b) }
        return Resampling.interval(&deltas)
    }

    /// Six seconds of a 60-second candidate run three times slower (the machine busy): p95 moves
    /// far past its tolerance and a bootstrap of single samples excludes 0, but the burst is one
    /// or two blocks of time, so the block bootstrap's interval holds 0 and there is no verdict.
    @Test func aBurstOfNoiseInOneRunIsNotARegression() throws {
        let base = SyntheticSide(seed: 1).side("base")
        let candidate = SyntheticSide(seed: 2, burst: 20..<26, burstScale: 3).side("candidate")
        let independent = Self.independentInterval(base, candidate)
        let c = Comparator.compare(base: base, candidate: candidate)
        let p95 = try #require(c.entry(.p95))
        #expect((p95.relative ?? 0) > 0.10, "the burst moves p95 beyond its tolerance: \(p95)")
        #expect(independent.lowerBound > 0, "single samples would call it: \(independent)")
        #expect(p95.verdict == .notSignificant, "\(p95)")
        #expect(p95.interval?.contains(0) == true)
        #expect(!c.hasRegression)
    }

    /// The sides of an A/B run share their moments, and so the noise of each second: drawing the
    /// same blocks of time on both cancels it. A 12% slowdown under strong shared per-second noise
    /// is inconclusive when the sides are drawn independently and a regression when paired, with
    /// a much narrower interval; an A/A pair under the same noise stays unchanged when paired.
    @Test func pairedSidesCancelTheNoiseTheyShare() throws {
        let base = SyntheticSide(seed: 1, secondNoise: 0.5, noiseSeed: 9).side("a")
        let slower = SyntheticSide(scale: 1.12, seed: 2, secondNoise: 0.5, noiseSeed: 9).side("b")
        let same = SyntheticSide(seed: 3, secondNoise: 0.5, noiseSeed: 9).side("b")
        let independent = try #require(Comparator.compare(base: base, candidate: slower).entry(.p50))
        let paired = try #require(Comparator.compare(base: base, candidate: slower, paired: true).entry(.p50))
        let pw = try #require(paired.interval), iw = try #require(independent.interval)
        #expect(independent.verdict != .regression, "\(independent)")
        #expect(paired.verdict == .regression, "\(paired)")
        #expect(pw.upperBound - pw.lowerBound < 0.5 * (iw.upperBound - iw.lowerBound), "paired \(pw), independent \(iw)")
        let aa = Comparator.compare(base: base, candidate: same, paired: true)
        #expect(!aa.hasRegression && aa.entry(.p50)?.verdict != .improvement, "\(String(describing: aa.entry(.p50)))")
    }

    /// A 20% slowdown in every second, under ordinary per-second noise, stays a regression.
    @Test func aSlowdownInEveryBlockIsARegression() throws {
        let c = Comparator.compare(base: SyntheticSide(seed: 1, secondNoise: 0.1).side("base"),
                                   candidate: SyntheticSide(scale: 1.2, seed: 2, secondNoise: 0.1).side("candidate"))
        for metric in [CompareMetric.p50, .p90, .p95] {
            #expect(c.entry(metric)?.verdict == .regression, "\(metric): \(String(describing: c.entry(metric)))")
        }
    }

    /// Independent samples are worth about their number; samples that share their second's noise
    /// are worth far fewer, and the interval is wider for it.
    @Test func theEffectiveSampleSizeFallsWhenSecondsShareTheirNoise() throws {
        let independent = Comparator.compare(base: SyntheticSide(seed: 1).side("base"), candidate: SyntheticSide(seed: 2).side("candidate"))
        let shared = Comparator.compare(base: SyntheticSide(seed: 1, secondNoise: 0.3).side("base"),
                                        candidate: SyntheticSide(seed: 2, secondNoise: 0.3).side("candidate"))
        let i = try #require(independent.entry(.p50)), s = try #require(shared.entry(.p50))
        let n = i.baseCount
        let iEffective = try #require(i.baseEffective), sEffective = try #require(s.baseEffective)
        #expect(iEffective > n / 2, "independent: \(iEffective) of \(n)")
        #expect(sEffective < n / 10, "shared noise: \(sEffective) of \(n)")
        let width = { (e: Comparison.Entry) in (e.interval?.upperBound ?? 0) - (e.interval?.lowerBound ?? 0) }
        #expect(width(s) > 2 * width(i), "\(width(s)) vs \(width(i))")
    }

    /// Runs of one configuration differ (medians 10% apart here): one pair can be called a
    /// regression, three runs a side carry that spread and are not, while a real 20% slowdown
    /// over three runs a side still is.
    @Test func replicatesCarryTheSpreadBetweenRuns() {
        func runs(_ scales: [Double], seed: UInt64) -> [RunSide] {
            scales.enumerated().map { i, scale in SyntheticSide(scale: scale, seed: seed + UInt64(i)).side("run\(i)") }
        }
        let base = runs([0.95, 1.0, 1.05], seed: 10), sameConfiguration = runs([1.05, 0.95, 1.0], seed: 20)
        let onePair = Comparator.compare(base: base[0], candidate: sameConfiguration[0])
        #expect(onePair.entry(.p50)?.verdict == .regression, "\(String(describing: onePair.entry(.p50)))")
        let replicated = Comparator.compare(base: base, candidate: sameConfiguration)
        #expect(replicated.entry(.p50)?.verdict != .regression, "\(String(describing: replicated.entry(.p50)))")
        #expect(!replicated.hasRegression)
        #expect(replicated.base.runs == 3 && replicated.base.samples == 3 * base[0].samples.count)
        let slower = Comparator.compare(base: base, candidate: runs([1.15, 1.25, 1.2], seed: 30))
        #expect(slower.entry(.p50)?.verdict == .regression, "\(String(describing: slower.entry(.p50)))")
        #expect(slower.entry(.p95)?.verdict == .regression)
    }

    @Test func blocksAreAboutTheCubeRootOfTheSpanAndLeaveFive() {
        #expect(BlockBootstrap.blockSeconds(span: 60) == 4)
        #expect(BlockBootstrap.blockSeconds(span: 1_000) == 10)
        #expect(BlockBootstrap.blockSeconds(span: 12) == 2)
        #expect(BlockBootstrap.blockSeconds(span: 7) == 1)
        #expect(BlockBootstrap.blockSeconds(span: 0.5) == 1)
    }

    /// The weighted percentile search gives what sorting the drawn blocks' values would.
    @Test func aReplicatesPercentileIsTheSortedResamplesValue() {
        var random = SeededRandom(seed: 3)
        let blocks = (0..<8).map { b -> TimeBlock in
            var block = TimeBlock(seconds: 1)
            block.latencies = (0..<(5 + b * 3)).map { _ in Resampling.uniform(&random) * 100 }.sorted()
            return block
        }
        let side = BlockedSide(runs: [blocks])
        for _ in 0..<50 {
            let weights = BlockBootstrap.draw(side, &random)
            let all = zip(blocks, weights).flatMap { block, w in Array(repeating: block.latencies, count: w).flatMap { $0 } }.sorted()
            for p in [50.0, 95, 99] {
                #expect(side.percentile(.latency, p, weights: weights) == Resampling.percentile(all, p))
            }
        }
    }
}
