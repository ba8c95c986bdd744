/// Hand-built bodies for exact timing tests.
enum SyntheticAudio {
    /// A canonical 44-byte WAV header for 16-bit PCM; `dataSize` nil writes the streaming 0xFFFFFFFF.
    static func wavHeader(rate: Int, channels: Int = 1, dataSize: UInt32? = 0xFFFF_FFFF) -> [UInt8] {
        var h: [UInt8] = []
        func u32(_ v: UInt32) { h += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func u16(_ v: Int) { h += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        h += Array("RIFF".utf8); u32(0xFFFF_FFFF); h += Array("WAVE".utf8)
        h += Array("fmt ".utf8); u32(16); u16(1); u16(channels); u32(UInt32(rate)); u32(UInt32(rate * 2 * channels))
        u16(2 * channels); u16(16)
        h += Array("data".utf8); u32(dataSize ?? 0xFFFF_FFFF)
        return h
    }

    /// `millis` of a 16-bit sine-ish ramp (non-silent) at `rate` Hz mono.
    static func pcm(millis: Int, rate: Int, seed: Int = 0) -> [UInt8] {
        let samples = rate * millis / 1_000
        var out: [UInt8] = []
        out.reserveCapacity(samples * 2)
        for k in 0..<samples {
            let v = Int16(truncatingIfNeeded: ((k + seed) * 997) % 20_000 - 10_000)
            let u = UInt16(bitPattern: v)
            out += [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
        return out
    }
}
