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
        writer.flush()
        statistics = RunStatistics(profile: profile, groupIndices: groupIndices, startWall: startWall)
    }

    /// Called with every drained batch (after the JTL rows are buffered): the SQLite store's feed.
    public var onBatch: (([Sample]) -> Void)?

    /// Moves pending samples into the JTL buffer and the statistics; flushes the file once a second.
    public func drain(forceFlush: Bool = false) {
        lock.lock()
        swap(&pending, &draining)
        lock.unlock()
        defer {
            if !draining.isEmpty { onBatch?(draining) }
            draining.removeAll(keepingCapacity: true)
        }
        for sample in draining {
            writer.append(sample, values: audioColumns ? JTLFormat.audioValues(sample) : [])
            statistics.add(sample)
        }
        if forceFlush || Date().timeIntervalSince(lastFlush) >= 0.5 {
            writer.flush()
            lastFlush = Date()
        }
    }

    /// Sets schedule time 0 (the engine's start), which places samples in steps; call before the first drain.
    public func setStart(_ wall: Int64) { statistics.startWall = wall }

    /// The statistics of the samples drained since the last call.
    public func takeInterval() -> SampleStats { statistics.takeInterval() }

    /// Drains everything and closes the JTL.
    public func close() {
        drain(forceFlush: true)
        writer.close()
    }

    public var rowsWritten: Int { writer.rows }
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
