import Dispatch
import Synchronization

/// What the server has sent a worker and the worker has not handled yet: batches to run, and
/// jobs to abandon. A reader thread fills it from stdin while the main thread synthesizes, so a
/// cancel can stop espeak-ng mid-job.
final class WorkerInbox: Sendable {
    private struct State {
        var batches: [WorkerProtocol.WorkBatch] = []
        var cancelled: Set<UInt64> = []
        var closed = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    /// Reads server frames from `fd` until end of file (run on its own thread).
    func fill(from fd: Int32) {
        var reader = PipeReader(fd: fd)
        while let message = WorkerProtocol.readServerMessage(&reader) {
            switch message {
            case .batch(let batch):
                state.withLock { $0.batches.append(batch) }
                available.signal()
            case .cancel(let id):
                _ = state.withLock { $0.cancelled.insert(id) }
            }
        }
        state.withLock { $0.closed = true }
        available.signal()
    }

    /// The next batch; nil once the server has closed stdin and every batch was taken.
    func next() -> WorkerProtocol.WorkBatch? {
        while true {
            available.wait()
            let (batch, closed) = state.withLock { state -> (WorkerProtocol.WorkBatch?, Bool) in
                state.batches.isEmpty ? (nil, state.closed) : (state.batches.removeFirst(), false)
            }
            if let batch { return batch }
            if closed {
                available.signal()  // keep later calls from blocking
                return nil
            }
        }
    }

    func isCancelled(_ id: UInt64) -> Bool {
        state.withLock { $0.cancelled.contains(id) }
    }

    /// Forgets a finished job's cancellation, so the set stays small.
    func finished(_ id: UInt64) {
        _ = state.withLock { $0.cancelled.remove(id) }
    }
}
