import Results
import RunPipeline

/// A level's judge inside its run, in one process or on a distributed run's controller: feeds
/// the stability gate each whole second and ends the level's load (as `stop_when` does: in-flight
/// requests finish) once the gate has decided. Counts goodput from the samples, whenever they
/// arrive (as they are drained here; at the end from the agents' spools).
public final class LevelOutput: RunOutput {
    let settings: StabilityGate.Settings
    let slo: SLO
    private var context: RunContext?
    public private(set) var gate: StabilityGate?
    public private(set) var decision: StabilityGate.Decision?
    /// Requests that kept every per-request bound of the SLO, by the second they ended in.
    public private(set) var goodBySecond: [Int64: Int] = [:]
    /// Told on the driving thread when each window closes (for the progress line).
    public var onWindow: ((CapacityWindow) -> Void)?

    public init(settings: StabilityGate.Settings, slo: SLO) {
        self.settings = settings
        self.slo = slo
    }

    public func begin(_ run: RunContext) throws { context = run }

    public func add(_ batch: [Sample]) throws {
        for s in batch where slo.isGood(s) { goodBySecond[s.end / 1_000_000, default: 0] += 1 }
    }

    public func second(_ snapshot: SecondSnapshot) {
        guard decision == nil, let context, context.startWall > 0 else { return }
        if gate == nil { gate = StabilityGate(settings: settings, slo: slo, loadStart: context.startWall) }
        let before = gate!.windows.count
        var decided = gate!.add(second: snapshot.second, tally: snapshot.total)
        for window in gate!.windows.dropFirst(before) { onWindow?(window) }
        // Open model: an arrival dropped at the in-flight cap was never sent, so no window shows it.
        if decided == nil, let dropped = snapshot.counters?.dropped, dropped > 0, let offered = settings.offeredRate {
            decided = StabilityGate.Decision(verdict: .bad, reason: String(format: "%d arrivals dropped at the in-flight cap (%.0f req/s offered)", dropped, offered),
                                             judged: gate!.windows.count)
        }
        if let decided {
            decision = decided
            context.requestStop?(.stopped, "level judged: \(decided.verdict.rawValue)")
        }
    }

    /// The level as measured (a decision, or `interrupted` with `reason` when there was none).
    public func level(users: Int, confirmation: Bool, interrupted reason: String) -> CapacityLevel {
        let loadStart = context?.startWall ?? 0
        let gate = self.gate ?? StabilityGate(settings: settings, slo: slo, loadStart: loadStart)
        let decided = decision ?? StabilityGate.Decision(verdict: .interrupted, reason: "stopped (\(reason)) after \(gate.windows.count) window(s)",
                                                         judged: gate.windows.count)
        return gate.level(users: users, loadStart: loadStart, decision: decided, confirmation: confirmation, goodBySecond: goodBySecond)
    }
}

/// Hands each level's samples to outputs that span the whole search (the one results.jtl), which
/// are begun and finished once by the search, not by each level's run.
public final class ForwardingOutput: RunOutput {
    let targets: [RunOutput]
    public init(_ targets: [RunOutput]) { self.targets = targets }
    public func add(_ batch: [Sample]) throws { for t in targets { try t.add(batch) } }
}
