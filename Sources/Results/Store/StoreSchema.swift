import GRDB

/// The store's schema as named migrations (docs/results.md). A migration, once released, is never
/// edited: later changes (new run statuses, monitor columns) are new migrations appended here.
enum StoreSchema {
    /// The group name of steps inferred for the whole test (imports); they cover samples of every group.
    static let allThreadsGroup = "all threads"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 runs, steps, samples") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    plan_name TEXT NOT NULL,
                    plan_yaml TEXT NOT NULL DEFAULT '',
                    target TEXT NOT NULL DEFAULT '',
                    started_us INTEGER NOT NULL,
                    ended_us INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
                    pid INTEGER,
                    tool_version TEXT NOT NULL DEFAULT '',
                    host TEXT NOT NULL DEFAULT '',
                    source TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE steps (
                    id INTEGER PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    group_name TEXT NOT NULL,
                    step_index INTEGER NOT NULL,
                    level REAL NOT NULL,
                    unit TEXT NOT NULL CHECK (unit IN ('users', 'req/s')),
                    start_us INTEGER NOT NULL,
                    hold_start_us INTEGER NOT NULL,
                    end_us INTEGER NOT NULL,
                    UNIQUE (run_id, group_name, step_index)
                );
                CREATE TABLE samples (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    start_us INTEGER NOT NULL,
                    elapsed_us INTEGER NOT NULL,
                    service_elapsed_us INTEGER NOT NULL,
                    latency_us INTEGER NOT NULL,
                    connect_us INTEGER NOT NULL,
                    tls_us INTEGER NOT NULL,
                    bytes_received INTEGER NOT NULL,
                    bytes_sent INTEGER NOT NULL,
                    status INTEGER NOT NULL,
                    success INTEGER NOT NULL,
                    error_class TEXT,
                    label TEXT NOT NULL,
                    group_name TEXT NOT NULL,
                    user_number INTEGER NOT NULL,
                    group_threads INTEGER NOT NULL,
                    all_threads INTEGER NOT NULL,
                    response_message TEXT NOT NULL,
                    failure_message TEXT NOT NULL,
                    audio_seconds REAL,
                    ttfa_us INTEGER,
                    rtf REAL,
                    max_gap_us INTEGER,
                    underrun_us INTEGER
                );
                CREATE INDEX samples_by_run_time ON samples(run_id, start_us);
                """)
        }
        migrator.registerMigration("v1 per-second aggregates, monitor series") { db in
            try db.execute(sql: """
                CREATE TABLE second_aggregates (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    second INTEGER NOT NULL,          -- whole seconds since the epoch, by sample end
                    label TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    bytes_received INTEGER NOT NULL,
                    latency_histogram BLOB NOT NULL,  -- HistogramEncoding v1, microseconds
                    ttfa_histogram BLOB NOT NULL,     -- HistogramEncoding v1, microseconds
                    rtf_milli_histogram BLOB NOT NULL,-- HistogramEncoding v1, RTF x 1000
                    PRIMARY KEY (run_id, second, label)
                ) WITHOUT ROWID;
                CREATE TABLE monitor_series (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    t_us INTEGER NOT NULL,
                    value REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v1 views") { db in
            try db.execute(sql: """
                CREATE VIEW label_summary AS
                    SELECT run_id, label, COUNT(*) AS samples, SUM(NOT success) AS errors,
                           ROUND(100.0 * SUM(NOT success) / COUNT(*), 2) AS error_pct,
                           ROUND(AVG(elapsed_us) / 1000.0, 1) AS avg_ms, MIN(elapsed_us) / 1000.0 AS min_ms,
                           MAX(elapsed_us) / 1000.0 AS max_ms, ROUND(AVG(ttfa_us) / 1000.0, 1) AS avg_ttfa_ms,
                           ROUND(SUM(audio_seconds), 3) AS audio_seconds
                    FROM samples GROUP BY run_id, label;
                CREATE VIEW step_summary AS
                    SELECT st.run_id, st.group_name, st.step_index, st.level, st.unit,
                           (st.end_us - st.hold_start_us) / 1e6 AS hold_seconds,
                           COUNT(sa.start_us) AS samples, SUM(NOT sa.success) AS errors,
                           ROUND(COUNT(sa.start_us) * 1e6 / (st.end_us - st.hold_start_us), 2) AS started_per_second,
                           ROUND(AVG(sa.elapsed_us) / 1000.0, 1) AS avg_ms, MAX(sa.elapsed_us) / 1000.0 AS max_ms
                    FROM steps st LEFT JOIN samples sa
                      ON sa.run_id = st.run_id AND sa.group_name = st.group_name
                     AND sa.start_us >= st.hold_start_us AND sa.start_us < st.end_us
                    GROUP BY st.id;
                """)
        }
        migrator.registerMigration("v2 distributed runs: degraded status, sample agent") { db in
            // SQLite cannot change a CHECK in place: rebuild `runs` (the migrator turns foreign keys
            // off while it runs, so dropping the old table cascades nothing).
            try settingViewsAside(db) {
                try db.execute(sql: """
                    CREATE TABLE runs_v2 (
                        id INTEGER PRIMARY KEY,
                        plan_name TEXT NOT NULL,
                        plan_yaml TEXT NOT NULL DEFAULT '',
                        target TEXT NOT NULL DEFAULT '',
                        started_us INTEGER NOT NULL,
                        ended_us INTEGER,
                        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed', 'degraded')),
                        pid INTEGER,
                        tool_version TEXT NOT NULL DEFAULT '',
                        host TEXT NOT NULL DEFAULT '',
                        source TEXT NOT NULL DEFAULT ''
                    );
                    INSERT INTO runs_v2 SELECT * FROM runs;
                    DROP TABLE runs;
                    ALTER TABLE runs_v2 RENAME TO runs;
                    ALTER TABLE samples ADD COLUMN agent TEXT NOT NULL DEFAULT '';
                    """)
            }
        }
        // Named baselines for `ttsload compare --baseline NAME`. A baseline follows its run:
        // deleting the run deletes the baseline.
        migrator.registerMigration("v3 baselines") { db in
            try db.execute(sql: """
                CREATE TABLE baselines (
                    name TEXT PRIMARY KEY NOT NULL,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    set_us INTEGER NOT NULL
                );
                """)
        }
        // Imported JTL files have no plan: their steps are inferred from allThreads for the whole
        // test and stored under the group name 'all threads', which must match every sample.
        migrator.registerMigration("v4 step_summary: inferred 'all threads' steps") { db in
            try db.execute(sql: """
                DROP VIEW step_summary;
                CREATE VIEW step_summary AS
                    SELECT st.run_id, st.group_name, st.step_index, st.level, st.unit,
                           (st.end_us - st.hold_start_us) / 1e6 AS hold_seconds,
                           COUNT(sa.start_us) AS samples, SUM(NOT sa.success) AS errors,
                           ROUND(COUNT(sa.start_us) * 1e6 / (st.end_us - st.hold_start_us), 2) AS started_per_second,
                           ROUND(AVG(sa.elapsed_us) / 1000.0, 1) AS avg_ms, MAX(sa.elapsed_us) / 1000.0 AS max_ms
                    FROM steps st LEFT JOIN samples sa
                      ON sa.run_id = st.run_id AND (sa.group_name = st.group_name OR st.group_name = '\(StoreSchema.allThreadsGroup)')
                     AND sa.start_us >= st.hold_start_us AND sa.start_us < st.end_us
                    GROUP BY st.id;
                """)
        }
        // Thresholds: runs ended early by an abort or stop_when, and the verdict (summary.json's
        // `verdict`, as JSON) of runs whose plan has thresholds.
        migrator.registerMigration("v5 thresholds: aborted and stopped statuses, verdict") { db in
            try settingViewsAside(db) {
                try db.execute(sql: """
                    CREATE TABLE runs_v5 (
                        id INTEGER PRIMARY KEY,
                        plan_name TEXT NOT NULL,
                        plan_yaml TEXT NOT NULL DEFAULT '',
                        target TEXT NOT NULL DEFAULT '',
                        started_us INTEGER NOT NULL,
                        ended_us INTEGER,
                        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed', 'degraded', 'aborted', 'stopped')),
                        pid INTEGER,
                        tool_version TEXT NOT NULL DEFAULT '',
                        host TEXT NOT NULL DEFAULT '',
                        source TEXT NOT NULL DEFAULT '',
                        verdict TEXT
                    );
                    INSERT INTO runs_v5 SELECT *, NULL FROM runs;
                    DROP TABLE runs;
                    ALTER TABLE runs_v5 RENAME TO runs;
                    """)
            }
        }
        // Chunk-level figures: per sample the time to the plan's nth chunk and until its
        // ready_seconds of audio had arrived; per second and label the distribution of every gap
        // between chunks and of those two times. Older rows read as NULL / empty histograms.
        migrator.registerMigration("v6 chunk-level figures") { db in
            try db.execute(sql: """
                ALTER TABLE samples ADD COLUMN nth_chunk_us INTEGER;
                ALTER TABLE samples ADD COLUMN audio_ready_us INTEGER;
                ALTER TABLE second_aggregates ADD COLUMN chunk_gap_histogram BLOB;
                ALTER TABLE second_aggregates ADD COLUMN nth_chunk_histogram BLOB;
                ALTER TABLE second_aggregates ADD COLUMN audio_ready_histogram BLOB;
                """)
        }
        return migrator
    }

    /// Runs `body` (a rebuild of `runs`) with every view dropped first and made again after: views
    /// name `runs`, and a rename refuses to leave a view broken.
    static func settingViewsAside(_ db: Database, _ body: () throws -> Void) throws {
        let views = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'view'")
        for view in views { try db.execute(sql: "DROP VIEW \(view["name"] as String)") }
        try body()
        for view in views { try db.execute(sql: view["sql"] as String) }
    }
}
