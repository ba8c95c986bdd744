import NIOCore
import Synchronization

/// An LRU cache of finished PCM, keyed by every synthesis parameter, within a byte budget.
///
/// Eviction scans for the least recently used entry (O(n)); with entries of tens to hundreds
/// of kilobytes a budget of even a gigabyte holds only thousands, so a linked list would buy
/// nothing measurable.
public final class AudioCache: Sendable {
    public struct Stats: Sendable {
        public var hits: UInt64 = 0
        public var misses: UInt64 = 0
        public var evictions: UInt64 = 0
        public var bytes = 0
        public var entries = 0
    }

    private struct Entry {
        var pcm: ByteBuffer
        var lastUse: UInt64
    }

    private struct State {
        var entries: [SynthesisParameters: Entry] = [:]
        var tick: UInt64 = 0
        var stats = Stats()
    }

    /// The byte budget; 0 disables the cache.
    public let budget: Int
    private let state = Mutex(State())

    public init(budgetBytes: Int) {
        self.budget = budgetBytes
    }

    public var isEnabled: Bool { budget > 0 }

    /// The cached PCM for these parameters, counting a hit or a miss.
    public func lookup(_ key: SynthesisParameters) -> ByteBuffer? {
        guard isEnabled else { return nil }
        return state.withLock { state in
            state.tick += 1
            guard var entry = state.entries[key] else {
                state.stats.misses += 1
                return nil
            }
            entry.lastUse = state.tick
            state.entries[key] = entry
            state.stats.hits += 1
            return entry.pcm
        }
    }

    /// Stores PCM, evicting least recently used entries to stay within the budget.
    /// Audio larger than the whole budget is not stored.
    public func store(_ key: SynthesisParameters, pcm: ByteBuffer) {
        guard isEnabled, pcm.readableBytes <= budget else { return }
        state.withLock { state in
            state.tick += 1
            if let old = state.entries.removeValue(forKey: key) { state.stats.bytes -= old.pcm.readableBytes }
            while state.stats.bytes + pcm.readableBytes > budget,
                  let victim = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries.removeValue(forKey: victim.key)
                state.stats.bytes -= victim.value.pcm.readableBytes
                state.stats.evictions += 1
            }
            state.entries[key] = Entry(pcm: pcm, lastUse: state.tick)
            state.stats.bytes += pcm.readableBytes
            state.stats.entries = state.entries.count
        }
    }

    /// Convenience for callers holding plain bytes.
    public func store(_ key: SynthesisParameters, bytes: [UInt8]) {
        store(key, pcm: ByteBuffer(bytes: bytes))
    }

    public var stats: Stats {
        state.withLock { state in
            var stats = state.stats
            stats.entries = state.entries.count
            return stats
        }
    }
}
