import GRDB
import GRDBSQLite

/// Inserts sample rows through SQLite's C API: the store's one hot loop (a million rows per
/// import). GRDB's `StatementArguments` box every value in an existential, which cost more than
/// SQLite's own work; binding typed values directly does not. The only file that calls sqlite3_*.
struct SampleRowBinder {
    let statement: Statement
    let db: Database
    /// Makes SQLite copy text before the call returns (Swift's C string lives only for the call).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(db: Database) throws {
        self.db = db
        statement = try db.makeStatement(sql: """
            INSERT INTO samples (run_id, start_us, elapsed_us, service_elapsed_us, latency_us, connect_us, tls_us,
                bytes_received, bytes_sent, status, success, error_class, label, group_name, user_number,
                group_threads, all_threads, response_message, failure_message, audio_seconds, ttfa_us, rtf,
                max_gap_us, underrun_us, agent)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Binds and inserts one sample of run `id` (columns named in the statement above; docs/results.md).
    func insert(_ s: Sample, run id: Int64) throws {
        let stmt = statement.sqliteStatement
        sqlite3_reset(stmt)
        func int(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
        func text(_ i: Int32, _ v: String) { sqlite3_bind_text(stmt, i, v, -1, Self.transient) }
        func optionalInt(_ i: Int32, _ v: Int64?) { if let v { int(i, v) } else { sqlite3_bind_null(stmt, i) } }
        func optionalDouble(_ i: Int32, _ v: Double?) { if let v { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) } }
        int(1, id); int(2, s.start); int(3, s.elapsed); int(4, s.serviceElapsed); int(5, s.latency); int(6, s.connect)
        int(7, s.tls); int(8, s.bytesReceived); int(9, s.bytesSent); int(10, Int64(s.status)); int(11, s.success ? 1 : 0)
        if let e = s.errorClass { text(12, e.rawValue) } else { sqlite3_bind_null(stmt, 12) }
        text(13, s.label); text(14, s.groupName); int(15, Int64(s.userNumber)); int(16, Int64(s.groupThreads))
        int(17, Int64(s.allThreads)); text(18, s.responseMessage); text(19, s.failureMessage)
        let a = s.audio
        optionalDouble(20, a?.audioSeconds); optionalInt(21, a?.ttfa); optionalDouble(22, a?.rtf)
        optionalInt(23, a?.maxGap); optionalInt(24, a?.underrun); text(25, s.agent)
        let code = sqlite3_step(stmt)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
