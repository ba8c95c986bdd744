import Foundation

/// Remembers which input text produced which audio, to catch different texts getting byte-identical
/// audio (a cache keyed wrongly, a canned reply). Shared by all engine threads of a run.
///
/// Memory is bounded: at most `capacity` digests are kept, the oldest forgotten first, each with a
/// hash of its text and a short excerpt for the failure message.
public final class DistinctAudioTracker: @unchecked Sendable {
    private struct Entry {
        var textHash: Int
        var excerpt: String
    }

    /// Characters of a text kept for messages.
    public static let excerptLength = 40

    public let capacity: Int
    // Guarded by `lock`: every access goes through `record` or `count`.
    private let lock = NSLock()
    private var entries: [UInt64: Entry] = [:]
    private var order: [UInt64] = []
    private var next = 0

    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
        entries.reserveCapacity(self.capacity)
        order.reserveCapacity(self.capacity)
    }

    /// Records that `text` produced audio with `digest`. Returns an excerpt of a different text that
    /// produced the same audio, or nil when the audio is new or came from the same text.
    public func record(digest: UInt64, text: String) -> String? {
        let textHash = text.hashValue
        lock.lock()
        defer { lock.unlock() }
        if let seen = entries[digest] {
            return seen.textHash == textHash ? nil : seen.excerpt
        }
        if order.count < capacity {
            order.append(digest)
        } else {
            // Ring buffer: overwrite (and forget) the oldest digest.
            entries[order[next]] = nil
            order[next] = digest
            next = (next + 1) % capacity
        }
        entries[digest] = Entry(textHash: textHash, excerpt: String(text.prefix(Self.excerptLength)))
        return nil
    }

    /// Digests currently remembered.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
