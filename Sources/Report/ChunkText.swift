import Plan
import Results

/// The chunk-level figures per step in the terminal (docs/tts-measures.md, "Chunk-level
/// figures"): a table of its own after the step table, which is already about 100 columns wide.
public enum ChunkText {
    /// Per step's hold: every gap between chunks (p50/p95/p99), time to the nth chunk (p95) and
    /// until `ready_seconds` of audio had arrived (p50/p95); nil when no step saw a streamed reply.
    public static func stepTable(_ statistics: RunStatistics, groupNames: [Int: String], measures: Measures) -> String? {
        guard statistics.steps.contains(where: { $0.stats.chunkGap.count > 0 || $0.stats.audioReady.count > 0 }) else { return nil }
        func ms(_ v: Double?) -> String { v.map { RunText.duration(Int64(($0 * 1_000).rounded())) } ?? "-" }
        let rows = statistics.steps.map { s -> [String] in
            let a = s.stats
            return [groupNames[s.group] ?? "\(s.group)", "\(s.step.index)", RunText.level(s.step.level), String(a.chunkGap.count),
                    ms(a.ms(\.chunkGap, 50)), ms(a.ms(\.chunkGap, 95)), ms(a.ms(\.chunkGap, 99)),
                    ms(a.ms(\.nthChunk, 95)), ms(a.ms(\.audioReady, 50)), ms(a.ms(\.audioReady, 95))]
        }
        let ready = RunText.level(measures.readySeconds)
        return ScheduleText.table(header: ["group", "step", "level", "gaps", "gap p50", "gap p95", "gap p99",
                                           "chunk \(measures.nthChunk) p95", "ready \(ready)s p50", "ready \(ready)s p95"], rows: rows)
    }
}
