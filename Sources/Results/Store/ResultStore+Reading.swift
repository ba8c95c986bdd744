import Foundation
import GRDB

/// Reading runs back: what `ttsload compare` and `ttsload history` need.
extension ResultStore {
    /// A run's row.
    public struct StoredRun: Sendable {
        public var id: Int64
        public var planName: String
        public var planYAML: String
        public var target: String
        public var startedMicros: Int64
        public var endedMicros: Int64?
        public var status: String
        public var source: String
    }

    /// One step of a run as recorded (wall-clock µs).
    public struct StoredStep: Sendable {
        public var groupName: String
        public var index: Int
        public var level: Double
        public var unit: String
        public var startMicros: Int64, holdStartMicros: Int64, endMicros: Int64
    }

    /// Key figures of a run for `ttsload history`, from its samples and per-second histograms.
    public struct RunFigures: Sendable {
        public var samples: Int
        public var errors: Int
        /// Seconds from the first sample's start to the last one's end.
        public var seconds: Double
        public var latency: LatencyHistogram
        public var requestsPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
        public var errorRate: Double { samples > 0 ? Double(errors) / Double(samples) : 0 }
    }

    /// The run with `id`, nil when there is none.
    public func run(_ id: Int64) throws -> StoredRun? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.storedRun)
        }
    }

    /// Runs of the plan named `planName`, oldest first.
    public func runs(planName: String) throws -> [StoredRun] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE plan_name = ? ORDER BY started_us, id", arguments: [planName])
                .map(Self.storedRun)
        }
    }

    /// The steps of a run, by group and index.
    public func steps(run id: Int64) throws -> [StoredStep] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY id", arguments: [id]).map { row in
                StoredStep(groupName: row["group_name"], index: row["step_index"], level: row["level"], unit: row["unit"],
                           startMicros: row["start_us"], holdStartMicros: row["hold_start_us"], endMicros: row["end_us"])
            }
        }
    }

    /// Every sample of a run, in start order. The store keeps no content type, URL, body size or
    /// chunk counts, so those come back empty (as from a JTL); group indices follow the order in
    /// which group names first appear.
    public func samples(run id: Int64) throws -> [Sample] {
        try pool.read { db in
            var groups: [String: Int] = [:]
            var out: [Sample] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM samples WHERE run_id = ? ORDER BY start_us", arguments: [id])
            while let row = try cursor.next() {
                let groupName: String = row["group_name"]
                let groupIndex = groups[groupName] ?? groups.count
                groups[groupName] = groupIndex
                let audioSeconds: Double? = row["audio_seconds"]
                let errorClass: String? = row["error_class"]
                let audio = audioSeconds.map { seconds in
                    AudioFigures(format: "unknown", audioSeconds: seconds, ttfa: row["ttfa_us"], chunks: 0,
                                 maxGap: row["max_gap_us"] ?? 0, underrun: row["underrun_us"] ?? 0, stalls: 0, rtf: row["rtf"],
                                 characters: nil, truncated: false, nthChunk: row["nth_chunk_us"], audioReady: row["audio_ready_us"])
                }
                out.append(Sample(
                    start: row["start_us"], elapsed: row["elapsed_us"], serviceElapsed: row["service_elapsed_us"],
                    latency: row["latency_us"], connect: row["connect_us"], tls: row["tls_us"],
                    bytesReceived: row["bytes_received"], bytesSent: row["bytes_sent"], status: row["status"],
                    responseMessage: row["response_message"], success: row["success"], failureMessage: row["failure_message"],
                    errorClass: errorClass.flatMap(ErrorClass.init(rawValue:)), label: row["label"], groupIndex: groupIndex,
                    groupName: groupName, userNumber: row["user_number"], groupThreads: row["group_threads"],
                    allThreads: row["all_threads"], audio: audio))
            }
            return out
        }
    }

    /// Counts from the samples table, percentiles from the per-second histograms merged.
    public func figures(run id: Int64) throws -> RunFigures {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, COALESCE(SUM(NOT success), 0) AS errors, MIN(start_us) AS first,
                       MAX(start_us + elapsed_us) AS last FROM samples WHERE run_id = ?
                """, arguments: [id])
        }
        var latency = LatencyHistogram()
        for histogram in try latencyByLabel(run: id).values { latency.add(histogram) }
        let first: Int64? = row?["first"], last: Int64? = row?["last"]
        return RunFigures(samples: row?["n"] ?? 0, errors: row?["errors"] ?? 0,
                          seconds: first.flatMap { f in last.map { Double($0 - f) / 1_000_000 } } ?? 0, latency: latency)
    }

    static func storedRun(_ row: Row) -> StoredRun {
        StoredRun(id: row["id"], planName: row["plan_name"], planYAML: row["plan_yaml"], target: row["target"],
                  startedMicros: row["started_us"], endedMicros: row["ended_us"], status: row["status"], source: row["source"])
    }
}
