import Foundation
import GRDB
import Plan

/// Many runs in one SQLite file (default `reports/ttsload.sqlite`; schema in docs/results.md).
///
/// WAL mode, so a report can read while a run writes; samples go in batched transactions. Opening
/// the store marks runs left `running` by a process that is gone as `interrupted` (never complete).
public final class ResultStore: Sendable {
    /// What a run is when its row is written or last updated.
    public enum Status: String, Sendable, CaseIterable {
        case running, complete, interrupted, failed
        /// A distributed run that lost an agent on the way (the others' samples are complete).
        case degraded
        /// A threshold with `abort: true` failed and stopped the load.
        case aborted
        /// `stop_when` ended a stepped load after a step.
        case stopped
    }

    /// The facts of a run known at its start.
    public struct RunInfo: Sendable {
        public var planName: String
        public var planYAML: String
        public var target: String
        public var startedMicros: Int64
        public var toolVersion: String
        public var host: String
        /// Where the samples came from (a run folder, an imported JTL).
        public var source: String

        public init(planName: String, planYAML: String = "", target: String = "", startedMicros: Int64,
                    toolVersion: String = "", host: String = ProcessInfo.processInfo.hostName, source: String = "") {
            self.planName = planName
            self.planYAML = planYAML
            self.target = target
            self.startedMicros = startedMicros
            self.toolVersion = toolVersion
            self.host = host
            self.source = source
        }
    }

    /// Samples per transaction: large enough that commits do not dominate, small enough that a
    /// reader never waits long.
    public static let batchSize = 10_000

    /// How long a write waits for another process's write to finish before it fails with "database is locked".
    public static let busyTimeout: TimeInterval = 30

    /// Schema migrations are tried this many times (another process may be migrating the same new store).
    static let migrationAttempts = 3

    let pool: DatabasePool

    /// Opens (creating if needed) the store at `path`, brings its schema up to date and marks
    /// abandoned runs interrupted. A write waits up to `busyTimeout` seconds for another process's.
    public init(path: String, busyTimeout: TimeInterval = ResultStore.busyTimeout) throws {
        let directory = parentDirectory(of: path)
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = Configuration()
        // Several processes may write one store at once (two runs and an import): SQLite lets one
        // write at a time, and without a timeout the others fail at once with SQLITE_BUSY ("database
        // is locked"). They wait instead; 30 s is far beyond the longest write of a run's batch, and an
        // import holds the lock for its whole file, which the waiting runs keep queued meanwhile.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // WAL makes each commit an append; NORMAL sync is durable across process crashes.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Write path (bench/store-ingest.sh): sorting and temporary b-trees in memory, and a page
            // cache of 16 MB instead of 2 MB so the samples table's and index's right edges stay cached
            // while a batch or an import goes in. Neither changes what is on disk or when it is synced.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // Checkpoints every 40 MB of WAL instead of 4 MB: the pages a run rewrites at every commit
            // (the right edges of the samples table and its index) reach the database file once per
            // checkpoint, and there are fewer syncs (+7% samples/s, bench/store-ingest.sh; medians of 3:
            // 290k at 1,000 pages, 304k at 4,000, 310k at 10,000). The WAL file is cut back to 64 MB
            // after a checkpoint, so it never stays larger than that.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        pool = try DatabasePool(path: path, configuration: configuration)  // DatabasePool is always WAL
        // Two processes opening a new store at once both read its migrations as unapplied; each
        // migration runs in its own immediate transaction, so the second one's re-run fails (its
        // identifier is already recorded) and rolls back. Reading the applied list again then
        // finds nothing or the rest to do.
        for attempt in 1...Self.migrationAttempts {
            do {
                try StoreSchema.migrator.migrate(pool)
                break
            } catch where attempt < Self.migrationAttempts {
                continue
            }
        }
        try markAbandonedRuns()
    }

