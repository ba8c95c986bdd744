import GRDB
import GRDBSQLite

/// Inserts sample rows through SQLite's C API: the store's one hot loop (a million rows per
/// import). GRDB's `StatementArguments` box every value in an existential, which cost more than
/// SQLite's own work; binding typed values directly does not. The only file that calls sqlite3_*.
///
/// Rows go `rowsPerStatement` to one multi-row INSERT, and texts are bound SQLITE_STATIC from one
/// byte arena filled per statement (bench/store-ingest.sh, docs/results.md "Ingest speed": one row
/// per statement with SQLITE_TRANSIENT, six mallocs and a step per row, ran at 204k samples/s).
final class SampleRowBinder {
    /// Rows per multi-row INSERT: 64 x 27 = 1,728 parameters (SQLite >= 3.32 allows 32,766).
    static let rowsPerStatement = 64
    static let columnCount: Int32 = 27

    let db: Database
    /// `rowsPerStatement` rows, and one row for the rest of a batch.
    private let many: SQLiteStatement
    private let one: SQLiteStatement
    private let statements: [Statement]
    /// The texts of the rows being bound: stays put (never reallocated) from the first bind until
    /// the step, which is what SQLITE_STATIC asks.
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int

    init(db: Database) throws {
        self.db = db
        func sql(rows: Int) -> String {
            let row = "(" + Array(repeating: "?", count: Int(Self.columnCount)).joined(separator: ",") + ")"
            return """
                INSERT INTO samples (run_id, start_us, elapsed_us, service_elapsed_us, latency_us, connect_us, tls_us,
                    bytes_received, bytes_sent, status, success, error_class, label, group_name, user_number,
                    group_threads, all_threads, response_message, failure_message, audio_seconds, ttfa_us, rtf,
                    max_gap_us, underrun_us, agent, nth_chunk_us, audio_ready_us)
                VALUES \(Array(repeating: row, count: rows).joined(separator: ","))
                """
        }
        // GRDB's cache keeps the prepared statements for the connection: made once per process.
        let manyStatement = try db.cachedStatement(sql: sql(rows: Self.rowsPerStatement))
        let oneStatement = try db.cachedStatement(sql: sql(rows: 1))
        statements = [manyStatement, oneStatement]
        many = manyStatement.sqliteStatement
        one = oneStatement.sqliteStatement
        arenaCapacity = 1 << 16
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
    }

    deinit { arena.deallocate() }

    /// Inserts `batch`, samples of run `id` (columns named in the statement above; docs/results.md).
    func insert(_ batch: some Collection<Sample>, run id: Int64) throws {
        var rest = batch[...]
        while !rest.isEmpty {
            let n = rest.count >= Self.rowsPerStatement ? Self.rowsPerStatement : 1
            let end = rest.index(rest.startIndex, offsetBy: n)
            try insert(rows: rest[rest.startIndex..<end], statement: n == 1 ? one : many, run: id)
            rest = rest[end...]
        }
    }

    private func insert(rows: some Collection<Sample>, statement stmt: SQLiteStatement, run id: Int64) throws {
        var bytes = 0
        // By index rather than `for s in`, which copied each Sample (a retain and a release per String
        // field): with the same change in the aggregates' loops, +3% samples/s (bench/store-ingest.sh).
        for i in rows.indices {
            let s = rows[i]
            bytes += (s.errorClass?.rawValue.utf8.count ?? 0) + s.label.utf8.count + s.groupName.utf8.count
                + s.responseMessage.utf8.count + s.failureMessage.utf8.count + s.agent.utf8.count
        }
        if bytes > arenaCapacity {
            arena.deallocate()
            arenaCapacity = max(bytes, arenaCapacity * 2)
            arena = .allocate(byteCount: arenaCapacity, alignment: 8)
        }
        let base = arena
        var used = 0
        var column: Int32 = 0
        func int(_ v: Int64) { column += 1; sqlite3_bind_int64(stmt, column, v) }
        func null() { column += 1; sqlite3_bind_null(stmt, column) }
        func double(_ v: Double) { column += 1; sqlite3_bind_double(stmt, column, v) }
        func text(_ v: String) {
            column += 1
            var v = v
            let count = v.withUTF8 { utf8 -> Int in
                if let from = utf8.baseAddress { (base + used).copyMemory(from: from, byteCount: utf8.count) }
                return utf8.count
            }
            sqlite3_bind_text(stmt, column, (base + used).assumingMemoryBound(to: CChar.self), Int32(count), nil)  // nil: SQLITE_STATIC
            used += count
        }
        for i in rows.indices {
            let s = rows[i]
            int(id); int(s.start); int(s.elapsed); int(s.serviceElapsed); int(s.latency); int(s.connect)
            int(s.tls); int(s.bytesReceived); int(s.bytesSent); int(Int64(s.status)); int(s.success ? 1 : 0)
            if let e = s.errorClass { text(e.rawValue) } else { null() }
            text(s.label); text(s.groupName); int(Int64(s.userNumber)); int(Int64(s.groupThreads))
            int(Int64(s.allThreads)); text(s.responseMessage); text(s.failureMessage)
            if let a = s.audio {
                if let v = a.audioSeconds { double(v) } else { null() }
                if let v = a.ttfa { int(v) } else { null() }
                if let v = a.rtf { double(v) } else { null() }
                int(a.maxGap); int(a.underrun)
            } else {
                null(); null(); null(); null(); null()
            }
            text(s.agent)
            if let v = s.audio?.nthChunk { int(v) } else { null() }
            if let v = s.audio?.audioReady { int(v) } else { null() }
        }
        let code = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        // The bindings keep pointing into the arena after the step, but no step reads them again:
        // every parameter is bound anew before the next one (no sqlite3_clear_bindings, 1% of an import).
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
