import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// TTFA, gaps, chunks and the real-time player, with synthetic arrival times (exact, in µs).
    @Suite struct PlaybackTimingTests {
        let ms: Int64 = 1_000

        /// Header at 50 ms, PCM (100 ms of audio each) at 120, 200, 300, then a 300 ms gap, 600 and 620 ms.
        @Test func streamingWAVSchedule() {
            let rate = 16_000
            let header = SyntheticAudio.wavHeader(rate: rate)
            let pieces = [header] + (0..<5).map { SyntheticAudio.pcm(millis: 100, rate: rate, seed: $0) }
            let times: [Int64] = [50, 120, 200, 300, 600, 620].map { $0 * ms }
            let m = analyse(pieces.flatMap { $0 }, chunks: pieces.map(\.count), times: times, requestStart: 0)
            #expect(m.format == .wav)
            #expect(m.ttfaMicros == 120 * ms)  // the first PCM byte, not the header
            #expect(m.maxGapMicros == 300 * ms)
            #expect(m.chunks == 6)
            // Player: starts at 120 with 100 ms, runs dry at 420 (320 + 100), next audio at 600.
            #expect(m.underrunMicros == 180 * ms)
            #expect(m.stalls == 1)
            #expect(m.audioSeconds == 0.5)
            #expect(m.elapsedMicros == 620 * ms)
            #expect(m.rtf == 0.62 / 0.5)
            #expect(abs((m.rtfx ?? 0) - 0.5 / 0.62) < 1e-12)
            #expect(!m.truncated)
            #expect(m.charactersPerSecond(characters: 62) == 100)
        }

        @Test func headerAndFirstAudioInOneChunkAndRequestStartOffset() {
            let body = SyntheticAudio.wavHeader(rate: 8_000) + SyntheticAudio.pcm(millis: 50, rate: 8_000)
            let m = analyse(body, chunks: [40, body.count - 40], times: [1_000 * ms + 30 * ms, 1_000 * ms + 45 * ms],
                            requestStart: 1_000 * ms)
            // The header's last 4 bytes (data size) arrive at 45 ms with the first PCM byte.
            #expect(m.ttfaMicros == 45 * ms)
            #expect(m.maxGapMicros == 15 * ms)
        }

        @Test func nonStreamingReplyIsOneChunkWithoutUnderrun() {
            let body = SyntheticAudio.wavHeader(rate: 22_050, dataSize: UInt32(22_050 * 2)) + SyntheticAudio.pcm(millis: 1_000, rate: 22_050)
            let whole = analyse(body, times: [300 * ms], requestStart: 0)
            #expect(whole.chunks == 1)
            #expect(whole.underrunMicros == 0 && whole.stalls == 0)
            #expect(whole.ttfaMicros == 300 * ms)
            // The same body handed over in 16 KiB callbacks 50 µs apart is still one chunk.
            let sizes = stride(from: 0, to: body.count, by: 16_384).map { min(16_384, body.count - $0) }
            let split = analyse(body, chunks: sizes, times: sizes.indices.map { 300 * ms + Int64($0) * 50 }, requestStart: 0)
            #expect(split.chunks == 1)
            #expect(split.underrunMicros == 0)
            #expect(split.audioSeconds == 1.0)
        }

        @Test func pcmPlayedExactlyInRealTimeNeverStalls() {
            let rate = 16_000  // 32 bytes per ms
            let body = SyntheticAudio.pcm(millis: 100, rate: rate)
            let forced = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: rate), requestedFormat: nil)
            let onTime = analyse(body, chunks: Array(repeating: 32, count: 100), times: (0..<100).map { Int64($0) * ms },
                                 expectation: forced)
            #expect(onTime.underrunMicros == 0 && onTime.stalls == 0)
            #expect(onTime.ttfaMicros == 0)
            // 10% slower than real time: every chunk after the first finds the player 100 µs dry.
            let slow = analyse(body, chunks: Array(repeating: 32, count: 100), times: (0..<100).map { Int64($0) * 1_100 },
                               expectation: forced)
            #expect(slow.underrunMicros == 99 * 100)
            #expect(slow.stalls == 99)
            #expect(slow.maxGapMicros == 1_100)
        }

        @Test func mp3TTFAIsFirstAudioFrameNotID3OrXing() throws {
            let bytes = try Corpus.shared.bytes(try Corpus.shared.vbrMP3)
            // Find the ID3v2 size, then the Xing frame; the first audio frame follows it.
            #expect(bytes.starts(with: Array("ID3".utf8)))
            let id3 = 10 + (Int(bytes[6]) << 21 | Int(bytes[7]) << 14 | Int(bytes[8]) << 7 | Int(bytes[9]))
            let xing = try #require(MPEGFrameHeader(bytes[id3], bytes[id3 + 1], bytes[id3 + 2], bytes[id3 + 3]))
            let firstAudio = id3 + xing.length
            #expect(MPEGFrameHeader(bytes[firstAudio], bytes[firstAudio + 1], bytes[firstAudio + 2], bytes[firstAudio + 3]) != nil)
            // ID3 at 10 ms, the Xing frame at 30 ms, the first audio frame's first 2 bytes at 40 ms, the rest at 90 ms.
            let sizes = [id3, xing.length, 2, bytes.count - firstAudio - 2]
            let m = analyse(bytes, chunks: sizes, times: [10, 30, 40, 90].map { $0 * ms })
            #expect(m.ttfaMicros == 40 * ms)
        }

        @Test func opusTTFAIsFirstAudioPacket() throws {
            let bytes = try Corpus.shared.bytes(try Corpus.shared.speechOpus)
            // Ogg pages: OpusHead page, OpusTags page(s), then audio. Split at the start of the third page.
            var starts: [Int] = []
            var k = 0
            while k + 27 <= bytes.count, starts.count < 3 {
                starts.append(k)
                let n = Int(bytes[k + 26])
                k += 27 + n + bytes[(k + 27)..<(k + 27 + n)].reduce(0) { $0 + Int($1) }
            }
            let sizes = [starts[2], 30, bytes.count - starts[2] - 30]
            let m = analyse(bytes, chunks: sizes, times: [10, 55, 70].map { $0 * ms })
            // The third page's header (27 + segment table) is not audio: its first packet byte comes at 70 ms
            // unless the segment table is shorter than 3 bytes.
            let segments = Int(bytes[starts[2] + 26])
            #expect(m.ttfaMicros == (27 + segments < 30 ? 55 : 70) * ms)
            #expect(m.format == .opus)
        }

        @Test func reusedAnalyzerStartsClean() throws {
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: true)
            let first = analyse(try Corpus.shared.bytes(try Corpus.shared.cbrMP3), analyzer: a)
            let wav = try Corpus.shared.bytes(try Corpus.shared.speechWAV)
            let second = analyse(wav, analyzer: a)
            #expect(first.format == .mp3)
            #expect(second == analyse(wav))
        }

        /// Parsers are reset when a body picks them, not by `reset`: a format met again after
        /// others, or after a body that was not audio, must measure as on a fresh analyzer.
        @Test func everyFormatAfterEveryOtherMeasuresAsFresh() throws {
            let c = try Corpus.shared
            let bodies = [try c.bytes(try c.speechWAV), try c.bytes(try c.cbrMP3), try c.bytes(try c.speechOpus),
                          Array("<html>not audio</html>".utf8), try c.bytes(try c.stereoWAV), try c.bytes(try c.vbrMP3)]
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: true)
            for round in 0..<2 {
                for (i, body) in bodies.enumerated() {
                    let chunks = [min(3, body.count), body.count - min(3, body.count)].filter { $0 > 0 }
                    #expect(analyse(body, chunks: chunks, analyzer: a) == analyse(body, chunks: chunks), "round \(round), body \(i)")
                }
            }
        }
    }
}
