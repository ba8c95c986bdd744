/// Counts, hashes and (for 16-bit PCM) measures the level of the audio payload as it streams.
struct ContentMeter {
    /// When false only bytes are counted: the digest and RMS cost a pass over every audio byte.
    var enabled: Bool
    private(set) var bytes: Int = 0
    private(set) var digest = PayloadDigest()
    private(set) var level = PCM16Level()
    private(set) var sawPCM16 = false

    init(enabled: Bool) { self.enabled = enabled }

    mutating func reset(enabled: Bool) {
        self.enabled = enabled
        bytes = 0
        digest.reset()
        level.reset()
        sawPCM16 = false
    }

    /// Audio payload bytes; `pcm16` when they are little-endian signed 16-bit samples.
    mutating func payload(_ p: UnsafeRawBufferPointer, pcm16: Bool) {
        bytes += p.count
        guard enabled, p.count > 0 else { return }
        digest.add(p)
        if pcm16 {
            sawPCM16 = true
            level.add(p)
        }
    }

    var rms: Double? { enabled && sawPCM16 ? level.rms : nil }
    var digestValue: UInt64 { enabled ? digest.value : 0 }
}
