import Foundation
import Plan
import Results

/// Confidence intervals that carry a run's own noise: a block bootstrap over time (docs/compare.md,
/// "Significance").
///
/// Samples of one run are not independent: a slow second (the machine busy, a garbage collection,
/// a neighbour's build) slows every request in it, so resampling single samples treats one burst
/// as hundreds of independent pieces of evidence and makes a verdict of it. Resampling whole
/// blocks of time keeps each burst in one piece, so it widens the interval instead. The method is
/// the non-overlapping block bootstrap (Carlstein, "The use of subseries values for estimating the
/// variance of a general statistic from a stationary sequence", Annals of Statistics 14, 1986;
/// Lahiri, "Resampling Methods for Dependent Data", Springer 2003, ch. 2), with blocks of about
/// the cube root of the span in seconds (the order Hall, Horowitz and Jing found best for variance
/// estimation, Biometrika 82, 1995). When a side has several runs (replicates), each replicate
/// first draws runs with replacement, then blocks within each drawn run: the two-stage bootstrap
/// of Davison and Hinkley ("Bootstrap Methods and their Application", 1997, section 3.8), so the
/// spread between runs enters the interval too.
public enum BlockBootstrap {
    /// Fewest blocks a side needs for an interval: fewer cannot show its spread.
    public static let minimumBlocks = 5

    /// Block length in whole seconds for a span of `seconds`: about its cube root, but short
    /// enough to leave `minimumBlocks` blocks (1 s at least).
    public static func blockSeconds(span seconds: Double) -> Int {
        let cubeRoot = Int(pow(max(1, seconds), 1.0 / 3).rounded())
        return max(1, min(cubeRoot, Int(seconds / Double(minimumBlocks))))
    }

    /// The weight of every block of `side` in one replicate (blocks of all runs, in order).
    static func draw(_ side: BlockedSide, _ random: inout SeededRandom) -> [Int] {
        var weights = [Int](repeating: 0, count: side.blockCount)
        let runs = side.runs
        for _ in 0..<runs.count {
            // One stage when there is one run: drawing it again every time changes nothing.
            let r = runs.count == 1 ? 0 : Int(Resampling.uniform(&random) * Double(runs.count))
            let (offset, count) = (side.offsets[r], runs[r].count)
            for _ in 0..<count { weights[offset + Int(Resampling.uniform(&random) * Double(count))] += 1 }
        }
        return weights
    }

    /// Replicates of `statistic` on each side and the interval of their difference.
    ///
    /// Returns nil when either side has fewer than `minimumBlocks` blocks or too few replicates
    /// gave a value (a statistic can be undefined on a replicate, e.g. no audio drawn).
    ///
    /// `paired`: the two sides ran at the same moments (the sides of an A/B run). When each has one
    /// run cut into as many blocks, a replicate draws the same blocks of time on both, so noise
    /// the moments share (the machine, the network) falls on both sides of the difference and
    /// cancels, as a paired comparison's does; otherwise the sides are drawn independently.
    static func difference(base: BlockedSide, candidate: BlockedSide, seed: UInt64, paired: Bool = false,
                           _ statistic: (BlockedSide, [Int]) -> Double?) -> Interval? {
        guard base.blockCount >= minimumBlocks, candidate.blockCount >= minimumBlocks else { return nil }
        let sameBlocks = paired && base.runs.count == 1 && candidate.runs.count == 1 && base.blockCount == candidate.blockCount
        var random = SeededRandom(seed: seed)
        var deltas: [Double] = [], baseValues: [Double] = [], candidateValues: [Double] = []
        deltas.reserveCapacity(Resampling.replicates)
        for _ in 0..<Resampling.replicates {
            let wb = draw(base, &random), wc = sameBlocks ? wb : draw(candidate, &random)
            guard let b = statistic(base, wb), let c = statistic(candidate, wc) else { continue }
            baseValues.append(b)
            candidateValues.append(c)
            deltas.append(c - b)
        }
        guard deltas.count >= Resampling.replicates / 2 else { return nil }
        return Interval(range: Resampling.interval(&deltas), baseVariance: Resampling.meanVariance(baseValues).1,
                        candidateVariance: Resampling.meanVariance(candidateValues).1)
    }

    /// An interval of the difference, with the variance each side's replicates showed (for the
    /// effective sample sizes).
    struct Interval {
        var range: ClosedRange<Double>
        var baseVariance: Double, candidateVariance: Double
    }

    /// The sample size that independent values would need to show `blockVariance` when one
    /// value's share is `iidVariance x n` (`n` values): `n x iidVariance / blockVariance`, at most
    /// `n` (blocks never make a statistic surer than independent values would). A statistic
    /// that does not vary on independent values (every second alike) counts all `n`.
    static func effectiveSize(n: Int, iidVariance: Double, blockVariance: Double) -> Int {
        guard n > 0 else { return 0 }
        guard blockVariance > 0, iidVariance > 0 else { return n }
        let size = Double(n) * iidVariance / blockVariance
        return size.isFinite ? max(1, Int(min(Double(n), size).rounded())) : n
    }

