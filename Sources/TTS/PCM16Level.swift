/// Streaming RMS of little-endian signed 16-bit samples, for the `non_silent` check.
///
/// A sample split across two chunks is completed from a one-byte carry, so the result does not
/// depend on chunking. Interleaved channels are all 16-bit, so pairing bytes from the start of the
/// payload is enough.
struct PCM16Level {
    private var sumSquares: UInt64 = 0
    private var samples: UInt64 = 0
    private var pending: UInt16 = 0
    private var hasPending = false

    mutating func reset() { self = PCM16Level() }

    mutating func add(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        var i = 0
        if hasPending && n > 0 {
            accumulate(pending | UInt16(p[0]) << 8)
            hasPending = false
            i = 1
        }
        while i + 2 <= n {
            accumulate(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt16.self)))
            i += 2
        }
        if i < n {
            pending = UInt16(p[i])
            hasPending = true
        }
    }

    @inline(__always) private mutating func accumulate(_ raw: UInt16) {
        let s = Int64(Int16(bitPattern: raw))
        // Wrapping adds: 2^34 full-scale samples (days of audio) before this could wrap.
        sumSquares &+= UInt64(s * s)
        samples &+= 1
    }

    /// RMS normalised so that a full-scale square wave is 1; nil before the first sample.
    var rms: Double? {
        guard samples > 0 else { return nil }
        return (Double(sumSquares) / Double(samples)).squareRoot() / 32768
    }
}
