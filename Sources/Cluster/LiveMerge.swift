import Foundation
import Results

/// The controller's merge of every agent's stream: per second and label, tallies (counts and sparse
/// HdrHistograms) added exactly (never averaged), and per agent which seconds are complete and how
/// many users it had. Thread-safe: one stream thread per agent adds, the live view reads.
public final class LiveMerge: @unchecked Sendable {
    /// Merged figures of seconds and labels, as the live line and the summary read them.
    public typealias Cell = SampleStats

    private let lock = NSLock()
    /// Sparse: a full HdrHistogram per second and label would take ~190 KB each for the whole run.
    private var cells: [Int64: [String: SampleTally<SparseHistogram>]] = [:]
    private var through: [String: Int64] = [:]
    private var users: [String: [Int64: [Int]]] = [:]
    private var lastUsers: [String: [Int]] = [:]
    private var totals: [String: SampleTally<SparseHistogram>] = [:]
    private var agentSamples: [String: Int] = [:]
    private var seen: [String: Int] = [:]
    /// Agents' monitor readings by second (from their ticks), until handed out.
    private var monitors: [Int64: [String: [String: Double]]] = [:]
    /// Agents whose figures still count towards "complete" seconds (lost ones are dropped).
    private var live: Set<String>

    public init(agents: [String]) {
        live = Set(agents)
    }

    /// Adds one record of `agent`'s stream. Records a reconnect resent (seq already seen) are skipped.
    public func add(_ record: StreamRecord, from agent: String) {
        lock.lock()
        defer { lock.unlock() }
        if record.seq < seen[agent, default: 0] { return }
        seen[agent] = record.seq + 1
        switch record.type {
        case .second:
            guard let second = record.second, let label = record.label else { return }
            let tally = record.tally()
            cells[second, default: [:]][label, default: SampleTally()].add(tally)
            totals[label, default: SampleTally()].add(tally)
        case .tick:
            if let t = record.through { through[agent] = max(through[agent] ?? t, t) }
            if let u = record.users, let t = record.through {
                users[agent, default: [:]][t + 1] = u
                lastUsers[agent] = u
            }
            if let n = record.samples { agentSamples[agent] = n }
            if let m = record.monitors, let t = record.through { monitors[t, default: [:]][agent] = m }
        case .end:
            if let n = record.samples { agentSamples[agent] = n }
            through[agent] = Int64.max
        }
    }

    /// Agents' monitor readings of `second` (agent -> series -> value), handed out once.
    public func takeMonitors(second: Int64) -> [String: [String: Double]] {
        lock.lock()
        defer { lock.unlock() }
        return monitors.removeValue(forKey: second) ?? [:]
    }

    /// Where `agent`'s stream should resume after a broken connection.
    public func nextSeq(of agent: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return seen[agent, default: 0]
    }

    /// Stops waiting for a lost agent's seconds.
    public func drop(agent: String) {
        lock.lock()
        live.remove(agent)
        lock.unlock()
    }

    /// The last second every live agent has completed (nil before the first ticks).
    public var completeThrough: Int64? {
        lock.lock()
        defer { lock.unlock() }
        let values = live.map { through[$0] }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return values.compactMap { $0 }.min()
    }

    /// Seconds `from...to` merged over labels.
    public func interval(from: Int64, to: Int64) -> Cell {
        lock.lock()
        defer { lock.unlock() }
        var out = SampleTally<SparseHistogram>()
        if from <= to { for second in from...to { for cell in (cells[second] ?? [:]).values { out.add(cell) } } }
        return Cell(out)
    }

    /// One second's figures, all labels and per label, as the run pipeline takes them.
    public func stats(second: Int64) -> (total: SampleStats, byLabel: [String: SampleTally<SparseHistogram>]) {
        lock.lock()
        let labels = cells[second] ?? [:]
        lock.unlock()
        var total = SampleTally<SparseHistogram>()
        for cell in labels.values { total.add(cell) }
        return (Cell(total), labels)
    }

    /// Whole-run totals per label, from the streams alone.
    public var labelTotals: [String: Cell] {
        lock.lock()
        defer { lock.unlock() }
        return totals.mapValues { Cell($0) }
    }

    /// Users of every agent added up, the latest ticks.
    public var activeUsers: Int {
        lock.lock()
        defer { lock.unlock() }
        return lastUsers.values.reduce(0) { $0 + $1.reduce(0, +) }
    }

    /// Users per thread group (plan order) of all agents added up, the latest ticks.
    public var activeUsersByGroup: [Int] {
        lock.lock()
        defer { lock.unlock() }
        var sum: [Int] = []
        for users in lastUsers.values {
            if sum.count < users.count { sum += Array(repeating: 0, count: users.count - sum.count) }
            for (i, n) in users.enumerated() { sum[i] += n }
        }
        return sum
    }

    /// Each agent's users, all groups added up, its latest tick.
    public var activeUsersByAgent: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return lastUsers.mapValues { $0.reduce(0, +) }
    }

    /// Samples each agent reported (its latest tick or its end).
    public var samplesByAgent: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return agentSamples
    }

    /// Users per thread group of all agents at each second, for the merged JTL's grpThreads and
    /// allThreads: each agent's latest tick at or before the second counts.
    public func usersTimeline() -> UsersTimeline {
        lock.lock()
        defer { lock.unlock() }
        return UsersTimeline(byAgent: users)
    }
}

/// Users of all agents, per thread group, second by second.
public struct UsersTimeline: Sendable {
    /// Per agent: second -> users per group, sorted by second.
    private let series: [[(second: Int64, users: [Int])]]

    init(byAgent: [String: [Int64: [Int]]]) {
        series = byAgent.values.map { $0.sorted { $0.key < $1.key }.map { (second: $0.key, users: $0.value) } }
    }

    /// (users of `group`, users of all groups) at `second` (µs since the epoch / 1e6).
    public func users(group: Int, at second: Int64) -> (group: Int, all: Int) {
        var inGroup = 0, all = 0
        for points in series {
            // The last point at or before the second (binary search: called once per merged sample).
            var lo = 0, hi = points.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if points[mid].second <= second { lo = mid + 1 } else { hi = mid }
            }
            guard lo > 0 else { continue }
            let u = points[lo - 1].users
            if group < u.count { inGroup += u[group] }
            all += u.reduce(0, +)
        }
        return (inGroup, all)
    }

    public var isEmpty: Bool { series.allSatisfy { $0.isEmpty } }
}
