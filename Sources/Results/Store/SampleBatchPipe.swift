import Foundation

/// Batches of samples from a parser thread to the store's writer, at most `capacity` waiting:
/// `ttsload import` parses and inserts at once on the 2 cores instead of one after the other
/// (bench/store-ingest.sh: when it was added, about 4 s of parsing and 4 s of storing per million
/// rows, serial). Bounded, so memory stays a few batches whatever the file's size; batches the
/// consumer gives back are emptied by the producer, so their samples are freed on its thread.
final class SampleBatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Sample]] = []
    /// Batches the consumer is done with, for the producer to empty and fill again.
    private var returned: [[Sample]] = []
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

    /// Consumer: a batch it is done with, so that the producer frees its samples (and reuses its
    /// storage) instead of the consumer's thread. At most `capacity` are kept.
    func giveBack(_ batch: consuming [Sample]) {
        condition.lock()
        if returned.count < capacity && !cancelled { returned.append(batch) }
        condition.unlock()
    }

    /// Producer: a batch given back, if any.
    func takeBack() -> [Sample]? {
        condition.lock()
        defer { condition.unlock() }
        return returned.popLast()
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
