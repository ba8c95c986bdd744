import Foundation
import Plan

/// Hands out data-set rows to every virtual user of a run, in the plan's order.
///
/// Shared by all engine threads; one lock per draw is far below a TTS request's cost.
/// In a distributed test each agent reads its own stripe of the rows (agent s of S: rows s, s+S,
/// ...), so a `unique` set gives each row once in the whole test, not once per agent; `sequential`
/// sets are striped too when they have at least one row per agent.
final class DataFeeder: @unchecked Sendable {
    let spec: DataSetSpec
    let table: DataTable
    private let lock = NSLock()
    private var cursor = 0
    /// `order: random` draws: seeded in an A/B run (both sides' copies alike), else the system's.
    private var seeded: SeededRandom?
    private var generator: SystemRandomNumberGenerator

    /// - Parameter seed: for `order: random`, makes the sequence of rows reproducible: two feeders
    ///   of one set with one seed hand out the same rows in the same order (an A/B run's sides).
    init(spec: DataSetSpec, table: DataTable, slot: EngineSlot = .whole, seed: UInt64? = nil) {
        seeded = seed.map { SeededRandom(seed: $0) }
        self.spec = spec
        var mine = table
        let stripe = slot.count > 1 && (spec.order == .unique || (spec.order == .sequential && table.rows.count >= slot.count))
        if stripe {
            mine.rows = stride(from: slot.index, to: table.rows.count, by: slot.count).map { table.rows[$0] }
        }
        self.table = mine
        generator = SystemRandomNumberGenerator()
    }

    /// The next row, or nil when an `order: unique, on_end: stop` set has given every row.
    func next() -> [String]? {
        guard !table.rows.isEmpty else { return nil }
        lock.lock()
        defer { lock.unlock() }
        switch spec.order {
        case .random:
            if seeded != nil { return table.rows[Int.random(in: 0..<table.rows.count, using: &seeded!)] }
            return table.rows[Int.random(in: 0..<table.rows.count, using: &generator)]
        case .sequential:
            defer { cursor = (cursor + 1) % table.rows.count }
            return table.rows[cursor]
        case .unique:
            if cursor >= table.rows.count {
                guard spec.onEnd == .recycle else { return nil }
                cursor = 0
            }
            defer { cursor += 1 }
            return table.rows[cursor]
        }
    }
}
