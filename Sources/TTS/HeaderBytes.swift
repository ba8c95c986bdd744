/// A small reusable buffer that gathers a header that may arrive split across body chunks.
///
/// Capacity is reserved once per analyzer, so gathering never allocates in the per-chunk path.
/// Readers are bounds-checked and return 0 past the end: header fields come from untrusted bytes.
struct HeaderBytes {
    private(set) var bytes: [UInt8] = []
    /// Arrival time (µs) of the first gathered byte: a header's first byte may mark the first audio byte.
    private(set) var firstAt: Int64 = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }
    var isEmpty: Bool { bytes.isEmpty }

    mutating func clear() { bytes.removeAll(keepingCapacity: true) }

    /// Copies bytes from `p[i...]` until `count == target`; advances `i`. True once `target` bytes are held.
    mutating func fill(to target: Int, from p: UnsafeRawBufferPointer, _ i: inout Int, at: Int64) -> Bool {
        if bytes.count >= target { return true }
        let take = min(target - bytes.count, p.count - i)
        if take > 0 {
            if bytes.isEmpty { firstAt = at }
            for k in i..<(i + take) { bytes.append(p[k]) }
            i += take
        }
        return bytes.count >= target
    }

    /// Drops the first byte (sliding a sync search by one); keeps `firstAt` of the original.
    mutating func dropFirst() { if !bytes.isEmpty { bytes.removeFirst() } }

    subscript(_ o: Int) -> UInt8 { o >= 0 && o < bytes.count ? bytes[o] : 0 }

    func u16le(_ o: Int) -> Int { Int(self[o]) | Int(self[o + 1]) << 8 }
    func u32le(_ o: Int) -> UInt32 {
        UInt32(self[o]) | UInt32(self[o + 1]) << 8 | UInt32(self[o + 2]) << 16 | UInt32(self[o + 3]) << 24
    }
    func u32be(_ o: Int) -> UInt32 {
        UInt32(self[o]) << 24 | UInt32(self[o + 1]) << 16 | UInt32(self[o + 2]) << 8 | UInt32(self[o + 3])
    }
    func u64le(_ o: Int) -> UInt64 { UInt64(u32le(o)) | UInt64(u32le(o + 4)) << 32 }

    /// True when the bytes at `o` spell `tag` (ASCII).
    func matches(_ tag: StaticString, at o: Int) -> Bool {
        let n = tag.utf8CodeUnitCount
        guard o + n <= bytes.count else { return false }
        let t = tag.utf8Start
        for k in 0..<n where bytes[o + k] != t[k] { return false }
        return true
    }

    /// Runs `body` over the held bytes without copying.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { bytes.withUnsafeBytes(body) }
}
