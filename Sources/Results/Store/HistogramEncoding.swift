import Histogram

/// The compact encoding of a `LatencyHistogram` in the store (docs/results.md): byte 1 (the
/// version), then for each non-empty bucket in increasing order two unsigned LEB128 varints: the
/// bucket's highest equivalent value minus the previous bucket's (the first: minus 0), and its count.
/// Empty buckets cost nothing, unlike hdrhistogram-swift's Codable, which writes every bucket.
public enum HistogramEncoding {
    public static let version: UInt8 = 1

    public enum Failure: Error, Equatable {
        case unknownVersion(UInt8)
        case truncated
    }

    public static func encode(_ histogram: LatencyHistogram) -> [UInt8] {
        var out: [UInt8] = [version]
        var previous: UInt64 = 0
        for bucket in histogram.histogram.recordedValues() {
            leb128(bucket.value - previous, into: &out)
            leb128(bucket.count, into: &out)
            previous = bucket.value
        }
        return out
    }

    /// The same bytes from a sparse histogram (no 190 KB histogram built on the way).
    public static func encode(_ sparse: SparseHistogram) -> [UInt8] {
        let buckets = sparse.buckets
        var out: [UInt8] = [version]
        out.reserveCapacity(1 + 4 * buckets.count)
        var previous: UInt64 = 0
        for bucket in buckets {
            leb128(bucket.value - previous, into: &out)
            leb128(bucket.count, into: &out)
            previous = bucket.value
        }
        return out
    }

    /// Decodes into a sparse histogram (to merge with more values before encoding again).
    public static func decodeSparse(_ bytes: [UInt8]) throws(Failure) -> SparseHistogram {
        var histogram = SparseHistogram()
        try forEachBucket(bytes) { histogram.record(Int64($0), count: $1) }
        return histogram
    }

    static func forEachBucket(_ bytes: [UInt8], _ body: (UInt64, UInt64) -> Void) throws(Failure) {
        guard let first = bytes.first else { throw .truncated }
        guard first == version else { throw .unknownVersion(first) }
        var i = 1
        var value: UInt64 = 0
        while i < bytes.count {
            value += try readLEB128(bytes, &i)
            body(value, try readLEB128(bytes, &i))
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(Failure) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        guard let first = bytes.first else { throw .truncated }
        guard first == version else { throw .unknownVersion(first) }
        var i = 1
        var value: UInt64 = 0
        while i < bytes.count {
            value += try readLEB128(bytes, &i)
            let count = try readLEB128(bytes, &i)
            histogram.record(Int64(value), count: count)
        }
        return histogram
    }

    static func leb128(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
    }

    static func readLEB128(_ bytes: [UInt8], _ i: inout Int) throws(Failure) -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .truncated }
        }
        throw .truncated
    }
}
