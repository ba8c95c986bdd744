import Dispatch
import Engine
import Foundation
import Results
import RunPipeline

/// The controller's side of a distributed run as a driver of the run pipeline: the same outputs
/// as a run in one process, fed from the agents' merged live streams (one `SecondSnapshot` per
/// second every live agent has completed) and, at the end, from their collected spools (every
/// sample, merged into the run's JTL by the JTL output).
public final class DistributedLoad: @unchecked Sendable {
    public let controller: Controller
    public let context: RunContext
    private let feed: RunFeed
    private let lock = NSLock()
    private var interrupted = false
    private var ended: (status: RunStatus, reason: String)?

    /// `context.folder` must be set: the agents' spools are collected into its `agents/`.
    public init(controller: Controller, context: RunContext, outputs: [RunOutput]) {
        self.controller = controller
        self.context = context
        feed = RunFeed(context: context, outputs: outputs)
        feed.onFailure = { [controller] _ in controller.stop() }
        context.requestStop = { [weak self] status, reason in self?.end(status: status, reason: reason) }
    }

    /// Begins the outputs, starts every agent `lead` seconds from now, follows them to the end,
    /// collects and merges their spools. `started` is told the common start instant.
    public func run(lead: Double, threads: Int, started: (Int64) -> Void) throws -> RunEnd {
        try feed.begin()
        // An agent sent SIGTERM hands its spool over at once, into the folder the end collects into.
        controller.spoolFolder = context.folder!.agents
        let startAt = try controller.start(lead: lead)
        feed.start(at: startAt)
        started(startAt)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [controller] in
            controller.follow()
            finished.signal()
        }
        var handedOut = startAt / 1_000_000 - 1
        var errors = 0
        func handOut(through: Int64) {
            guard through > handedOut else { return }
            for second in (handedOut + 1)...through {
                let (total, byLabel) = controller.merge.stats(second: second)
                errors += total.errors
                let groups = controller.merge.activeUsersByGroup
                var snapshot = SecondSnapshot(second: second, elapsed: Double((second + 1) * 1_000_000 - startAt) / 1_000_000,
                                              users: groups.isEmpty ? [0] : groups, total: total, byLabel: byLabel, errorsSoFar: errors)
                snapshot.agentMonitors = controller.merge.takeMonitors(second: second)
                snapshot.agentUsers = controller.merge.activeUsersByAgent
                feed.second(snapshot)
            }
            handedOut = through
        }
        while finished.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            if let through = controller.merge.completeThrough { handOut(through: min(through, wallMicros() / 1_000_000)) }
        }

        // The spools are the record of truth: every sample, merged into the outputs.
        let folder = context.folder!
        let collected = controller.collect(into: folder.agents)
        let spools = collected.compactMap { c in c.path.map { (agent: c.agent, path: $0) } }
        var findings: [SpoolCheck.Finding] = []
        var reasons: [String] = []
        var rows: [String: Int] = [:]
        var lastEnd = startAt
        let states: [Controller.AgentState]
        do {
            let merged = try SpoolMerge.read(spools: spools, users: controller.merge.usersTimeline())
            for warning in merged.warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
            states = controller.agents
            // Lost or self-stopped agents, and spools that are not their agent's own and complete.
            findings = SpoolCheck.findings(runID: controller.runID, agents: states, collected: collected, merged: merged)
            rows = merged.rowsByAgent
            lastEnd = merged.samples.lazy.map(\.end).max() ?? startAt
            feed.add(merged.samples)
        } catch {
            states = controller.agents
            reasons.append("merging the agents' spools: \(error)")
        }
        reasons = findings.map(\.reason) + reasons
        lock.lock()
        let wasInterrupted = interrupted
        let endedEarly = ended
        lock.unlock()
        let status: RunStatus = wasInterrupted ? .interrupted : !reasons.isEmpty ? .degraded : (endedEarly?.status ?? .complete)
        if let endedEarly { reasons.append(endedEarly.reason) }
        return feed.finish(status: status, reasons: reasons, counters: controller.counters,
                           durationSeconds: Double(lastEnd - startAt) / 1_000_000) { end in
            let summary = self.distributedSummary(states: states, rows: rows, threads: threads, startAt: startAt, findings: findings)
            end.summary.distributed = summary
            end.sections.append(("per agent", summary.agents.map { a in
                let collected = a.rowsCollected.map(String.init) ?? "-"
                return "  \(a.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(a.status.padding(toLength: 8, withPad: " ", startingAt: 0)) streamed \(a.samplesStreamed), collected \(collected), clock \(String(format: "%+.1f", a.clockOffsetMs)) ms" + (a.problem.map { "  (\($0))" } ?? "") + "\n"
            }.joined()))
        }
    }

    /// Asks every agent to stop (Ctrl-C, SIGTERM): in-flight requests finish, the spools are
    /// collected, and the run ends `interrupted`.
    public func stop() {
        lock.lock()
        interrupted = true
        lock.unlock()
        controller.stop()
    }

    /// Ends the load early as the plan asks (`aborted` by a threshold, `stopped` by `stop_when`):
    /// every agent stops, their spools are collected, the run ends with `status`.
    public func end(status: RunStatus, reason: String) {
        lock.lock()
        let first = ended == nil && !interrupted
        if first { ended = (status, reason) }
        lock.unlock()
        if first { controller.stop() }
    }

    private func distributedSummary(states: [Controller.AgentState], rows: [String: Int], threads: Int,
                                    startAt: Int64, findings: [SpoolCheck.Finding]) -> DistributedSummary {
        let streamedCounts = controller.merge.samplesByAgent
        let agents = states.map { s in
            DistributedSummary.Agent(
                name: s.address.name, url: s.address.url, share: s.prepared?.share ?? "",
                clockOffsetMs: Double(s.offset?.offset ?? 0) / 1_000, roundTripMs: Double(s.offset?.roundTrip ?? 0) / 1_000,
                samplesStreamed: streamedCounts[s.address.name] ?? 0, rowsCollected: rows[s.address.name], samplesCounted: s.samplesCounted,
                status: SpoolCheck.status(of: s, findings: findings), lostAt: s.lostAt.map(isoTime),
                problem: SpoolCheck.problem(of: s, findings: findings))
        }
        let streamed = controller.merge.labelTotals.mapValues { DistributedSummary.Streamed(count: $0.count, errors: $0.errors, latency: $0.latency) }
        var summary = DistributedSummary(runID: controller.runID, threadsPerAgent: threads, startAt: isoTime(startAt), agents: agents, streamed: streamed)
        summary.degradedBecause = findings.map(\.reason)
        return summary
    }
}

/// µs since the epoch as ISO 8601 with milliseconds.
public func isoTime(_ micros: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
}
