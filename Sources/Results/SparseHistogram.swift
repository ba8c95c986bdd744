import Histogram

/// Values kept as HdrHistogram bucket -> count, only for buckets that occur: a second of a run
/// holds a few hundred buckets, where a full `LatencyHistogram` takes ~190 KB. Merging into a
/// `LatencyHistogram` records each bucket's lowest equivalent value, which lands in the same
/// bucket, and the top bucket's count at the true maximum (HdrHistogram caps percentiles at the
/// highest value recorded), so percentiles are the same as if every value had been recorded there.
/// Used for per-second figures: the dashboard's bins, the store's per-second aggregates.
///
/// Hand-written hash table on purpose: every sample a run records goes through `record` three
/// times (latency, TTFA, RTF) on the way to the store, and a `[UInt64: UInt64]` spent most of that
/// in SipHash and resizing (bench/store-ingest.sh: 28% of the store's CPU time). Open addressing
/// with linear probing, a multiplicative hash and no allocation until the first value.
public struct SparseHistogram: Sendable {
    /// Slot i holds a bucket's lowest equivalent value (0: empty; recorded values are at least 1)
    /// at `2i` and its count at `2i + 1`; a power of two slots, at most half full.
    private var slots: [UInt64] = []
    /// Non-empty buckets.
    private var used = 0
    /// log2 of the slot count (0 while nothing is allocated).
    private var bits = 0
    /// The highest value recorded (clamped as `LatencyHistogram` clamps).
    public private(set) var maxValue: UInt64 = 0

    public init() {}

    public mutating func record(_ value: Int64) { record(value, count: 1) }

    public mutating func record(_ value: Int64, count: UInt64) {
        let clamped = UInt64(Swift.max(1, Swift.min(value, 3_600_000_000)))  // as LatencyHistogram.record
        add(bucket: Self.lowestEquivalent(clamped), count: count)
        maxValue = Swift.max(maxValue, clamped)
    }

    // HdrHistogram's bucket arithmetic for `LatencyHistogram`'s layout (lowest value 1, 3 significant
    // digits: 2,048 sub-buckets, unit magnitude 0), written out because going through a `Histogram`
    // value held in a global cost a retain and a release per sample. StoreTests checks both against
    // hdrhistogram-swift over every value below 100,000 and around every power of two.

    /// Bucket index of `v` (values 0..<2,048 are bucket 0, exact; each later bucket halves the resolution).
    @inline(__always) static func bucketShift(_ v: UInt64) -> Int { 53 - (v | 2047).leadingZeroBitCount }

    /// The lowest value that shares `v`'s bucket (hdrhistogram-swift's `lowestEquivalentForValue`).
    @inline(__always) static func lowestEquivalent(_ v: UInt64) -> UInt64 {
        let shift = bucketShift(v)
        return (v >> shift) << shift
    }

    /// The highest value that shares `v`'s bucket (hdrhistogram-swift's `highestEquivalentForValue`).
    @inline(__always) static func highestEquivalent(_ v: UInt64) -> UInt64 {
        let shift = bucketShift(v)
        return ((v >> shift) << shift) + (1 << shift) - 1
    }

    public var isEmpty: Bool { used == 0 }

    /// Samples recorded.
    public var count: Int {
        var total: UInt64 = 0
        forEachBucket { _, n in total += n }
        return Int(total)
    }

    /// The mean, each bucket counted at its middle value (as HdrHistogram's mean), 0 when empty.
    public var mean: Double {
        var total = 0.0, n = 0.0
        forEachBucket { value, count in
            let middle = Double(value) + Double(Self.highestEquivalent(value) - value + 1) / 2
            total += Swift.min(middle, Double(maxValue)) * Double(count)
            n += Double(count)
        }
        return n == 0 ? 0 : total / n
    }

    /// The value at percentile `p` (0...100), 0 when empty: the same as `add(to:)` a `LatencyHistogram`
    /// and its `percentile(p)` (HdrHistogram's rule: the highest equivalent value of the bucket that
    /// holds the p% rank, capped at the maximum recorded), without making one.
    public func percentile(_ p: Double) -> Int64 {
        guard !isEmpty else { return 0 }
        let sorted = buckets
        let top = sorted[sorted.count - 1]
        if p >= 100 { return Int64(maxValue) }
        if p <= 0 {
            // `add(to:)` records the lowest bucket at its lowest value, or at the maximum when it is the only one.
            return Int64(sorted.count == 1 ? maxValue : Self.lowestEquivalent(sorted[0].value))
        }
        var total: UInt64 = 0
        for b in sorted { total += b.count }
        let wanted = Swift.max(1, UInt64(((p.nextDown * Double(total)) / 100).rounded(.up)))
        var seen: UInt64 = 0
        for b in sorted {
            seen += b.count
            if seen >= wanted { return Int64(Swift.min(b.value, maxValue)) }
        }
        return Int64(Swift.min(top.value, maxValue))
    }

    public func add(to histogram: inout LatencyHistogram) {
        let top = Self.lowestEquivalent(maxValue)
        forEachBucket { value, count in histogram.record(Int64(value == top ? maxValue : value), count: count) }
    }

    public mutating func add(_ other: SparseHistogram) {
        other.forEachBucket { value, count in add(bucket: value, count: count) }
        maxValue = Swift.max(maxValue, other.maxValue)
    }

    /// Each non-empty bucket: its highest equivalent value and count, in increasing order (as
    /// `LatencyHistogram.buckets` lists them).
    public var buckets: [(value: UInt64, count: UInt64)] {
        var pairs: [(value: UInt64, count: UInt64)] = []
        pairs.reserveCapacity(used)
        // Buckets' values are below 2^32 (1 hour in µs); packed with a count below 2^32 into one
        // UInt64, they sort as plain integers, several times faster than tuples with a closure.
        var packed: [UInt64] = []
        packed.reserveCapacity(used)
        var small = true
        forEachBucket { value, count in
            small = small && count < 1 << 32
            packed.append(value << 32 | count)
        }
        if small {
            packed.sort()
            for p in packed { pairs.append((Self.highestEquivalent(p >> 32), p & 0xFFFF_FFFF)) }
            return pairs
        }
        forEachBucket { value, count in pairs.append((value, count)) }
        pairs.sort { $0.value < $1.value }
        for i in pairs.indices { pairs[i].value = Self.highestEquivalent(pairs[i].value) }
        return pairs
    }

    /// Calls `body` with each non-empty bucket's lowest equivalent value and count, in no order.
    private func forEachBucket(_ body: (UInt64, UInt64) -> Void) {
        var i = 0
        while i < slots.count {
            if slots[i] != 0 { body(slots[i], slots[i + 1]) }
            i += 2
        }
    }

    private mutating func add(bucket key: UInt64, count: UInt64) {
        if (used + 1) * 2 > slots.count / 2 { grow() }
        let mask = (1 << bits) - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
        let isNew = slots.withUnsafeMutableBufferPointer { s in
            while true {
                let k = s[2 * slot]
                if k == key { s[2 * slot + 1] &+= count; return false }
                if k == 0 { s[2 * slot] = key; s[2 * slot + 1] = count; return true }
                slot = (slot + 1) & mask
            }
        }
        if isNew { used += 1 }
    }

    /// Doubles the table (64 slots at first) and places every bucket again.
    private mutating func grow() {
        let old = slots
        bits = Swift.max(6, bits + 1)
        slots = [UInt64](repeating: 0, count: 2 << bits)
        used = 0
        var i = 0
        while i < old.count {
            if old[i] != 0 { add(bucket: old[i], count: old[i + 1]) }
            i += 2
        }
    }
}
