import Foundation
import Results

/// Keeps every sample in memory, for assertions.
final class CollectingSink: SampleSink, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [Sample] = []

    func record(_ sample: Sample) {
        lock.lock()
        collected.append(sample)
        lock.unlock()
    }

    var samples: [Sample] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}
