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
        /// Rows in its spool by its own count (the `end` record's `samples`), once its stream ended.
        public var samplesCounted: Int?
        /// Its engine's counters: from the `end` record, or its last status before it was lost.
        public var counters: EngineCounters?
        /// Its end record said the agent process was exiting (SIGTERM).
        public var exiting = false
        /// Whose spool it served, as its response headers said (the last fetch that succeeded).
        public var spool: AgentClient.SpoolIdentity?
    }

    /// One agent's collected spool: the file (a fresh fetch, or one fetched earlier when the agent
    /// no longer answers), why the fetch failed if it did, and whose the agent said it was.
    public struct Collected: Sendable {
        public var agent: String
        public var path: String?
        public var problem: String?
        public var identity: AgentClient.SpoolIdentity?
    }

    /// Whether `id` can be a run id: it goes into URLs and agents' spool folders, so 1 to 200
    /// ASCII letters, digits, '.', '_', '-', starting with a letter or digit.
    public static func isValidRunID(_ id: String) -> Bool {
        id.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$", options: .regularExpression) != nil
    }

    public let runID: String
    public let merge: LiveMerge
    let clients: [AgentClient]
    private let lock = NSLock()
    private var states: [AgentState]
    /// How long an agent may fail its heartbeats before it is reported lost.
    public var heartbeatTimeout: Double = 5
    /// Where spools go (`<folder>/<agent>.jtl`): an agent whose end record says it is exiting
    /// (SIGTERM) has its spool fetched there at once, since it will not answer at the end. nil: not then.
    public var spoolFolder: String?

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
                        controllerTimeout: Double, environment: [String: String] = [:]) throws(AgentClient.Failure) {
        var problems: [String] = []
        for (i, client) in clients.enumerated() {
            var request = AgentProtocol.Prepare(runID: runID, agentName: client.address.name,
                                                slot: EngineSlot(index: i, count: clients.count), threads: threads, seed: seed,
                                                planName: planName, planYAML: planYAML, files: files,
                                                controllerTimeout: controllerTimeout)
            request.environment = environment
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
            var end: StreamRecord?
            do {
                try client.stream(runID: runID, from: merge.nextSeq(of: client.address.name)) { [self] record in
                    merge.add(record, from: client.address.name)
                    if record.type == .end {
                        end = record
                        return false  // the last record: hang up (and fetch below, not inside libcurl's callback)
                    }
                    return !isFinished(i)
                }
            } catch {
                // The heartbeat decides whether the agent is gone; until then, reconnect.
                if end == nil && !isFinished(i) { usleep(300_000) }
            }
            guard let record = end else { continue }
            // Its spool first when it is going away: once `ended` is set the run may move on to
            // collecting, and the agent waits (bounded) only for this fetch before it exits.
            if record.exiting == true, let spoolFolder { _ = fetchSpool(i, into: spoolFolder) }
            update(i) {
                $0.samplesCounted = record.samples
                $0.counters = record.counters ?? $0.counters
                if let reason = record.stoppedBecause { $0.stoppedBecause = reason }
                $0.exiting = record.exiting == true
                $0.ended = true
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
                update(i) {
                    if let reason = status.stoppedBecause { $0.stoppedBecause = reason }
                    if let counters = status.counters { $0.counters = counters }
                }
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
    /// be back). An agent that does not answer keeps the file fetched earlier (at its exit), with
    /// the identity it had then. Returns, per agent, the file or why there is none.
    public func collect(into folder: String) -> [Collected] {
        clients.indices.map { i in fetchSpool(i, into: folder) }
    }

    /// The agents' counters added up (each agent's from its end record, or its last status).
    public var counters: EngineCounters {
        agents.reduce(EngineCounters()) { $0 + ($1.counters ?? EngineCounters()) }
    }

    /// Fetches agent `i`'s spool into `folder/<name>.jtl` (through a temporary file, so a failed
    /// fetch never spoils one fetched before).
    private func fetchSpool(_ i: Int, into folder: String) -> Collected {
        let client = clients[i]
        let name = client.address.name
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name + ".jtl"
        do {
            let fetched = try client.spool(runID: runID)
            let temporary = path + ".part"
            // A leftover (or planted) .part is unlinked, not written through: a symlink there
            // would send the spool wherever it points. The new file is created exclusively.
            unlink(temporary)
            try Data(fetched.bytes).write(to: URL(fileURLWithPath: temporary), options: .withoutOverwriting)
            guard rename(temporary, path) == 0 else { throw AgentClient.Failure(message: "\(path): rename failed") }
            update(i) { $0.spool = fetched.identity }
            return Collected(agent: name, path: path, problem: nil, identity: fetched.identity)
        } catch let failure as AgentClient.Failure {
            let earlier = FileManager.default.fileExists(atPath: path)
            return Collected(agent: name, path: earlier ? path : nil, problem: failure.message, identity: earlier ? agents[i].spool : nil)
        } catch {
            return Collected(agent: name, path: nil, problem: "\(path): \(error)", identity: nil)
        }
    }
}
