import Foundation

/// The controller's check of every agent's part of a distributed run before it calls the run
/// complete: the agent ran its share to the end, and the spool collected from it is its own (this
/// run, this agent, only its users) and complete (as many rows as the agent itself counted).
///
/// Three agents once shared one spool folder and the merged JTL held one agent's samples three
/// times while the run said `ok`; no spool is trusted blindly since. Any finding makes the run
/// `degraded`, never `ok`.
public enum SpoolCheck {
    /// One reason the run is degraded, naming its agent.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var agent: String
        public var reason: String
        /// The agent was lost (no heartbeat answer), as opposed to a problem with what it delivered.
        public var lost: Bool
        public var description: String { reason }
    }

    /// Every finding, lost agents first, then in agent order.
    ///
    /// - Parameters:
    ///   - agents: the controller's states, in slot order (agent i ran slot i of `agents.count`).
    ///   - collected: `Controller.collect`'s answer.
    ///   - merged: the spools as read by `SpoolMerge` (rows per agent, duplicates, samples with their agent).
    public static func findings(runID: String, agents: [Controller.AgentState], collected: [Controller.Collected],
                                merged: SpoolMerge.Result) -> [Finding] {
        let count = agents.count
        // Users are dealt over global threads i + N*k, so agent i runs exactly the users u with
        // (u - 1) mod N == i (docs/ARCHITECTURE.md, "Cluster decisions"): a row of another user
        // is another agent's sample.
        var foreign: [String: Int] = [:]
        let slots = Dictionary(agents.enumerated().map { ($1.address.name, $0) }, uniquingKeysWith: { a, _ in a })
        for sample in merged.samples {
            guard let slot = slots[sample.agent] else { continue }
            let owner = ((sample.userNumber - 1) % count + count) % count
            if owner != slot { foreign[sample.agent, default: 0] += 1 }
        }
        var lost: [Finding] = [], others: [Finding] = []
        for (index, state) in agents.enumerated() {
            let name = state.address.name
            func add(_ reason: String) { others.append(Finding(agent: name, reason: reason, lost: false)) }
            if let lostAt = state.lostAt {
                lost.append(Finding(agent: name, reason: "lost \(name) (last answer \(isoTime(lostAt)): \(state.lostReason ?? "no answer"))", lost: true))
            } else if let reason = state.stoppedBecause, reason != stoppedByController {
                add("\(name) stopped its load before the end: \(reason)")
            }
            let item = collected.first { $0.agent == name }
            guard let item, item.path != nil else {
                // A lost agent's missing spool is part of its loss; anyone else's is a finding of its own.
                if state.lostAt == nil { add("\(name): no spool collected (\(item?.problem ?? "not asked"))") }
                continue
            }
            let rows = merged.rowsByAgent[name] ?? 0
            if let identity = item.identity {
                if identity.runID != runID || identity.agent != name {
                    add("\(name): the spool it served is \(identity.agent ?? "an unnamed agent")'s of run \(identity.runID ?? "?"), not \(name)'s of run \(runID)")
                }
                if let theirs = identity.samples, let streamed = state.samplesCounted, theirs != streamed {
                    add("\(name): its spool's note counts \(theirs) rows, its stream's end \(streamed)")
                }
            } else if item.problem == nil {
                add("\(name): the agent did not say whose spool it served (no \(AgentProtocol.SpoolHeader.agent) header)")
            }
            // (A file kept from an earlier collection without an identity is the earlier run's
            // file, checked then; the failed fetch is reported by the caller.)
            // The agent's own count: its end record, else what its spool's note says (a restarted
            // agent that had finished). A lost agent without either may have lost its last second.
            if let counted = state.samplesCounted ?? item.identity?.samples, rows != counted {
                add("\(name): its spool has \(rows) rows, the agent counted \(counted)")
            }
            if let other = foreign[name], other > 0 {
                add("\(name): \(other) of its \(rows) spool rows are other agents' users' (its users are \(index + 1), \(index + 1 + count), ...)")
            }
            if let repeated = merged.duplicatesByAgent[name], repeated > 0 {
                add("\(name): \(repeated) spool rows repeat rows of another agent's spool")
            }
        }
        return lost + others
    }

    /// The reason an agent gives when the controller stopped it (Ctrl-C): not a problem of that agent.
    public static let stoppedByController = "stopped by the controller"

    /// An agent's status for summary.json: `lost`, `stopped` (by itself), `spool-mismatch`, or `ok`.
    public static func status(of state: Controller.AgentState, findings: [Finding]) -> String {
        if state.lostAt != nil { return "lost" }
        if let reason = state.stoppedBecause, reason != stoppedByController { return "stopped" }
        return findings.contains { $0.agent == state.address.name } ? "spool-mismatch" : "ok"
    }

    /// What went wrong with an agent, for summary.json: its findings, else its stop reason.
    public static func problem(of state: Controller.AgentState, findings: [Finding]) -> String? {
        let mine = findings.filter { $0.agent == state.address.name }.map(\.reason)
        return mine.isEmpty ? (state.lostReason ?? state.stoppedBecause) : mine.joined(separator: "; ")
    }

    static func isoTime(_ micros: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
    }
}
