import Testing
@testable import TTS

extension AudioAnalysisTests {
    /// Hand-built MPEG frames with Xing, LAME and VBRI tags, and an RF64 WAV: claims and gapless trimming.
    @Suite struct HeaderTagTests {
        /// MPEG-1 Layer III, 128 kb/s, 44.1 kHz, mono, no padding: 417-byte frames of 1152 samples.
        static let header: [UInt8] = [0xFF, 0xFB, 0x90, 0xC4]
        static let frameLength = 417

        static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

        static func frame(_ body: [UInt8] = []) -> [UInt8] {
            var f = header + body
            f += [UInt8](repeating: 0x55, count: frameLength - f.count)
            return f
        }

        /// A Xing frame claiming `claimed` frames, optionally with a LAME extension giving delay and padding.
        static func xing(claimed: Int, delay: Int? = nil, padding: Int = 0) -> [UInt8] {
            // Mono MPEG-1: 17 bytes of side info, so the tag is at 4 + 17.
            var body = [UInt8](repeating: 0, count: 17) + Array("Xing".utf8) + be32(1) + be32(claimed)
            if let delay {
                var lame = Array("LAME3.100".utf8) + [UInt8](repeating: 0, count: 12)
                lame += [UInt8(delay >> 4), UInt8((delay & 0xF) << 4 | padding >> 8), UInt8(padding & 0xFF)]
                body += lame
            }
            return frame(body)
        }

        static func vbri(claimed: Int) -> [UInt8] {
            frame([UInt8](repeating: 0, count: 32) + Array("VBRI".utf8) + [0, 1, 0, 0, 0, 75] + be32(0) + be32(claimed))
        }

        @Test func xingClaimAndLAMEGapless() {
            let audio = (0..<20).flatMap { _ in Self.frame() }
            let body = Self.xing(claimed: 20, delay: 576, padding: 1_000) + audio
            let m = analyse(body)
            #expect(m.format == .mp3 && m.sampleRate == 44_100 && m.channels == 1)
            #expect(m.audioSeconds == Double(20 * 1_152 - 576 - 1_000) / 44_100)
            #expect(!m.truncated)
            #expect(m.audioBytes == audio.count)  // the Xing frame is not audio
            // One frame short of the claim: truncated, and the padding (at the end) is not taken off.
            let short = analyse(Array(body.dropLast(Self.frameLength)))
            #expect(short.truncated)
            #expect(short.audioSeconds == Double(19 * 1_152 - 576) / 44_100)
            // Cut inside a frame: truncated, the cut frame does not count.
            let cut = analyse(Array(body.dropLast(100)))
            #expect(cut.truncated && cut.audioSeconds == short.audioSeconds)
        }

        @Test func xingWithoutLAMECountsAllAudioFrames() {
            let m = analyse(Self.xing(claimed: 5) + (0..<5).flatMap { _ in Self.frame() })
            #expect(m.audioSeconds == Double(5 * 1_152) / 44_100 && !m.truncated)
        }

        @Test func vbriClaim() {
            let body = Self.vbri(claimed: 8) + (0..<8).flatMap { _ in Self.frame() }
            #expect(analyse(body).audioSeconds == Double(8 * 1_152) / 44_100)
            #expect(!analyse(body).truncated)
            #expect(analyse(Array(body.dropLast(Self.frameLength))).truncated)
        }

        @Test func junkBetweenFramesAndID3v1AreSkipped() {
            let body = (0..<3).flatMap { _ in Self.frame() } + [0x00, 0x12, 0xFF] + Self.frame()
                + Array("TAG".utf8) + [UInt8](repeating: 0x20, count: 125)
            let m = analyse(body)
            #expect(m.audioSeconds == Double(4 * 1_152) / 44_100)
            #expect(!m.truncated && m.warning == nil)
        }

        @Test func rf64TakesTheDataSizeFromDS64() {
            let pcm = SyntheticAudio.pcm(millis: 100, rate: 16_000)
            func rf64(declared: Int) -> [UInt8] {
                func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(v >> (8 * $0) & 0xFF) } }
                var h = Array("RF64".utf8) + [0xFF, 0xFF, 0xFF, 0xFF] + Array("WAVE".utf8)
                h += Array("ds64".utf8) + [28, 0, 0, 0] + le64(0) + le64(declared) + le64(0) + [0, 0, 0, 0]
                let plain = SyntheticAudio.wavHeader(rate: 16_000)
                h += plain[12..<36]  // the fmt chunk
                h += Array("data".utf8) + [0xFF, 0xFF, 0xFF, 0xFF]
                return h + pcm
            }
            let exact = analyse(rf64(declared: pcm.count))
            #expect(exact.audioSeconds == 0.1 && !exact.truncated)
            #expect(analyse(rf64(declared: pcm.count + 320)).truncated)
        }
    }
}