    /// Inserts a run as `running` with this process's pid; returns its id.
    public func beginRun(_ info: RunInfo, pid: Int32 = ProcessInfo.processInfo.processIdentifier) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (plan_name, plan_yaml, target, started_us, status, pid, tool_version, host, source)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)
                """, arguments: [info.planName, info.planYAML, info.target, info.startedMicros, pid, info.toolVersion,
                                 info.host, info.source])
            return db.lastInsertedRowID
        }
    }

    /// Sets a run's final status and end time.
    public func finishRun(_ id: Int64, status: Status, endedMicros: Int64, verdict: String? = nil) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, ended_us = ?, verdict = ? WHERE id = ?",
                           arguments: [status.rawValue, endedMicros, verdict, id])
        }
    }

    /// Records a run's steps; `t0` is the wall-clock µs of schedule time 0.
    public func addSteps(_ profile: LoadProfile, run id: Int64, t0: Int64) throws {
        try pool.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO steps (run_id, group_name, step_index, level, unit, start_us, hold_start_us, end_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func us(_ s: Double) -> Int64 { t0 + Int64((s * 1_000_000).rounded()) }
            for group in profile.groups {
                for step in group.steps {
                    try statement.execute(arguments: [id, group.name, step.index, step.level, group.isOpen ? "req/s" : "users",
                                                      us(step.start), us(step.holdStart), us(step.end)])
                }
            }
        }
    }

    /// Inserts samples in transactions of `batchSize`, each with the per-second aggregates of its samples
    /// (merged with rows earlier batches or calls wrote), so a run can add its samples as they come.
    public func addSamples(_ samples: [Sample], run id: Int64) throws {
        var start = 0
        while start < samples.count {
            let batch = samples[start..<min(samples.count, start + Self.batchSize)]
            try pool.write { db in try Self.insert(batch, run: id, db: db) }
            start += Self.batchSize
        }
    }

    /// Writes a whole run in ONE transaction: the run row, what `body` adds through the writer, and
    /// the final status. When `body` throws, the transaction is rolled back and the store holds no
    /// trace of the run (`ttsload import`: a bad line leaves nothing half-imported).
    public func writeRun(_ info: RunInfo, body: (RunWriter) throws -> Void) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (plan_name, plan_yaml, target, started_us, status, pid, tool_version, host, source)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)
                """, arguments: [info.planName, info.planYAML, info.target, info.startedMicros,
                                 ProcessInfo.processInfo.processIdentifier, info.toolVersion, info.host, info.source])
            let writer = try RunWriter(runID: db.lastInsertedRowID, db: db)
            try body(writer)
            try writer.flush()
            try db.execute(sql: "UPDATE runs SET status = ?, started_us = ?, ended_us = ? WHERE id = ?",
                           arguments: [writer.status.rawValue, writer.startedMicros ?? info.startedMicros,
                                       writer.endedMicros ?? info.startedMicros, writer.runID])
            return writer.runID
        }
    }

    /// One batch of samples and its per-second aggregates, inside the caller's transaction.
    static func insert(_ batch: some Collection<Sample>, run id: Int64, db: Database) throws {
        try SampleRowBinder(db: db).insert(batch, run: id)
        var aggregates = SecondAggregates()
        // By index: the element is borrowed, where `for s in` copies each Sample (a retain per String field).
        for i in batch.indices { aggregates.add(batch[i]) }
        try aggregates.write(run: id, db: db)
    }

    /// Runs, newest first: (id, plan name, status, pid).
    public func runs() throws -> [(id: Int64, planName: String, status: String, pid: Int32?)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, plan_name, status, pid FROM runs ORDER BY id DESC").map {
                (id: $0["id"], planName: $0["plan_name"], status: $0["status"], pid: $0["pid"])
            }
        }
    }

    /// Runs a read-only SQL query; values as text (NULL as nil, blobs as `<N bytes>`), for tests and inspection.
    public func query(_ sql: String) throws -> [[String: String?]] {
        try pool.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                var out: [String: String?] = [:]
                for (column, value) in row {
                    switch value.storage {
                    case .null: out[column] = .some(nil)
                    case .int64(let v): out[column] = String(v)
                    case .double(let v): out[column] = String(v)
                    case .string(let v): out[column] = v
                    case .blob(let v): out[column] = "<\(v.count) bytes>"
                    }
                }
                return out
            }
        }
    }

    /// The per-second latency histograms of a run merged per label (the store's percentile source).
    public func latencyByLabel(run id: Int64) throws -> [String: LatencyHistogram] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT label, latency_histogram FROM second_aggregates WHERE run_id = ?", arguments: [id])
        }
        var out: [String: LatencyHistogram] = [:]
        for row in rows {
            let bytes: Data = row["latency_histogram"]
            out[row["label"] as String, default: LatencyHistogram()].add(try HistogramEncoding.decode([UInt8](bytes)))
        }
        return out
    }

    /// A per-second histogram column merged per label: `chunk_gap_histogram` (every gap between
    /// chunks), `nth_chunk_histogram`, `audio_ready_histogram`, `ttfa_histogram` ... (µs). Rows
    /// written before the column existed (NULL) add nothing.
    public func histogramByLabel(run id: Int64, column: AggregateHistogram) throws -> [String: LatencyHistogram] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT label, \(column.rawValue) AS h FROM second_aggregates WHERE run_id = ?", arguments: [id])
        }
        var out: [String: LatencyHistogram] = [:]
        for row in rows {
            guard let bytes = row["h"] as Data? else { continue }
            out[row["label"] as String, default: LatencyHistogram()].add(try HistogramEncoding.decode([UInt8](bytes)))
        }
        return out
    }

    /// The histogram columns of `second_aggregates` (docs/results.md).
    public enum AggregateHistogram: String, Sendable {
        case latency = "latency_histogram", ttfa = "ttfa_histogram", rtfMilli = "rtf_milli_histogram"
        case chunkGap = "chunk_gap_histogram", nthChunk = "nth_chunk_histogram", audioReady = "audio_ready_histogram"
    }

    /// Adds points to a monitor series of a run (host CPU, the target's /metrics...). `points` are
    /// (wall-clock µs, value); NaN values are left out.
    public func addMonitorPoints(run id: Int64, name: String, points: [(micros: Int64, value: Double)]) throws {
        try addMonitorSeries(run: id, [MonitorSeries(name: name, points: points)])
    }

    /// Adds every point of `series` to a run in one transaction.
    public func addMonitorSeries(run id: Int64, _ series: [MonitorSeries]) throws {
        try pool.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO monitor_series (run_id, name, t_us, value) VALUES (?, ?, ?, ?)")
            for s in series {
                for p in s.points where !p.value.isNaN { try statement.execute(arguments: [id, s.name, p.micros, p.value]) }
            }
        }
    }

    /// The monitor series of a run, by name, each in time order (empty when none were recorded).
    public func monitorSeries(run id: Int64) throws -> [MonitorSeries] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, t_us, value FROM monitor_series WHERE run_id = ? ORDER BY name, t_us",
                             arguments: [id])
        }
        var series: [MonitorSeries] = []
        for row in rows {
            let name: String = row["name"]
            if series.last?.name != name { series.append(MonitorSeries(name: name, points: [])) }
            series[series.count - 1].points.append((row["t_us"], row["value"]))
        }
        return series
    }

    /// The newest run whose `source` is `source` (a run folder's absolute path, or `import PATH`).
    public func latestRun(source: String) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM runs WHERE source = ? ORDER BY id DESC LIMIT 1", arguments: [source])
        }
    }

    /// Marks `running` runs whose process is gone as `interrupted`.
    func markAbandonedRuns() throws {
        try pool.write { db in
            let running = try Row.fetchAll(db, sql: "SELECT id, pid FROM runs WHERE status = 'running'")
            for row in running {
                let pid: Int32? = row["pid"]
                guard let pid, !Self.processExists(pid) else { continue }
                try db.execute(sql: "UPDATE runs SET status = 'interrupted' WHERE id = ?", arguments: [row["id"] as Int64])
            }
        }
    }

    /// Whether a process with `pid` exists (signal 0 checks without sending anything; EPERM means it exists).
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
