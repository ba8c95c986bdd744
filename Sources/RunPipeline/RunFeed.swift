import Engine
import Foundation
import Plan
import Results

/// The one place a run's data flows past its outputs, whoever produces it: `LoadRun` from the
/// engine in this process (or on an agent), the controller of a distributed run from the agents'
/// merged streams and spools. It keeps the run's statistics (totals, per label, per step hold),
/// builds the summary at the end, and turns an output's failure into a stopped, `failed` run.
///
/// Not thread-safe: one driver thread calls it.
public final class RunFeed {
    public let context: RunContext
    private let outputs: [RunOutput]
    /// Outputs that threw: they get nothing more.
    private var failed = Set<ObjectIdentifier>()
    public private(set) var statistics: RunStatistics
    /// Why the run failed (an output's error), in order.
    public private(set) var failures: [String] = []
    /// Called once, on the first failure: the driver stops the load.
    public var onFailure: ((String) -> Void)?

    public init(context: RunContext, outputs: [RunOutput]) {
        self.context = context
        self.outputs = outputs
        statistics = RunStatistics(profile: context.profile, groupIndices: context.groupIndices, startWall: context.startWall)
    }

    /// Begins every output; the first that cannot begin stops the run before any load.
    public func begin() throws {
        for output in outputs { try output.begin(context) }
    }

    /// Schedule time 0, before the first batch: places samples in steps.
    public func start(at wall: Int64) {
        context.startWall = wall
        statistics.startWall = wall
    }

    public func add(_ batch: [Sample]) {
        guard !batch.isEmpty else { return }
        for s in batch { statistics.add(s) }
        for output in outputs where !failed.contains(ObjectIdentifier(output)) {
            do { try output.add(batch) } catch { fail(output, error) }
        }
    }

    public func second(_ snapshot: SecondSnapshot) {
        for output in outputs where !failed.contains(ObjectIdentifier(output)) { output.second(snapshot) }
    }

    /// Ends the run: builds the summary, then finishes every output in order (each sees what the
    /// ones before it added). Returns the end as the last output left it.
    ///
    /// - Parameters:
    ///   - status: how the driver saw the run end (`complete`, `interrupted`, `degraded`); a
    ///     failure of an output overrides it with `failed`.
    ///   - adjust: a last change to the end before outputs see it (the controller's agents).
    @discardableResult
    public func finish(status: RunStatus, reasons: [String] = [], counters: EngineCounters, durationSeconds: Double,
                       audioWarnings: [String: String] = [:], adjust: (inout RunEnd) -> Void = { _ in }) -> RunEnd {
        var summary = RunSummary(plan: context.plan, target: context.target, statistics: statistics,
                                 durationSeconds: max(0, durationSeconds), interruptedRun: status == .interrupted,
                                 dropped: counters.dropped, late: counters.late, interrupted: counters.interrupted,
                                 dataExhausted: counters.dataExhausted)
        summary.audioWarnings = audioWarnings
        summary.planDirectory = URL(fileURLWithPath: context.plan.baseDirectory).standardizedFileURL.path
        var end = RunEnd(status: failures.isEmpty ? status : .failed, reasons: failures + reasons, statistics: statistics,
                         counters: counters, durationSeconds: max(0, durationSeconds), audioWarnings: audioWarnings,
                         summary: summary)
        end.summary.status = end.status.rawValue
        end.summary.writeFailure = failures.first
        adjust(&end)
        for output in outputs {
            let wasFailed = failed.contains(ObjectIdentifier(output))
            do {
                try output.finish(&end)
            } catch {
                // An output that failed earlier is only closing: its reason is given already.
                if !wasFailed {
                    fail(output, error)
                    end.reasons.append("\(error)")
                }
                end.status = .failed
            }
            end.summary.status = end.status.rawValue
        }
        return end
    }

    private func fail(_ output: RunOutput, _ error: Error) {
        failed.insert(ObjectIdentifier(output))
        let message = "\(error)"
        failures.append(message)
        if failures.count == 1 { onFailure?(message) }
    }
}
