import Foundation
import Plan

/// What the comparison's intervals share (`BlockBootstrap` computes them; docs/compare.md,
/// "Significance"): replicates, confidence, nearest-rank percentiles, the percentile interval and
/// the seeds. Everything is seeded, so the same inputs always give the same intervals.
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

    /// Mean and sample variance (n - 1) of `values`.
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

    /// Uniform in [0, 1).
    static func uniform(_ random: inout SeededRandom) -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    /// A seed for one comparison from a stable text key (FNV-1a; Swift's `Hasher` changes per process).
    public static func seed(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
