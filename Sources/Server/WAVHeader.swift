/// RIFF/WAVE headers for 16-bit mono PCM.
public enum WAVHeader {
    /// The data size a streaming header carries: unknown length, as streaming players expect.
    public static let unknownSize: UInt32 = 0xFFFF_FFFF

    /// A 44-byte canonical header; `dataBytes` nil means streaming (sizes 0xFFFFFFFF).
    public static func make(sampleRate: Int = EspeakSynthesizer.sampleRate, dataBytes: Int?) -> [UInt8] {
        let dataSize = dataBytes.map { UInt32(clamping: $0) } ?? unknownSize
        let riffSize = dataBytes.map { UInt32(clamping: $0 + 36) } ?? unknownSize
        var h: [UInt8] = []
        h.reserveCapacity(44)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { h.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { h.append(contentsOf: $0) } }
        h.append(contentsOf: Array("RIFF".utf8)); u32(riffSize)
        h.append(contentsOf: Array("WAVE".utf8))
        h.append(contentsOf: Array("fmt ".utf8)); u32(16)
        u16(1)  // PCM
        u16(1)  // mono
        u32(UInt32(sampleRate))
        u32(UInt32(sampleRate * 2))  // byte rate
        u16(2)  // block align
        u16(16)  // bits per sample
        h.append(contentsOf: Array("data".utf8)); u32(dataSize)
        return h
    }
}
