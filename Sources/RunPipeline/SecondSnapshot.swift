import Engine
import Results

/// The figures of one whole second of a run (wall clock, on the run's reference clock): the
/// samples that ended in it, all of them and per label, and the users then. Built by
/// `SecondWindow` from drained samples in one process, and from the agents' merged streams by
/// the controller of a distributed run; histograms are added exactly, never averaged.
public struct SecondSnapshot: Sendable {
    /// Seconds since the epoch: the samples here ended in [second, second + 1).
    public var second: Int64
    /// Seconds from schedule time 0 to the end of this second.
    public var elapsed: Double
    /// Active users per thread group (plan order) when the second was closed.
    public var users: [Int]
    public var total: SampleStats
    /// Per label, with sparse histograms (a full HdrHistogram per label and second would cost
    /// ~190 KB each to make); `SampleStats(_:)` turns one into the full form.
    public var byLabel: [String: SampleTally<SparseHistogram>]
    /// Errors of the whole run so far, this second included.
    public var errorsSoFar: Int
    /// In a distributed run: each agent's monitor readings at this second (its load generator and
    /// host), from its stream; empty in one process.
    public var agentMonitors: [String: [String: Double]] = [:]
    /// In a distributed run: each agent's active users at its latest tick; empty in one process.
    public var agentUsers: [String: Int] = [:]
    /// The engine's counters so far (dropped and late arrivals...) when the driver knows them live
    /// (one process); nil on a distributed run's controller, which gets them at the end.
    public var counters: EngineCounters?

    public init(second: Int64, elapsed: Double, users: [Int], total: SampleStats, byLabel: [String: SampleTally<SparseHistogram>],
                errorsSoFar: Int) {
        self.second = second
        self.elapsed = elapsed
        self.users = users
        self.total = total
        self.byLabel = byLabel
        self.errorsSoFar = errorsSoFar
    }
}

/// Bins drained samples by the second they ended in and hands out whole seconds once they are
/// complete. A sample that comes after its second was handed out (a drain delayed past the
/// margin) is counted in the next second handed out rather than lost.
public struct SecondWindow: Sendable {
    private var open: [Int64: [String: SampleTally<SparseHistogram>]] = [:]
    /// The last second handed out.
    public private(set) var closedThrough: Int64 = Int64.min
    private var errors = 0

    public init() {}

    public mutating func add(_ batch: [Sample]) {
        for s in batch {
            var second = s.end / 1_000_000
            if second <= closedThrough { second = closedThrough + 1 }
            // Extended: thresholds judge successful samples' latency, statuses, checks, gaps per second.
            open[second, default: [:]][s.label, default: SampleTally(extended: true)].add(s)
        }
    }

    /// Snapshots of every second up to `through` not handed out yet (empty seconds included,
    /// from the first second with samples or `from`), in order.
    public mutating func close(through: Int64, from: Int64, startWall: Int64, users: [Int]) -> [SecondSnapshot] {
        let first = closedThrough == Int64.min ? min(from, open.keys.min() ?? from) : closedThrough + 1
        guard first <= through else { return [] }
        var out: [SecondSnapshot] = []
        for second in first...through {
            let byLabel = open.removeValue(forKey: second) ?? [:]
            var total = SampleTally<SparseHistogram>(extended: true)
            for tally in byLabel.values { total.add(tally) }
            errors += total.errors
            out.append(SecondSnapshot(second: second, elapsed: Double((second + 1) * 1_000_000 - startWall) / 1_000_000,
                                      users: users, total: SampleStats(total), byLabel: byLabel, errorsSoFar: errors))
        }
        closedThrough = through
        return out
    }
}
