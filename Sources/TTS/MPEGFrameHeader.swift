/// The 4-byte header of an MPEG audio frame (MPEG-1, -2, -2.5; Layers I-III), validated.
struct MPEGFrameHeader: Equatable {
    /// 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (the header's own bit values).
    var version: Int
    /// 1 = Layer I, 2 = Layer II, 3 = Layer III.
    var layer: Int
    var sampleRate: Int
    var channels: Int
    /// Bytes in the whole frame, header included.
    var length: Int
    var samplesPerFrame: Int

    /// kb/s by bitrate index, 15 per row: MPEG-1 Layers I, II, III, then MPEG-2/2.5 Layer I, Layers II/III.
    /// One flat table built once, so reading a frame header allocates nothing.
    private static let bitrates: [Int] = [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160,
    ]

    /// Nil unless the bytes are a usable frame header (free-format bitrate is refused: its
    /// frame length cannot be known from the header).
    init?(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        guard b0 == 0xFF, b1 & 0xE0 == 0xE0 else { return nil }
        let version = Int((b1 >> 3) & 3)
        let layerBits = Int((b1 >> 1) & 3)
        let bitrateIndex = Int(b2 >> 4)
        let rateIndex = Int((b2 >> 2) & 3)
        guard version != 1, layerBits != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let layer = 4 - layerBits
        let padding = Int((b2 >> 1) & 1)
        let baseRate = rateIndex == 0 ? 44_100 : rateIndex == 1 ? 48_000 : 32_000
        let sampleRate = version == 3 ? baseRate : version == 2 ? baseRate / 2 : baseRate / 4
        let row = version == 3 ? layer - 1 : (layer == 1 ? 3 : 4)
        let kbps = Self.bitrates[row * 15 + bitrateIndex]
        let bitrate = kbps * 1_000
        switch layer {
        case 1:
            length = (12 * bitrate / sampleRate + padding) * 4
            samplesPerFrame = 384
        case 2:
            length = 144 * bitrate / sampleRate + padding
            samplesPerFrame = 1_152
        default:
            length = (version == 3 ? 144 : 72) * bitrate / sampleRate + padding
            samplesPerFrame = version == 3 ? 1_152 : 576
        }
        guard length >= 8 else { return nil }
        self.version = version
        self.layer = layer
        self.sampleRate = sampleRate
        self.channels = (b3 >> 6) == 3 ? 1 : 2
    }

    var isMPEG1: Bool { version == 3 }

    /// Frames of one stream share version, layer and sample rate; a header that differs is junk
    /// that happens to contain a sync word.
    func sameStream(as other: MPEGFrameHeader) -> Bool {
        version == other.version && layer == other.layer && sampleRate == other.sampleRate
    }

    /// Offset of a Xing/Info tag in the first frame: after the header and the Layer III side info.
    var xingOffset: Int { 4 + (isMPEG1 ? (channels == 1 ? 17 : 32) : (channels == 1 ? 9 : 17)) }
}
