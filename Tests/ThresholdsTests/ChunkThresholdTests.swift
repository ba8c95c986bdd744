import Foundation
import Plan
import Results
import Testing
@testable import Thresholds

/// Thresholds on the chunk-level figures: `chunk_gap_` over every gap of every sample (not each
/// sample's largest, which `gap_` judges), `chunk_n_` and `audio_ready_`.
@Suite struct ChunkThresholdTests {
    @Test func everyGapIsJudgedNotTheLargestPerSample() throws {
        #expect(try Threshold.parse("chunk_gap_p95 < 200ms").metric.kind == .percentile(.chunkGap, 95))
        #expect(try Threshold.parse("chunk_n_p50 < 1s").metric.kind == .percentile(.nthChunk, 50))
        #expect(try Threshold.parse("audio_ready_p95 < 1.5s").metric.kind == .percentile(.audioReady, 95))
        #expect(try Threshold.parse("gap_p95 < 200ms").metric.kind == .percentile(.gap, 95))
        // 20 samples, each with 19 gaps of 50 ms and one of 600 ms: 95% of all gaps are 50 ms, while
        // every sample's largest gap is 600 ms.
        let samples = (0..<20).map { i in
            let gaps = Array(repeating: Int64(50_000), count: 19) + [600_000]
            let audio = AudioFigures(format: "wav", audioSeconds: 2, ttfa: 100_000, chunks: 21, maxGap: 600_000, underrun: 0, stalls: 0,
                                     rtf: 0.5, characters: 10, truncated: false, chunkGaps: gaps, nthChunk: 300_000,
                                     audioReady: i < 19 ? 900_000 : 2_000_000)
            return Sample(start: ThresholdJudgeTests.t0 + 2_000_000 + Int64(i) * 10_000, elapsed: 1_000_000, latency: 1_000,
                          status: 200, success: true, label: "g", groupName: "g", audio: audio)
        }
        let v = try ThresholdJudgeTests.judge(["chunk_gap_p95 < 60ms", "gap_p95 < 60ms", "chunk_n_p95 < 310ms",
                                               "audio_ready_p95 < 1s", "audio_ready_max < 1s"], samples).verdict(durationSeconds: 15)
        #expect(v.thresholds.map(\.passed) == [true, false, true, true, false], "\(v.thresholds.map { ($0.expression, $0.value) })")
        #expect(abs(try #require(v.thresholds[0].value) - 0.05) <= 0.05 / 1_000)
    }
}
