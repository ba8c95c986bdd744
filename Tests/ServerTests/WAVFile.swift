/// The fields of a canonical 44-byte WAV header, read back from a response.
struct WAVFile {
    var riffSize: UInt32
    var format: UInt16
    var channels: UInt16
    var sampleRate: UInt32
    var byteRate: UInt32
    var blockAlign: UInt16
    var bitsPerSample: UInt16
    var dataSize: UInt32
    var samples: [Int16]

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 44,
              String(decoding: bytes[0..<4], as: UTF8.self) == "RIFF",
              String(decoding: bytes[8..<12], as: UTF8.self) == "WAVE",
              String(decoding: bytes[12..<16], as: UTF8.self) == "fmt ",
              String(decoding: bytes[36..<40], as: UTF8.self) == "data"
        else { return nil }
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * $1) } }
        func u16(_ o: Int) -> UInt16 { UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 }
        riffSize = u32(4)
        format = u16(20)
        channels = u16(22)
        sampleRate = u32(24)
        byteRate = u32(28)
        blockAlign = u16(32)
        bitsPerSample = u16(34)
        dataSize = u32(40)
        samples = PCM.samples(Array(bytes[44...]))
    }

    var duration: Double { Double(samples.count) / Double(sampleRate) }
}

enum PCM {
    static func samples(_ bytes: [UInt8]) -> [Int16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    static func rms(_ samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }
}
