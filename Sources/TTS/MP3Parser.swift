/// Streams an MP3 body: skips ID3v2 (and ID3v1) tags, walks frames by their headers, and sums
/// their durations. A first frame holding a Xing/Info or VBRI tag is metadata, not audio: its
/// frame count is the claim checked for truncation, and a LAME tag's encoder delay and padding
/// are taken off the total, as gapless players do.
struct MP3Parser {
    private enum State: Equatable {
        case header
        case id3
        case skip(Int)
        case firstFrame(MPEGFrameHeader)
        case frameBody(remaining: Int, samples: Int)
        case broken
    }

    /// Bytes of junk searched for a first frame before giving up on the body.
    static let maxLeadingJunk = 65_536
    /// Enough of the first frame for Xing (at most 36 + 120), the LAME extension (+24) and VBRI.
    private static let firstFrameBytes = 192

    private var state = State.header
    private var header = HeaderBytes(capacity: 200)
    private var stream: MPEGFrameHeader?
    private var frames = 0
    private var samples: Int64 = 0
    private var claimedFrames: Int?
    private var encoderDelay = 0
    private var encoderPadding = 0
    private var junk = 0
    private(set) var firstAudioAt: Int64?
    private var warning: String?

    init() {}

    mutating func reset() {
        state = .header
        header.clear()
        stream = nil
        frames = 0
        samples = 0
        claimedFrames = nil
        encoderDelay = 0
        encoderPadding = 0
        junk = 0
        firstAudioAt = nil
        warning = nil
    }

    var playableMicros: Int64 {
        guard let stream else { return 0 }
        return SampleTime.micros(samples: samples, rate: stream.sampleRate)
    }

    mutating func consume(_ p: UnsafeRawBufferPointer, at: Int64, content: inout ContentMeter) {
        let n = p.count
        var i = 0
        while i < n {
            switch state {
            case .broken:
                return
            case .header:
                guard header.fill(to: 4, from: p, &i, at: at) else { return }
                if header.matches("ID3", at: 0) {
                    state = .id3
                } else if header.matches("TAG", at: 0) {
                    // ID3v1: 128 bytes at the end.
                    header.clear()
                    state = .skip(124)
                } else if let h = MPEGFrameHeader(header[0], header[1], header[2], header[3]),
                          stream.map({ h.sameStream(as: $0) }) ?? true {
                    if stream == nil {
                        state = .firstFrame(h)
                    } else {
                        beginAudioFrame(h, content: &content)
                    }
                } else {
                    // Not a frame: slide the search by one byte.
                    header.dropFirst()
                    junk += 1
                    if stream == nil && junk > Self.maxLeadingJunk {
                        warning = "no MPEG audio frame in the first \(Self.maxLeadingJunk) bytes"
                        state = .broken
                    }
                }
            case .id3:
                guard header.fill(to: 10, from: p, &i, at: at) else { return }
                // Syncsafe size (7 bits a byte), excluding the 10-byte header; a footer adds 10.
                let size = Int(header[6] & 0x7F) << 21 | Int(header[7] & 0x7F) << 14
                    | Int(header[8] & 0x7F) << 7 | Int(header[9] & 0x7F)
                let footer = header[5] & 0x10 != 0 ? 10 : 0
                header.clear()
                state = size + footer == 0 ? .header : .skip(size + footer)
            case .skip(let left):
                let take = min(left, n - i)
                i += take
                state = left == take ? .header : .skip(left - take)
            case .firstFrame(let h):
                let want = min(h.length, Self.firstFrameBytes)
                guard header.fill(to: want, from: p, &i, at: at) else { return }
                stream = h
                if readVBRTag(h) {
                    header.clear()
                    state = h.length == want ? .header : .skip(h.length - want)
                } else {
                    beginAudioFrame(h, content: &content)
                }
            case .frameBody(let remaining, let frameSamples):
                let take = min(remaining, n - i)
                content.payload(UnsafeRawBufferPointer(rebasing: p[i..<(i + take)]), pcm16: false)
                i += take
                if take == remaining {
                    frames += 1
                    samples += Int64(frameSamples)
                    state = .header
                } else {
                    state = .frameBody(remaining: remaining - take, samples: frameSamples)
                }
            }
        }
    }

    /// The gathered header bytes (4, or more for a first frame) start an audio frame.
    private mutating func beginAudioFrame(_ h: MPEGFrameHeader, content: inout ContentMeter) {
        if firstAudioAt == nil { firstAudioAt = header.firstAt }
        header.withBytes { content.payload($0, pcm16: false) }
        let held = header.count
        header.clear()
        if held >= h.length {
            frames += 1
            samples += Int64(h.samplesPerFrame)
            state = .header
        } else {
            state = .frameBody(remaining: h.length - held, samples: h.samplesPerFrame)
        }
    }

    /// Reads a Xing/Info or VBRI tag from the gathered first frame; true if the frame is one.
    private mutating func readVBRTag(_ h: MPEGFrameHeader) -> Bool {
        let x = h.xingOffset
        if header.matches("Xing", at: x) || header.matches("Info", at: x) {
            let flags = header.u32be(x + 4)
            var o = x + 8
            if flags & 1 != 0 {
                claimedFrames = Int(header.u32be(o))
                o += 4
            }
            if flags & 2 != 0 { o += 4 }
            if flags & 4 != 0 { o += 100 }
            if flags & 8 != 0 { o += 4 }
            // LAME extension (also written by ffmpeg as "Lavc"/"Lavf"): 12-bit delay and padding at +21.
            if o + 24 <= header.count, header.matches("LAME", at: o) || header.matches("Lav", at: o) {
                let b0 = Int(header[o + 21]), b1 = Int(header[o + 22]), b2 = Int(header[o + 23])
                encoderDelay = b0 << 4 | b1 >> 4
                encoderPadding = (b1 & 0x0F) << 8 | b2
            }
            return true
        }
        // Fraunhofer VBRI: always 32 bytes after the header; frame count at +14.
        if header.matches("VBRI", at: 36) {
            claimedFrames = Int(header.u32be(36 + 14))
            return true
        }
        return false
    }

    func result() -> ParsedAudio {
        guard let stream else {
            return ParsedAudio(warning: warning ?? "no MPEG audio frame found")
        }
        var r = ParsedAudio(sampleRate: stream.sampleRate, channels: stream.channels, warning: warning)
        if case .frameBody = state { r.truncated = true }
        if let claimed = claimedFrames, frames < claimed { r.truncated = true }
        // Gapless: the encoder's delay is never audio; its padding only once the last frame arrived.
        var total = samples - Int64(encoderDelay)
        if !r.truncated { total -= Int64(encoderPadding) }
        r.seconds = Double(max(0, total)) / Double(stream.sampleRate)
        return r
    }
}
