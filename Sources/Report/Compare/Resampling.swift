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

    /// Bootstrap interval of `percentile(candidate) - percentile(base)`.
    ///
    /// A resample's k-th smallest value is `sorted[floor(n x U(k))]`, where U(k), the k-th smallest of
    /// n uniforms, is Beta(k, n - k + 1) distributed: so one Beta draw per side gives a replicate's
    /// percentile exactly, instead of drawing n indices and selecting. Both arrays must be ascending.
    public static func percentileDifference(base: [Double], candidate: [Double], p: Double, seed: UInt64) -> ClosedRange<Double> {
        var random = SeededRandom(seed: seed)
        var deltas = [Double](repeating: 0, count: replicates)
        for b in 0..<replicates {
            deltas[b] = resampledPercentile(candidate, p, &random) - resampledPercentile(base, p, &random)
        }
        return interval(&deltas)
    }

    /// One bootstrap replicate of percentile `p` of ascending `sorted`.
    static func resampledPercentile(_ sorted: [Double], _ p: Double, _ random: inout SeededRandom) -> Double {
        let n = sorted.count
        let k = rank(p, count: n)
        let u = beta(Double(k), Double(n - k + 1), &random)
        return sorted[min(n - 1, Int(Double(n) * u))]
    }

    /// Interval of `mean(candidate) - mean(base)`: Welch's normal interval (per-second counts and
    /// audio seconds are sums of many requests, so their means are close to normal).
    public static func meanDifference(base: [Double], candidate: [Double]) -> ClosedRange<Double> {
        let (mb, vb) = meanVariance(base), (mc, vc) = meanVariance(candidate)
        let delta = mc - mb
        let se = (vb / Double(base.count) + vc / Double(candidate.count)).squareRoot()
        return (delta - z * se)...(delta + z * se)
    }

    /// Interval of `rate(candidate) - rate(base)` for two proportions (errors / samples), normal
    /// approximation with unpooled variances.
    public static func proportionDifference(baseHits: Int, baseCount: Int, candidateHits: Int, candidateCount: Int) -> ClosedRange<Double> {
        let pb = Double(baseHits) / Double(max(1, baseCount)), pc = Double(candidateHits) / Double(max(1, candidateCount))
        let se = (pb * (1 - pb) / Double(max(1, baseCount)) + pc * (1 - pc) / Double(max(1, candidateCount))).squareRoot()
        return (pc - pb - z * se)...(pc - pb + z * se)
    }

    /// The normal quantile of the two-sided `confidence` (1.96 for 95%).
    static let z = 1.959_963_984_540_054

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
