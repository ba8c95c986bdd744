import Foundation
import GRDB

/// Per-second, per-label counts and histograms of samples, by the second in which each ended.
///
/// Values are kept in sparse histograms (bucket -> count) and encoded from them: a full
/// HdrHistogram of this range takes ~190 KB to make and to walk, per second, label and figure.
struct SecondAggregates {
    struct Key: Hashable {
        var second: Int64
        var label: String
    }

    /// Counted as the run's statistics count (`SampleTally.add`); count, errors, bytes and the
    /// latency, TTFA and RTF histograms are stored.
    typealias Bucket = SampleTally<SparseHistogram>

    var buckets: [Key: Bucket] = [:]

    mutating func add(_ s: Sample) {
        // Mutated in place: no copy of the bucket's dictionaries per sample.
        buckets[Key(second: s.end / 1_000_000, label: s.label), default: Bucket()].add(s)
    }

    /// Writes the buckets of seconds before `second` and drops them (all of them when nil): an
    /// import keeps the seconds still filling, so each is read back and merged about once rather
    /// than once per batch. Rows that come later for a written second are still merged.
    mutating func write(run id: Int64, db: Database, before second: Int64?) throws {
        guard let second else {
            try write(run: id, db: db)
            buckets.removeAll()
            return
        }
        var done = SecondAggregates()
        for (key, b) in buckets where key.second < second { done.buckets[key] = b }
        guard !done.buckets.isEmpty else { return }
        for key in done.buckets.keys { buckets[key] = nil }
        try done.write(run: id, db: db)
    }

    /// Writes every bucket, merging into a row an earlier batch wrote for the same second and label.
    func write(run id: Int64, db: Database) throws {
        for (key, b) in buckets {
            var latency = b.latency, ttfa = b.ttfa, rtf = b.rtfMilli
            var gap = b.chunkGap, nth = b.nthChunk, ready = b.audioReady
            var count = b.count, errors = b.errors, bytes = b.bytesReceived
            if let row = try Row.fetchOne(db, sql: """
                SELECT count, errors, bytes_received, latency_histogram, ttfa_histogram, rtf_milli_histogram,
                    chunk_gap_histogram, nth_chunk_histogram, audio_ready_histogram
                FROM second_aggregates WHERE run_id = ? AND second = ? AND label = ?
                """, arguments: [id, key.second, key.label]) {
                count += row["count"] as Int
                errors += row["errors"] as Int
                bytes += row["bytes_received"] as Int64
                latency.add(try HistogramEncoding.decodeSparse([UInt8](row["latency_histogram"] as Data)))
                ttfa.add(try HistogramEncoding.decodeSparse([UInt8](row["ttfa_histogram"] as Data)))
                rtf.add(try HistogramEncoding.decodeSparse([UInt8](row["rtf_milli_histogram"] as Data)))
                // NULL in rows a store written before v6 holds.
                if let d = row["chunk_gap_histogram"] as Data? { gap.add(try HistogramEncoding.decodeSparse([UInt8](d))) }
                if let d = row["nth_chunk_histogram"] as Data? { nth.add(try HistogramEncoding.decodeSparse([UInt8](d))) }
                if let d = row["audio_ready_histogram"] as Data? { ready.add(try HistogramEncoding.decodeSparse([UInt8](d))) }
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO second_aggregates (run_id, second, label, count, errors, bytes_received,
                    latency_histogram, ttfa_histogram, rtf_milli_histogram, chunk_gap_histogram, nth_chunk_histogram,
                    audio_ready_histogram)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, key.second, key.label, count, errors, bytes, Data(HistogramEncoding.encode(latency)),
                                 Data(HistogramEncoding.encode(ttfa)), Data(HistogramEncoding.encode(rtf)),
                                 Data(HistogramEncoding.encode(gap)), Data(HistogramEncoding.encode(nth)),
                                 Data(HistogramEncoding.encode(ready))])
        }
    }
}
