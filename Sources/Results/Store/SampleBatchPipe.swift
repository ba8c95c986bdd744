import Foundation

/// Batches of samples from a parser thread to the store's writer, at most `capacity` waiting:
/// `ttsload import` parses and inserts at once on the 2 cores instead of one after the other
/// (bench/store-ingest.sh: about 4 s of parsing and 4 s of storing per million rows, serial).
/// Bounded, so memory stays a few batches whatever the file's size.
final class SampleBatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Sample]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    let capacity: Int

    /// Thrown to the producer when the consumer stopped taking batches.
    struct Cancelled: Error {}

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Producer: waits while `capacity` batches wait; throws `Cancelled` once the consumer gave up.
    func put(_ batch: [Sample]) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        batches.append(batch)
        condition.broadcast()
    }

    /// Producer: no more batches; `error` (if any) is thrown to the consumer after the batches before it.
    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next batch, nil at the end; rethrows the producer's error.
    func take() throws -> [Sample]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            condition.broadcast()
            return batches.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Consumer: stop the producer (its next `put` throws).
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
