/// A streaming 64-bit hash of audio payload bytes, independent of how the bytes were chunked.
///
/// Eight bytes at a time (a murmur3-style lane) because this runs over every audio byte in the
/// libcurl write callback; the up-to-7 bytes left at a chunk's end are carried to the next one.
struct PayloadDigest {
    private var h: UInt64 = 0x243F_6A88_85A3_08D3
    private var carry: UInt64 = 0
    private var carryCount = 0
    private var length: UInt64 = 0

    mutating func reset() { self = PayloadDigest() }

    @inline(__always) private mutating func mix(_ w: UInt64) {
        var k = w &* 0x87C3_7B91_1142_53D5
        k = (k << 31) | (k >> 33)
        h ^= k &* 0x4CF5_AD43_2745_937F
        h = ((h << 27) | (h >> 37)) &* 5 &+ 0x52DC_E729
    }

    mutating func add(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        var i = 0
        length &+= UInt64(n)
        while carryCount > 0 && i < n {
            carry |= UInt64(p[i]) << UInt64(8 * carryCount)
            carryCount += 1
            i += 1
            if carryCount == 8 { mix(carry); carry = 0; carryCount = 0 }
        }
        while i + 8 <= n {
            mix(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        while i < n {
            carry |= UInt64(p[i]) << UInt64(8 * carryCount)
            carryCount += 1
            i += 1
        }
    }

    /// The hash of everything added so far (does not change the state).
    var value: UInt64 {
        var x = h ^ (carry &* 0xFF51_AFD7_ED55_8CCD) ^ length
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x = x &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}
