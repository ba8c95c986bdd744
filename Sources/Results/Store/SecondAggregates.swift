import Foundation
import GRDB

/// Per-second, per-label counts and histograms of samples, by the second in which each ended.
///
/// Values are kept as plain arrays until written and turned into one histogram at a time: an
/// HdrHistogram of this range takes ~190 KB, so thousands of live ones would not fit in memory.
struct SecondAggregates {
    struct Key: Hashable {
        var second: Int64
        var label: String
    }

    struct Bucket {
        var count = 0
        var errors = 0
        var bytesReceived: Int64 = 0
        var latency: [Int64] = []
        var ttfa: [Int64] = []
        var rtfMilli: [Int64] = []
    }

    var buckets: [Key: Bucket] = [:]

    mutating func add(_ s: Sample) {
        let key = Key(second: s.end / 1_000_000, label: s.label)
        var b = buckets.removeValue(forKey: key) ?? Bucket()
        b.count += 1
        if !s.success { b.errors += 1 }
        b.bytesReceived += s.bytesReceived
        b.latency.append(s.elapsed)
        if let a = s.audio {
            if let t = a.ttfa { b.ttfa.append(t) }
            if let r = a.rtf { b.rtfMilli.append(Int64((r * 1_000).rounded())) }
        }
        buckets[key] = b
    }

    /// Writes every bucket, merging into a row an earlier batch wrote for the same second and label.
    func write(run id: Int64, db: Database) throws {
        for (key, b) in buckets {
            var latency = LatencyHistogram(), ttfa = LatencyHistogram(), rtf = LatencyHistogram()
            for v in b.latency { latency.record(v) }
            for v in b.ttfa { ttfa.record(v) }
            for v in b.rtfMilli { rtf.record(v) }
            var count = b.count, errors = b.errors, bytes = b.bytesReceived
            if let row = try Row.fetchOne(db, sql: """
                SELECT count, errors, bytes_received, latency_histogram, ttfa_histogram, rtf_milli_histogram
                FROM second_aggregates WHERE run_id = ? AND second = ? AND label = ?
                """, arguments: [id, key.second, key.label]) {
                count += row["count"] as Int
                errors += row["errors"] as Int
                bytes += row["bytes_received"] as Int64
                latency.add(try HistogramEncoding.decode([UInt8](row["latency_histogram"] as Data)))
                ttfa.add(try HistogramEncoding.decode([UInt8](row["ttfa_histogram"] as Data)))
                rtf.add(try HistogramEncoding.decode([UInt8](row["rtf_milli_histogram"] as Data)))
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO second_aggregates (run_id, second, label, count, errors, bytes_received,
                    latency_histogram, ttfa_histogram, rtf_milli_histogram)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, key.second, key.label, count, errors, bytes, Data(HistogramEncoding.encode(latency)),
                                 Data(HistogramEncoding.encode(ttfa)), Data(HistogramEncoding.encode(rtf))])
        }
    }
}
