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
        lock.lock()
        outbox.append(.tick(seq: outbox.count, through: snapshot.second, users: snapshot.users, samples: counts.samples,
                            state: "running"))
        lock.unlock()
    }

    /// Closes the stream; `state` is `finished`, or `stopped` when the load was stopped early.
    func end(state: String) {
        lock.lock()
        var end = StreamRecord(type: .end, seq: outbox.count)
        end.samples = counts.samples
        end.state = state
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
