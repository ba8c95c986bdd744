import Engine
import Foundation
import Results
import RunPipeline

/// An agent's live stream as a run output: every drained batch becomes `second` records (per
/// second and label, exact histograms), every whole second a `tick` (complete through it, with
/// the agent's users), and the end of the run the `end` record. The controller reads the records
/// from its outbox (`GET /v1/stream`), resuming by sequence number after a broken connection.
final class StreamOutput: RunOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var outbox: [StreamRecord] = []
    private var counts = (samples: 0, errors: 0)
    /// The agent's monitors' latest readings, sent with every tick.
    var monitorValues: (() -> [String: Double])?

    /// Samples and failures drained so far.
    var drained: (samples: Int, errors: Int) {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    func add(_ batch: [Sample]) throws {
        lock.lock()
        counts.samples += batch.count
        counts.errors += batch.count { !$0.success }
        var seq = outbox.count
        outbox.append(contentsOf: SecondRecorder.records(for: batch, nextSeq: &seq))
        lock.unlock()
    }

    func second(_ snapshot: SecondSnapshot) {
        let values = monitorValues?()
        lock.lock()
        var tick = StreamRecord.tick(seq: outbox.count, through: snapshot.second, users: snapshot.users, samples: counts.samples,
                                     state: "running")
        if let values, !values.isEmpty { tick.monitors = values }
        outbox.append(tick)
        lock.unlock()
    }

    /// Closes the stream with the agent's own account of its run: the rows its spool holds, why it
    /// stopped early (nil: it ran to the end), its engine's counters, and whether the daemon is
    /// going away (the controller then fetches the spool at once).
    func end(samples: Int, stoppedBecause: String?, counters: EngineCounters, exiting: Bool) {
        lock.lock()
        var end = StreamRecord(type: .end, seq: outbox.count)
        end.samples = samples
        end.state = stoppedBecause == nil ? "finished" : "stopped"
        end.stoppedBecause = stoppedBecause
        end.counters = counters
        if exiting { end.exiting = true }
        outbox.append(end)
        lock.unlock()
    }

    /// Records from `seq` on, and whether the stream is complete (the `end` record is among them).
    func records(from seq: Int) -> (records: ArraySlice<StreamRecord>, ended: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let from = min(max(seq, 0), outbox.count)
        return (outbox[from...], outbox.last?.type == .end)
    }
}
