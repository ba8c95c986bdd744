import Engine
import Plan
import Results
import Thresholds

/// A consumer of a run: the JTL, the statistics' tables, the SQLite store, the live line, the
/// dashboard, an agent's stream. `RunFeed` calls every output in list order, from one thread:
///
/// 1. `begin` before the load (a throw stops the run before it starts);
/// 2. `add` with every batch of finished samples, as they are drained (a few times a second in
///    a local run; the merged spools at the end of a distributed one);
/// 3. `second` once per whole second of the run, when every sample that ended in it is in;
/// 4. `finish` once, after the last batch: the summary, the status and the files written so far.
///
/// A throw from `add` or `finish` is the output saying it cannot go on (a disk full under the JTL):
/// the run stops, ends `failed` with the error as the reason, and the other outputs still get
/// everything. An output whose failure must not stop the run (the store) reports it itself.
public protocol RunOutput: AnyObject {
    func begin(_ run: RunContext) throws
    func add(_ batch: [Sample]) throws
    func second(_ snapshot: SecondSnapshot)
    func finish(_ end: inout RunEnd) throws
}

extension RunOutput {
    public func begin(_ run: RunContext) throws {}
    public func add(_ batch: [Sample]) throws {}
    public func second(_ snapshot: SecondSnapshot) {}
    public func finish(_ end: inout RunEnd) throws {}
}

/// What every output knows of the run it is fed.
public final class RunContext: @unchecked Sendable {
    public let plan: Plan
    public let profile: LoadProfile
    /// The run folder; nil for an agent's share, which keeps its own spool layout.
    public let folder: RunFolder?
    /// The target's base URL.
    public let target: String
    /// Plan thread-group name -> index (samples carry the index).
    public let groupIndices: [String: Int]
    /// Wall-clock µs of schedule time 0; known once the load starts (0 before). Set by the driver
    /// before the first batch.
    public internal(set) var startWall: Int64 = 0
    /// Thresholds failing over the last few seconds, as written: the threshold output sets them,
    /// the live line shows them.
    public var failingThresholds: [String] = []
    /// Why the load generator's last second was saturated (nil when it was not): the monitor
    /// output sets it, the live line shows it.
    public var generatorSaturated: String?
    /// Set by the driver: ends the load early with a status (`aborted`, `stopped`) and a reason.
    /// An output calls it from `second` (a threshold with `abort: true`, `stop_when`).
    public var requestStop: ((RunStatus, String) -> Void)?

    public init(plan: Plan, folder: RunFolder?, target: String) {
        self.plan = plan
        profile = LoadProfile(plan: plan)
        self.folder = folder
        self.target = target
        var indices: [String: Int] = [:]
        for (i, g) in plan.threadGroups.enumerated() { indices[g.name] = i }
        groupIndices = indices
    }

    /// Plan group index -> name, for tables.
    public var groupNames: [Int: String] {
        Dictionary(uniqueKeysWithValues: plan.threadGroups.enumerated().map { ($0.offset, $0.element.name) })
    }
}

/// How a run ended.
public enum RunStatus: String, Sendable {
    /// The schedule ran to its end and every output kept up.
    case complete
    /// Stopped by Ctrl-C or SIGTERM (or the controller): what finished is recorded.
    case interrupted
    /// A distributed run that lost an agent or got a spool that does not add up.
    case degraded
    /// An output could not go on (a write error): the run stopped; rows before it are kept.
    case failed
    /// A threshold with `abort: true` failed: the load was stopped, what finished is recorded.
    case aborted
    /// `stop_when` ended a stepped load after a step's hold: the steps run are complete.
    case stopped
}

/// The end of a run as outputs see it in `finish`. Outputs earlier in the list can add to it:
/// a failed close marks the run failed, the dashboard adds its path to `files`.
public struct RunEnd: Sendable {
    public var status: RunStatus
    /// Why the run is not `complete` (failures, lost agents), one line each.
    public var reasons: [String]
    public var statistics: RunStatistics
    public var counters: EngineCounters
    /// Seconds from the start of the load to its end.
    public var durationSeconds: Double
    /// The first unreadable audio of each label.
    public var audioWarnings: [String: String]
    /// `summary.json` as it will be written (the distributed controller adds its agents' part).
    public var summary: RunSummary
    /// Extra sections of the end-of-run text, after the per-step and per-label tables.
    public var sections: [(title: String, text: String)] = []
    /// Files written, in order, for the closing lines (`report: index.html`, ...).
    public var files: [(label: String, path: String)] = []
    /// The plan's thresholds judged (set by the threshold output; nil without thresholds).
    public var verdict: ThresholdVerdict?
    /// The monitor series recorded during the run (set by the monitor output).
    public var monitors: [MonitorSeries] = []
}
