import Foundation
import Plan

/// Confidence intervals for the difference between two runs, from their raw samples
/// (docs/compare.md, "Significance"). Everything is seeded, so the same inputs always give the
/// same intervals.
public enum Resampling {
    /// Bootstrap replicates per interval.
    public static let replicates = 2_000
    /// Two-sided confidence of every interval.
    public static let confidence = 0.95

    /// The nearest-rank percentile of ascending `sorted` values (HdrHistogram's definition).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        return sorted[rank(p, count: sorted.count) - 1]
    }

    /// 1-based nearest rank of percentile `p` (0...100) among `count` values.
    static func rank(_ p: Double, count: Int) -> Int { min(count, max(1, Int((p / 100 * Double(count)).rounded(.up)))) }

    /// One bootstrap replicate of percentile `p` of ascending `sorted`.
    static func resampledPercentile(_ sorted: [Double], _ p: Double, _ random: inout SeededRandom) -> Double {
        let n = sorted.count
        let k = rank(p, count: n)
        let u = beta(Double(k), Double(n - k + 1), &random)
        return sorted[min(n - 1, Int(Double(n) * u))]
    }

    /// Variance of percentile `p` of ascending `sorted` under the bootstrap of independent
    /// values (Beta shortcut, 500 replicates): the spread a statistic would have if every sample
    /// were independent, against which the block bootstrap's spread gives the effective sample size.
    static func percentileVariance(_ sorted: [Double], _ p: Double, seed: UInt64) -> Double {
        guard sorted.count > 1 else { return 0 }
        var random = SeededRandom(seed: seed)
        return meanVariance((0..<500).map { _ in resampledPercentile(sorted, p, &random) }).1
    }

    static func meanVariance(_ values: [Double]) -> (Double, Double) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance)
    }

    /// The central `confidence` part of the replicates (percentile bootstrap interval).
    static func interval(_ values: inout [Double]) -> ClosedRange<Double> {
        values.sort()
        let tail = (1 - confidence) / 2
        let lo = values[max(0, Int((tail * Double(values.count)).rounded(.down)))]
        let hi = values[min(values.count - 1, Int(((1 - tail) * Double(values.count)).rounded(.up)) - 1)]
        return lo...hi
    }

    // MARK: random variates

    /// Uniform in [0, 1).
    static func uniform(_ random: inout SeededRandom) -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    static func normal(_ random: inout SeededRandom) -> Double {
        let u1 = 1 - uniform(&random), u2 = uniform(&random)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang, 2000).
    static func gamma(_ shape: Double, _ random: inout SeededRandom) -> Double {
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal(&random)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - uniform(&random)
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// Beta(a, b) for a, b >= 1, as Gamma(a) / (Gamma(a) + Gamma(b)).
    static func beta(_ a: Double, _ b: Double, _ random: inout SeededRandom) -> Double {
        let x = gamma(a, &random), y = gamma(b, &random)
        return x / (x + y)
    }

    /// A seed for one comparison from a stable text key (FNV-1a; Swift's `Hasher` changes per process).
    public static func seed(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
