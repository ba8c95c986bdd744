import Foundation
import Testing
@testable import Results

/// The chunk-level JTL columns (`audio_ready_ms`, `chunk_n_ms`, `chunk_gaps_ms`) written and read
/// back, files without them still read, and the tally's gap distribution over every gap.
@Suite struct ChunkColumnTests {
    static func sample(_ i: Int, gaps: [Int64], nth: Int64?, ready: Int64?) -> Sample {
        let audio = AudioFigures(format: "wav", audioSeconds: 1.25, ttfa: 120_340, chunks: gaps.count + 1, maxGap: gaps.max() ?? 0,
                                 underrun: 0, stalls: 0, rtf: 0.5, characters: 12, truncated: false, chunkGaps: gaps,
                                 nthChunk: nth, audioReady: ready)
        return Sample(start: 1_700_000_000_000_000 + Int64(i) * 1_000_000, elapsed: 950_000, latency: 1_000, status: 200,
                      success: true, label: "tts", groupName: "g", audio: audio)
    }

    @Test func gapListFormat() {
        #expect(JTLFormat.gapList([]) == "")
        #expect(JTLFormat.gapList([120_000, 49_951, 50_049, 600_000, 30, 0]) == "120.0 50.0 50.0 600.0 0.0 0.0")
        #expect(JTLFormat.gapList([1_234_567_890]) == "1234567.9")
        let parsed = Array("120.0 50.1 7".utf8).withUnsafeBufferPointer { JTLFormat.parseGapList($0) }
        #expect(parsed == [120_000, 50_100, 7_000])
        #expect(Array("1 x".utf8).withUnsafeBufferPointer { JTLFormat.parseGapList($0) } == nil)
        #expect(Array("1 -2".utf8).withUnsafeBufferPointer { JTLFormat.parseGapList($0) } == nil)
    }

    @Test func columnsRoundTripAndOldFilesRead() throws {
        let samples = [Self.sample(0, gaps: [120_040, 50_000, 600_020], nth: 870_310, ready: 220_480),
                       Self.sample(1, gaps: [], nth: nil, ready: nil),
                       Self.sample(2, gaps: [30_000], nth: nil, ready: 1_000_000)]
        var text = JTLFormat.header(variables: JTLFormat.audioVariables) + "\n"
        for s in samples { text += JTLFormat.row(s, variables: JTLFormat.audioValues(s)) + "\n" }
        #expect(text.contains(",1.250,120.3,600.0,0.0,0.5000,12,220.5,870.3,120.0 50.0 600.0\n"), "\(text)")
        let read = try JTLSampleReader.parse(Data(text.utf8)).samples
        try #require(read.count == 3)
        #expect(read[0].audio?.chunkGaps == [120_000, 50_000, 600_000])
        #expect(read[0].audio?.nthChunk == 870_300 && read[0].audio?.audioReady == 220_500)
        #expect(read[1].audio?.chunkGaps == [] && read[1].audio?.nthChunk == nil && read[1].audio?.audioReady == nil)
        #expect(read[2].audio?.audioReady == 1_000_000 && read[2].audio?.chunkGaps == [30_000])

        // A file written before the chunk columns: six TTS columns, the same rows cut after them.
        var old = JTLFormat.header(variables: Array(JTLFormat.audioVariables.prefix(6))) + "\n"
        for s in samples { old += JTLFormat.row(s, variables: Array(JTLFormat.audioValues(s).prefix(6))) + "\n" }
        let oldRead = try JTLSampleReader.parse(Data(old.utf8)).samples
        #expect(oldRead.map { $0.audio?.ttfa } == [120_300, 120_300, 120_300])
        #expect(oldRead.allSatisfy { $0.audio?.chunkGaps == [] && $0.audio?.nthChunk == nil && $0.audio?.audioReady == nil })

        // A broken list names its line and column.
        let bad = text.replacingOccurrences(of: "120.0 50.0 600.0", with: "120.0 fifty")
        #expect(throws: JTLReader.Failure.self) { try JTLSampleReader.parse(Data(bad.utf8)) }
        do { _ = try JTLSampleReader.parse(Data(bad.utf8)) } catch {
            #expect("\(error)".contains("chunk_gaps_ms '120.0 fifty'") && "\(error)".contains("2"), "\(error)")
        }
    }

    /// Every gap of every sample goes into the distribution (not one per sample), in every kind of
    /// tally, and merges exactly.
    @Test func tallyRecordsEveryGap() {
        let a = Self.sample(0, gaps: [50_000, 50_000, 50_000, 600_000, 30_000], nth: 870_000, ready: 220_000)
        let b = Self.sample(1, gaps: [40_000], nth: nil, ready: nil)
        var full = SampleStats(), sparse = SampleTally<SparseHistogram>(), raw = SampleTally<RawValues>()
        for s in [a, b] { full.add(s); sparse.add(s); raw.add(s) }
        #expect(full.chunkGap.count == 6 && sparse.chunkGap.count == 6 && raw.chunkGap.count == 6)
        #expect(raw.chunkGap.sorted() == [30_000, 40_000, 50_000, 50_000, 50_000, 600_000])
        #expect(full.nthChunk.count == 1 && full.audioReady.count == 1)
        #expect(full.ms(\.chunkGap, 50) == 50.0 - 0.0 || abs(full.ms(\.chunkGap, 50)! - 50) < 0.05)
        #expect(abs(full.ms(\.chunkGap, 99)! - 600) < 0.6)
        var merged = SampleStats()
        merged.add(sparse)
        #expect(merged.chunkGap.count == 6 && merged.chunkGap.percentile(95) == full.chunkGap.percentile(95))
        #expect(merged.audioReady.percentile(50) == full.audioReady.percentile(50))
        var twice = full
        twice.add(full)
        #expect(twice.chunkGap.count == 12 && twice.nthChunk.count == 2)
    }
}
