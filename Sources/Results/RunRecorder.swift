import Foundation
import Plan

/// Receives samples from the engine threads, writes them to the JTL and keeps the statistics.
///
/// `record` only appends under a lock (engine threads must not wait on disk); `drain`, called by
/// one thread several times a second, writes rows and updates statistics. Rows reach the file at
/// least every second, so a killed run keeps all but its last second.
public final class RunRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Sample] = []
    /// The batch being drained; swapped with `pending` so both keep their storage. Taking a copy
    /// and emptying `pending` instead gave it a fresh megabyte every drain, whose first-touch page
    /// faults the engine threads paid in `record` (1.6% of CPU at 25k req/s).
    private var draining: [Sample] = []
    private let writer: JTLWriter
    public private(set) var statistics: RunStatistics
    private var lastFlush = Date()

    /// Whether rows carry the TTS columns (`JTLFormat.audioVariables`); `--jtl-plain` turns them off.
    public let audioColumns: Bool

    public init(jtlPath: String, profile: LoadProfile, groupIndices: [String: Int], startWall: Int64,
                audioColumns: Bool = true) throws {
        self.audioColumns = audioColumns
        writer = try JTLWriter(path: jtlPath, variables: audioColumns ? JTLFormat.audioVariables : [])
        // The header goes out at once: an unwritable folder or a full disk fails the run before the load.
        try writer.flush()
        statistics = RunStatistics(profile: profile, groupIndices: groupIndices, startWall: startWall)
    }

    /// Called with every drained batch (after the JTL rows are buffered): the SQLite store's feed.
    /// Still called after a write failure, so the store keeps the samples the JTL could not take.
    public var onBatch: (([Sample]) -> Void)?

    /// The first failure to write the JTL (e.g. `…/results.jtl: No space left on device`), nil while
    /// all is well. After it no more rows are written; the rows before it stay in the file, complete.
    public private(set) var writeFailure: String?

    /// Called once, on the draining thread, when the JTL cannot be written: the run should stop.
    public var onWriteFailure: ((FileWriteError) -> Void)?

    /// Moves pending samples into the JTL buffer and the statistics; flushes the file every half second.
    /// Never throws: a write error is kept in `writeFailure` and reported through `onWriteFailure`.
    public func drain(forceFlush: Bool = false) {
        lock.lock()
        swap(&pending, &draining)
        lock.unlock()
        defer {
            if !draining.isEmpty { onBatch?(draining) }
            draining.removeAll(keepingCapacity: true)
        }
        for sample in draining {
            // Statistics count every sample the run measured, written or not (summary.json says
            // when the file has fewer: `write_failure`).
            statistics.add(sample)
            if writeFailure == nil {
                writing { try writer.append(sample, values: audioColumns ? JTLFormat.audioValues(sample) : []) }
            }
        }
        if forceFlush || Date().timeIntervalSince(lastFlush) >= 0.5 {
            if writeFailure == nil { writing { try writer.flush() } }
            lastFlush = Date()
        }
    }

    /// Runs one write; the first error becomes `writeFailure` and is reported once.
    private func writing(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            guard writeFailure == nil else { return }
            writeFailure = "\(error)"
            onWriteFailure?(error as? FileWriteError ?? FileWriteError(path: writer.path, code: EIO))
        }
    }

    /// Sets schedule time 0 (the engine's start), which places samples in steps; call before the first drain.
    public func setStart(_ wall: Int64) { statistics.startWall = wall }

    /// The statistics of the samples drained since the last call.
    public func takeInterval() -> SampleStats { statistics.takeInterval() }

    /// Drains everything and closes the JTL (synced to disk); a failure here is a `writeFailure` too.
    public func close() {
        drain(forceFlush: true)
        if writeFailure == nil {
            writing { try writer.close() }
        } else {
            try? writer.close()
        }
    }

    /// Rows in the JTL as complete lines (after a write failure: the rows it kept).
    public var rowsWritten: Int { writer.rowsOnDisk }
}

extension RunRecorder: SampleSink {
    public func record(_ sample: Sample) {
        lock.lock()
        pending.append(sample)
        lock.unlock()
    }
}

/// Receives samples from the engine threads as requests complete.
public protocol SampleSink: AnyObject, Sendable {
    /// Called on an engine thread; must be cheap and thread-safe.
    func record(_ sample: Sample)
}
