import Histogram

/// Values kept as HdrHistogram bucket -> count, only for buckets that occur: a second of a run
/// holds a few hundred buckets, where a full `LatencyHistogram` takes ~190 KB. Merging into a
/// `LatencyHistogram` records each bucket's lowest equivalent value, which lands in the same
/// bucket, and the top bucket's count at the true maximum (HdrHistogram caps percentiles at the
/// highest value recorded), so percentiles are the same as if every value had been recorded there.
/// Used for per-second figures: the dashboard's bins, the store's per-second aggregates.
public struct SparseHistogram: Sendable {
    /// Lowest equivalent value of each non-empty bucket -> count.
    public private(set) var counts: [UInt64: UInt64] = [:]
    /// The highest value recorded (clamped as `LatencyHistogram` clamps).
    public private(set) var maxValue: UInt64 = 0

    /// The bucket layout of `LatencyHistogram` (3 significant digits, 1 µs to 1 hour), for its
    /// bucket arithmetic only.
    nonisolated(unsafe) static let layout = LatencyHistogram().histogram

    public init() {}

    public mutating func record(_ value: Int64, count: UInt64 = 1) {
        let clamped = UInt64(Swift.max(1, Swift.min(value, 3_600_000_000)))  // as LatencyHistogram.record
        counts[Self.layout.lowestEquivalentForValue(clamped), default: 0] += count
        maxValue = Swift.max(maxValue, clamped)
    }

    public var isEmpty: Bool { counts.isEmpty }

    /// Samples recorded.
    public var count: UInt64 { counts.values.reduce(0, +) }

    public func add(to histogram: inout LatencyHistogram) {
        let top = Self.layout.lowestEquivalentForValue(maxValue)
        for (value, count) in counts { histogram.record(Int64(value == top ? maxValue : value), count: count) }
    }

    public mutating func add(_ other: SparseHistogram) {
        for (value, count) in other.counts { counts[value, default: 0] += count }
        maxValue = Swift.max(maxValue, other.maxValue)
    }

    /// Each non-empty bucket: its highest equivalent value and count, in increasing order (as
    /// `LatencyHistogram.buckets` lists them).
    public var buckets: [(value: UInt64, count: UInt64)] {
        counts.keys.sorted().map { (Self.layout.highestEquivalentForValue($0), counts[$0] ?? 0) }
    }
}
