import Histogram

/// Microsecond latencies in an HdrHistogram (3 significant digits, up to one hour), so that
/// percentiles come from every sample and histograms from many agents merge exactly.
public struct LatencyHistogram: Sendable {
    /// nil until the first value: a full histogram of this range is ~190 KB to make, and a tally
    /// holds nine of them (latency, TTFA, RTF, the chunk figures, the extended ones), most of them
    /// empty for a label without audio or streaming.
    @usableFromInline var storage: Histogram<UInt64>?
    public var histogram: Histogram<UInt64> { storage ?? Self.make() }

    public init() {}

    @usableFromInline static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Inlinable: `SampleTally.add`, inlined into other modules (the dashboard), calls it per sample.
    @inlinable public mutating func record(_ micros: Int64) {
        if storage == nil { storage = Self.make() }
        _ = storage!.record(UInt64(Swift.max(1, Swift.min(micros, 3_600_000_000))))
    }

    /// Adds `count` values equal to `micros` at once (the store decodes its histograms with this).
    public mutating func record(_ micros: Int64, count: UInt64) {
        if storage == nil { storage = Self.make() }
        _ = storage!.record(UInt64(Swift.max(1, Swift.min(micros, 3_600_000_000))), count: count)
    }

    public mutating func add(_ other: LatencyHistogram) {
        guard let o = other.storage, o.totalCount > 0 else { return }
        if storage == nil { storage = o } else { storage!.add(o) }
    }

    /// Empties the histogram, keeping its storage (to reuse one for many computations).
    public mutating func reset() { storage?.reset() }

    /// Each non-empty bucket: its highest equivalent value (µs) and count, in increasing order.
    public var buckets: [(value: Int64, count: UInt64)] {
        storage?.recordedValues().map { (Int64($0.value), UInt64($0.count)) } ?? []
    }

    public var count: Int { Int(storage?.totalCount ?? 0) }

    /// The value at `percentile` (0...100) in µs; 0 when empty.
    public func percentile(_ p: Double) -> Int64 { count == 0 ? 0 : Int64(storage!.valueAtPercentile(p)) }
    public var max: Int64 { count == 0 ? 0 : Int64(storage!.max) }
    public var min: Int64 { count == 0 ? 0 : Int64(storage!.min) }
    public var mean: Double { count == 0 ? 0 : storage!.mean }
}
