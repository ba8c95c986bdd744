import Foundation
import Plan

/// Hands out data-set rows to every virtual user of a run, in the plan's order.
///
/// Shared by all engine threads; one lock per draw is far below a TTS request's cost.
final class DataFeeder: @unchecked Sendable {
    let spec: DataSetSpec
    let table: DataTable
    private let lock = NSLock()
    private var cursor = 0
    private var generator: SystemRandomNumberGenerator

    init(spec: DataSetSpec, table: DataTable) {
        self.spec = spec
        self.table = table
        generator = SystemRandomNumberGenerator()
    }

    /// The next row, or nil when an `order: unique, on_end: stop` set has given every row.
    func next() -> [String]? {
        guard !table.rows.isEmpty else { return nil }
        lock.lock()
        defer { lock.unlock() }
        switch spec.order {
        case .random:
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