    /// Effective sample size of a proportion `sum(part) / sum(whole)` over the blocks (error
    /// rate; the share of values at or below a percentile): its variance over resampled blocks
    /// against p(1 - p) / n, the variance it would have over independent values. For a
    /// percentile this is the usual route (Bahadur's representation: a sample quantile varies
    /// as the share of values below it, divided by the density there, and the density cancels
    /// in the ratio), and it holds on tied, millisecond-rounded values where the percentile
    /// itself may not move at all between replicates. 500 seeded replicates.
    static func proportionEffectiveSize(_ side: BlockedSide, seed: UInt64, part: (TimeBlock) -> Double,
                                        whole: (TimeBlock) -> Double) -> Int? {
        let n = side.blocks.reduce(0) { $0 + whole($1) }
        guard n > 0, side.blockCount >= minimumBlocks else { return nil }
        let p = side.blocks.reduce(0) { $0 + part($1) } / n
        var random = SeededRandom(seed: seed)
        let values = (0..<500).compactMap { _ in side.ratio(weights: draw(side, &random), part, whole) }
        return effectiveSize(n: Int(n), iidVariance: p * (1 - p) / n, blockVariance: Resampling.meanVariance(values).1)
    }
}

/// One side of one scope cut into blocks of time: the runs given for the side, each a list of blocks.
struct BlockedSide {
    let runs: [[TimeBlock]]
    /// Index of each run's first block in the flat list of blocks.
    let offsets: [Int]
    let blocks: [TimeBlock]
    /// Every value of each kind, pooled over runs and blocks, ascending: the candidates a
    /// replicate's percentile is searched among.
    let pooled: [TimeBlock.Kind: [Double]]

    init(runs: [[TimeBlock]]) {
        self.runs = runs
        var offsets: [Int] = [], total = 0
        for run in runs {
            offsets.append(total)
            total += run.count
        }
        self.offsets = offsets
        blocks = runs.flatMap { $0 }
        var pooled: [TimeBlock.Kind: [Double]] = [:]
        for kind in TimeBlock.Kind.allCases { pooled[kind] = blocks.flatMap { $0.values(kind) }.sorted() }
        self.pooled = pooled
    }

    var blockCount: Int { blocks.count }

    /// Percentile `p` (nearest rank) of the values of `kind` in the blocks, each counted `weights[j]` times.
    ///
    /// The k-th smallest of a weighted union of sorted blocks, found by bisecting the pooled
    /// values: count(<= x) is a sum of one binary search per drawn block, so a replicate costs
    /// about log2(range) x blocks x log2(n / blocks), never a copy or sort of n values.
    ///
    /// The search range is the drawn blocks' own percentiles, lowest to highest: below the
    /// lowest, every block holds fewer than p% of its values, so the union does too; at the
    /// highest, every block holds at least p%, so the union holds at least k.
    func percentile(_ kind: TimeBlock.Kind, _ p: Double, weights: [Int]) -> Double? {
        var drawn: [(values: [Double], weight: Int)] = []
        var n = 0
        var lowest = Double.infinity, highest = -Double.infinity
        for (j, w) in weights.enumerated() where w > 0 {
            let values = blocks[j].values(kind)
            guard !values.isEmpty else { continue }
            drawn.append((values, w))
            n += w * values.count
            let own = values[Resampling.rank(p, count: values.count) - 1]
            lowest = min(lowest, own)
            highest = max(highest, own)
        }
        guard n > 0, let all = pooled[kind] else { return nil }
        let k = Resampling.rank(p, count: n)
        func countAtMost(_ x: Double) -> Int { drawn.reduce(0) { $0 + $1.weight * Self.upperBound($1.values, x) } }
        var lo = lowerBound(all, lowest), hi = Self.upperBound(all, highest) - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if countAtMost(all[mid]) >= k { hi = mid } else { lo = mid + 1 }
        }
        return all[lo]
    }

    /// `sum(weights x numerator) / sum(weights x denominator)` over the blocks, nil when the denominator is 0.
    func ratio(weights: [Int], _ numerator: (TimeBlock) -> Double, _ denominator: (TimeBlock) -> Double) -> Double? {
        var num = 0.0, den = 0.0
        for (j, w) in weights.enumerated() where w > 0 {
            num += Double(w) * numerator(blocks[j])
            den += Double(w) * denominator(blocks[j])
        }
        return den > 0 ? num / den : nil
    }

    /// Index of the first element of ascending `values` not less than `x`.
    private func lowerBound(_ values: [Double], _ x: Double) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Index of the first element of ascending `values` greater than `x` (how many are <= x).
    static func upperBound(_ values: [Double], _ x: Double) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// One block of time of one run's scope: the values of the samples that started in it (ascending)
/// and its counts.
struct TimeBlock: Sendable {
    enum Kind: CaseIterable { case latency, ttfa, rtf }

    var latencies: [Double] = []
    var ttfa: [Double] = []
    var rtf: [Double] = []
    /// Samples that started in the block, and the failed ones among them.
    var count = 0
    var errors = 0
    /// Samples that ended in the block, and those of them that were good (succeeded and kept
    /// the per-request bounds: goodput).
    var ended = 0
    var endedGood = 0
    /// Audio seconds of the samples that started in the block.
    var audioSeconds = 0.0
    var audioSamples = 0
    /// The block's length.
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    /// Counts `s` as started in the block: its response time and TTFA in ms, its RTF.
    mutating func add(_ s: Sample) {
        count += 1
        if !s.success { errors += 1 }
        latencies.append(Double(s.elapsed) / 1_000)
        if let a = s.audio, let audio = a.audioSeconds {
            audioSamples += 1
            audioSeconds += audio
            if let t = a.ttfa { ttfa.append(Double(t) / 1_000) }
            if let r = a.rtf { rtf.append(r) }
        }
    }

    /// Puts the values in ascending order, as the percentile search needs.
    mutating func sort() {
        latencies.sort()
        ttfa.sort()
        rtf.sort()
    }

    func values(_ kind: Kind) -> [Double] {
        switch kind {
        case .latency: latencies
        case .ttfa: ttfa
        case .rtf: rtf
        }
    }
}
