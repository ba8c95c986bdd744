import GRDB

/// Adds one run's samples and steps inside the single transaction of `ResultStore.writeRun`.
///
/// Samples are buffered and written `ResultStore.batchSize` at a time with their per-second
/// aggregates; the run's start and end follow the samples (earliest start, latest end).
public final class RunWriter {
    public let runID: Int64
    /// The status the run gets when the transaction commits.
    public var status: ResultStore.Status = .complete
    public private(set) var startedMicros: Int64?
    public private(set) var endedMicros: Int64?
    public private(set) var sampleCount = 0
    private let db: Database
    private var pending: [Sample] = []
    private let binder: SampleRowBinder
    /// Per-second aggregates of seconds that may still get samples.
    private var aggregates = SecondAggregates()

    init(runID: Int64, db: Database) throws {
        self.runID = runID
        self.db = db
        binder = try SampleRowBinder(db: db)
        pending.reserveCapacity(ResultStore.batchSize)
    }

    public func add(_ sample: Sample) throws {
        pending.append(sample)
        sampleCount += 1
        startedMicros = min(startedMicros ?? sample.start, sample.start)
        endedMicros = max(endedMicros ?? sample.end, sample.end)
        if pending.count >= ResultStore.batchSize { try flush(all: false) }
    }

    /// `add` for each sample in order. A whole batch that finds nothing buffered is written as it
    /// is, without a copy of each sample into the buffer (`ttsload import`'s batches: the store's
    /// thread is the import's bottleneck; with the batches freed on the parser's thread, 3.86 s
    /// -> 3.57 s per million rows, bench/store-ingest.sh).
    public func add(contentsOf samples: [Sample]) throws {
        guard let first = samples.first else { return }
        var earliest = startedMicros ?? first.start, latest = endedMicros ?? first.end
        for i in samples.indices {
            earliest = min(earliest, samples[i].start)
            latest = max(latest, samples[i].end)
        }
        startedMicros = earliest
        endedMicros = latest
        sampleCount += samples.count
        if pending.isEmpty && samples.count >= ResultStore.batchSize {
            try write(samples, all: false)
        } else {
            pending.append(contentsOf: samples)
            if pending.count >= ResultStore.batchSize { try flush(all: false) }
        }
    }

    /// Writes the buffered samples, and the aggregates of every second (`flush`), or of the
    /// seconds that should be complete (a batch: the last two seconds are kept, as JTL rows come
    /// in end order give or take the writers' buffering; later rows still merge correctly).
    public func flush() throws {
        try flush(all: true)
    }

    private func flush(all: Bool) throws {
        try write(pending, all: all)
        pending.removeAll(keepingCapacity: true)
    }

    private func write(_ samples: [Sample], all: Bool) throws {
        if !samples.isEmpty {
            try binder.insert(samples, run: runID)
            for i in samples.indices { aggregates.add(samples[i]) }  // borrowed, not copied
        }
        let keepFrom = all ? nil : endedMicros.map { $0 / 1_000_000 - 1 }
        try aggregates.write(run: runID, db: db, before: keepFrom)
    }

    /// Records one step; times are wall-clock µs.
    public func addStep(group: String, index: Int, level: Double, unit: String, startMicros: Int64,
                        holdStartMicros: Int64, endMicros: Int64) throws {
        try db.execute(sql: """
            INSERT INTO steps (run_id, group_name, step_index, level, unit, start_us, hold_start_us, end_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, group, index, level, unit, startMicros, holdStartMicros, endMicros])
    }

    /// The highest allThreads of the run's samples per whole second from `t0` (by sample end),
    /// seconds 0..<count: what `StepPlateaus` reads steps from. Flushes first.
    public func threadLevels(t0: Int64, count: Int) throws -> [Int] {
        try flush()
        var levels = [Int](repeating: 0, count: count)
        let rows = try Row.fetchAll(db, sql: """
            SELECT (start_us + elapsed_us - ?) / 1000000 AS second, MAX(all_threads) AS level
            FROM samples WHERE run_id = ? GROUP BY 1
            """, arguments: [t0, runID])
        for row in rows {
            let second: Int64 = row["second"], level: Int = row["level"]
            let i = min(count - 1, max(0, Int(second)))
            levels[i] = max(levels[i], level)
        }
        return levels
    }
}
