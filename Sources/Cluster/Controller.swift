import Engine
import Foundation

/// Drives a distributed run: checks the agents (version, token, clock), ships the plan with each
/// agent's slot, starts all at one instant, follows their live streams and heartbeats, and
/// collects their spools at the end. The CLI wires it to the terminal and the result files.
public final class Controller: @unchecked Sendable {
    /// What the controller learnt of one agent.
    public struct AgentState: Sendable {
        public var address: AgentClient.Address
        public var info: AgentProtocol.Info?
        public var offset: ClockOffset?
        public var prepared: AgentProtocol.Prepared?
        /// Controller clock (µs) of the last answer before the agent was given up, when it was.
        public var lostAt: Int64?
        public var lostReason: String?
        /// Its stream ended normally.
        public var ended = false
        public var stoppedBecause: String?
    }

    public let runID: String
    public let merge: LiveMerge
    let clients: [AgentClient]
    private let lock = NSLock()
    private var states: [AgentState]
    /// How long an agent may fail its heartbeats before it is reported lost.
    public var heartbeatTimeout: Double = 5

    public init(agents: [AgentClient.Address], token: String, runID: String, caFile: String? = nil) {
        self.runID = runID
        clients = agents.map { AgentClient(address: $0, token: token, caFile: caFile) }
        states = agents.map { AgentState(address: $0) }
        merge = LiveMerge(agents: agents.map(\.name))
    }

    public var agents: [AgentState] {
        lock.lock()
        defer { lock.unlock() }
        return states
    }

    private func update(_ i: Int, _ change: (inout AgentState) -> Void) {
        lock.lock()
        change(&states[i])
        lock.unlock()
    }

    /// Asks every agent who it is and measures its clock; throws listing every agent that is
    /// unreachable, refuses the token or runs another version. Nothing is started on any agent.
    public func check(version: String) throws(AgentClient.Failure) {
        var problems: [String] = []
        for (i, client) in clients.enumerated() {
            do {
                let info = try client.info()
                guard info.version == version else {
                    problems.append("agent \(client.address.name) (\(client.address.url)) runs ttsload \(info.version), this controller \(version): use the same version everywhere")
                    continue
                }
                if info.state == "running" {
                    problems.append("agent \(client.address.name) is running run \(info.runID ?? "?") already")
                    continue
                }
                let offset = try client.clockOffset()
                update(i) { $0.info = info; $0.offset = offset }
            } catch {
                problems.append(error.message)
            }
        }
        if !problems.isEmpty { throw AgentClient.Failure(message: problems.joined(separator: "\n")) }
    }

    /// Ships the plan and each agent's slot (agent i of N); every agent probes the target.
    public func prepare(planName: String, planYAML: String, files: [AgentProtocol.File], threads: Int, seed: UInt64,
                        controllerTimeout: Double) throws(AgentClient.Failure) {
        var problems: [String] = []
        for (i, client) in clients.enumerated() {
            let request = AgentProtocol.Prepare(runID: runID, agentName: client.address.name,
                                                slot: EngineSlot(index: i, count: clients.count), threads: threads, seed: seed,
                                                planName: planName, planYAML: planYAML, files: files,
                                                controllerTimeout: controllerTimeout)
            do {
                let prepared = try client.prepare(request)
                update(i) { $0.prepared = prepared }
            } catch {
                problems.append(error.message)
            }
        }
        if !problems.isEmpty { throw AgentClient.Failure(message: problems.joined(separator: "\n")) }
    }

    /// Tells every agent to start when the controller's clock reads now + `lead` seconds (each
    /// agent waits for that instant on its own clock, corrected by its offset). Returns the instant.
    public func start(lead: Double) throws(AgentClient.Failure) -> Int64 {
        let at = wallMicros() + Int64(lead * 1_000_000)
        for (i, client) in clients.enumerated() {
            let offset = agents[i].offset?.offset ?? 0
            do {
                try client.start(AgentProtocol.Start(runID: runID, atMicros: at, offsetMicros: offset))
            } catch {
                // Those already told will start; stop them so no load runs for a run that failed.
                stop()
                throw error
            }
        }
        return at
    }

    /// Follows every agent until each has ended its stream or is lost; returns then.
    public func follow() {
        let group = DispatchGroup()
        for i in clients.indices {
            group.enter()
            Thread.detachNewThread { [self] in
                streamLoop(i)
                group.leave()
            }
            Thread.detachNewThread { [self] in heartbeatLoop(i) }
        }
        group.wait()
    }

    private func isFinished(_ i: Int) -> Bool {
        let s = agents[i]
        return s.ended || s.lostAt != nil
    }

    /// Reads the agent's stream, reconnecting from the last record seen, until it ends or the agent is lost.
    private func streamLoop(_ i: Int) {
        let client = clients[i]
        while !isFinished(i) {
            do {
                try client.stream(runID: runID, from: merge.nextSeq(of: client.address.name)) { [self] record in
                    merge.add(record, from: client.address.name)
                    if record.type == .end { update(i) { $0.ended = true } }
                    return !isFinished(i)
                }
            } catch {
                // The heartbeat decides whether the agent is gone; until then, reconnect.
                if !isFinished(i) { usleep(300_000) }
            }
        }
    }

    /// Asks for the agent's status every second (the agent counts it as the controller's
    /// heartbeat); gives the agent up after `heartbeatTimeout` seconds without an answer.
    private func heartbeatLoop(_ i: Int) {
        let client = clients[i]
        var lastAnswer = wallMicros()
        while !isFinished(i) {
            do {
                let status = try client.status(runID: runID)
                lastAnswer = wallMicros()
                if let reason = status.stoppedBecause { update(i) { $0.stoppedBecause = reason } }
            } catch {
                let silent = Double(wallMicros() - lastAnswer) / 1_000_000
                if silent >= heartbeatTimeout {
                    update(i) {
                        $0.lostAt = lastAnswer
                        $0.lostReason = "no answer for \(String(format: "%.1f", silent)) s: \(error.message)"
                    }
                    merge.drop(agent: client.address.name)
                    return
                }
            }
            usleep(1_000_000)
        }
    }

    /// Asks every agent that is not lost to stop its load (graceful: in-flight requests finish).
    public func stop() {
        for (i, client) in clients.enumerated() where agents[i].lostAt == nil {
            try? client.stop(runID: runID)
        }
    }

    /// Fetches every agent's spool into `folder/<agent>.jtl`; lost agents are tried too (they may
    /// be back). Returns, per agent, the file or why there is none.
    public func collect(into folder: String) -> [(agent: String, path: String?, problem: String?)] {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return clients.map { client in
            let path = folder + "/" + client.address.name + ".jtl"
            do {
                let bytes = try client.spool(runID: runID)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return (client.address.name, path, nil)
            } catch let failure as AgentClient.Failure {
                return (client.address.name, FileManager.default.fileExists(atPath: path) ? path : nil, failure.message)
            } catch {
                return (client.address.name, nil, "\(path): \(error)")
            }
        }
    }
}
