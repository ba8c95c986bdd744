import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// The chunk-level figures (every gap between chunks, time to the nth chunk, audio ready) on
    /// synthetic arrival times: exact, in µs.
    @Suite struct ChunkFigureTests {
        let ms: Int64 = 1_000

        /// Header at 50 ms, 100 ms of PCM each at 120, 200, 300, 600, 620 ms, from a request sent at 10 ms.
        func streamed(_ settings: ChunkFigureSettings) -> AudioMeasures {
            let rate = 16_000
            let pieces = [SyntheticAudio.wavHeader(rate: rate)] + (0..<5).map { SyntheticAudio.pcm(millis: 100, rate: rate, seed: $0) }
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: false, chunkFigures: settings)
            return analyse(pieces.flatMap { $0 }, chunks: pieces.map(\.count), times: [50, 120, 200, 300, 600, 620].map { $0 * ms },
                           requestStart: 10 * ms, analyzer: a)
        }

        @Test func everyGapTheNthChunkAndReadyTime() {
            let m = streamed(ChunkFigureSettings(readyMicros: 250_000, nthChunk: 5))
            #expect(m.chunkGapsMicros == [70, 80, 100, 300, 20].map { $0 * ms })
            #expect(m.maxGapMicros == 300 * ms)
            // Chunk 1 is the header (as `chunks` counts), chunk 5 the PCM at 600 ms.
            #expect(m.nthChunkMicros == 590 * ms)
            // 250 ms of audio: 100 at 120, 200 at 200, 300 at 300 ms.
            #expect(m.audioReadyMicros == 290 * ms)
        }

        @Test func readyOnTheExactAmountAndFirstChunk() {
            let m = streamed(ChunkFigureSettings(readyMicros: 200_000, nthChunk: 1))
            #expect(m.audioReadyMicros == 190 * ms)  // exactly 200 ms arrived at 200
            #expect(m.nthChunkMicros == 40 * ms)  // the header at 50
        }

        @Test func emptyWhenTooFewChunksOrTooLittleAudio() {
            let m = streamed(ChunkFigureSettings(readyMicros: 600_000, nthChunk: 7))
            #expect(m.nthChunkMicros == nil)  // 6 chunks
            #expect(m.audioReadyMicros == nil)  // 500 ms of audio
            #expect(m.chunkGapsMicros.count == 5)
        }

        /// Deliveries under 2 ms apart are one chunk: no gap is recorded for them, and the chunk's
        /// start is its first delivery.
        @Test func mergedDeliveriesAreOneChunk() {
            let body = SyntheticAudio.pcm(millis: 400, rate: 8_000)  // 16 bytes per ms
            let forced = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 8_000), requestedFormat: nil)
            let a = AudioStreamAnalyzer(expectation: forced, measureContent: false, chunkFigures: ChunkFigureSettings(readyMicros: 300_000, nthChunk: 2))
            // Four deliveries of 100 ms: 100.0 and 101.5 ms (one chunk), then 150 and 151 ms (another).
            let m = analyse(body, chunks: [1_600, 1_600, 1_600, 1_600], times: [100_000, 101_500, 150_000, 151_000],
                            expectation: forced, analyzer: a)
            #expect(m.chunks == 2)
            #expect(m.chunkGapsMicros == [48_500])
            #expect(m.nthChunkMicros == 150_000)
            #expect(m.audioReadyMicros == 150_000)
        }

        /// A reply in one delivery: no gaps, chunk 1 at its arrival, ready when it holds enough.
        @Test func wholeReply() {
            let body = SyntheticAudio.wavHeader(rate: 22_050, dataSize: UInt32(22_050 * 2)) + SyntheticAudio.pcm(millis: 1_000, rate: 22_050)
            let a = AudioStreamAnalyzer(chunkFigures: .standard)
            let m = analyse(body, times: [300 * ms], requestStart: 0, analyzer: a)
            #expect(m.chunkGapsMicros.isEmpty)
            #expect(m.nthChunkMicros == nil)
            #expect(m.audioReadyMicros == 300 * ms)
        }

        /// The analyzer is reused with `reset`: nothing of the previous body carries over, and the
        /// settings can change between requests.
        @Test func resetClearsAndSettingsChange() {
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: false, chunkFigures: ChunkFigureSettings(readyMicros: 250_000, nthChunk: 5))
            let rate = 16_000
            let pieces = [SyntheticAudio.wavHeader(rate: rate)] + (0..<5).map { SyntheticAudio.pcm(millis: 100, rate: rate, seed: $0) }
            let times = [50, 120, 200, 300, 600, 620].map { $0 * ms }
            _ = analyse(pieces.flatMap { $0 }, chunks: pieces.map(\.count), times: times, analyzer: a)
            a.chunkFigures = ChunkFigureSettings(readyMicros: 100_000, nthChunk: 2)
            let m = analyse(pieces.flatMap { $0 }, chunks: pieces.map(\.count), times: times, analyzer: a)
            #expect(m.chunkGapsMicros == [70, 80, 100, 300, 20].map { $0 * ms })
            #expect(m.nthChunkMicros == 120 * ms)
            #expect(m.audioReadyMicros == 120 * ms)
            let single = analyse(SyntheticAudio.wavHeader(rate: rate) + SyntheticAudio.pcm(millis: 50, rate: rate), times: [5 * ms], analyzer: a)
            #expect(single.chunkGapsMicros.isEmpty && single.nthChunkMicros == nil && single.audioReadyMicros == nil)
        }

        /// MP3 and Opus count as ready only once whole frames and pages are playable, as the player model does.
        @Test func readyFollowsThePlayableAudio() throws {
            let c = try Corpus.shared
            let bytes = try c.bytes(c.speechOpus)
            let a = AudioStreamAnalyzer(chunkFigures: ChunkFigureSettings(readyMicros: 500_000, nthChunk: 3))
            // One byte per ms: the ready time is when the page holding the 500 ms mark completed.
            let m = analyse(bytes, chunks: Array(repeating: 1, count: bytes.count), times: bytes.indices.map { Int64($0) * 3 * ms },
                            analyzer: a)
            let ready = try #require(m.audioReadyMicros)
            #expect(ready > m.ttfaMicros ?? 0)
            #expect(m.chunkGapsMicros.count == bytes.count - 1 && m.chunkGapsMicros.allSatisfy { $0 == 3 * ms })
            #expect(m.nthChunkMicros == 6 * ms)
        }
    }
}
