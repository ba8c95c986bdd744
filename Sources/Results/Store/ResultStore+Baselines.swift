import Foundation
import GRDB

/// Named baselines: a name (`main`, `release-1.2`) pointing at a stored run, for
/// `ttsload compare --baseline NAME`.
extension ResultStore {
    /// A baseline as stored.
    public struct Baseline: Sendable {
        public var name: String
        public var runID: Int64
        /// Wall-clock µs when it was set.
        public var setMicros: Int64
    }

    /// Points `name` at run `id` (replacing where it pointed before). Throws when there is no such run.
    public func setBaseline(_ name: String, run id: Int64) throws {
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE id = ?", arguments: [id]) == 1 else {
                throw StoreLookupError("no run \(id) in the store")
            }
            try db.execute(sql: """
                INSERT INTO baselines (name, run_id, set_us) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET run_id = excluded.run_id, set_us = excluded.set_us
                """, arguments: [name, id, Int64(Date().timeIntervalSince1970 * 1_000_000)])
        }
    }

    /// The baseline called `name`, nil when there is none.
    public func baseline(_ name: String) throws -> Baseline? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM baselines WHERE name = ?", arguments: [name]).map {
                Baseline(name: $0["name"], runID: $0["run_id"], setMicros: $0["set_us"])
            }
        }
    }

    /// Every baseline, by name.
    public func baselines() throws -> [Baseline] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM baselines ORDER BY name").map {
                Baseline(name: $0["name"], runID: $0["run_id"], setMicros: $0["set_us"])
            }
        }
    }

    /// The newest run whose status is `complete`, nil when there is none.
    public func latestCompleteRun() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM runs WHERE status = 'complete'") }
    }
}

/// A run or baseline that the store does not have.
public struct StoreLookupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
