import Engine
import Foundation
import Plan
import Results
import RunPipeline

/// One share of a distributed test on an agent: prepared from the controller's plan, started at
/// the common instant, run by `LoadRun` with two outputs: the spool JTL on disk and the stream
/// the controller follows (`StreamOutput`).
///
/// The spool folder (`SpoolFolder`: `<spool>/<run id>/<agent name>/`) holds `plan/` (the plan and
/// its data files as shipped), `results.jtl` (every sample, flushed at least every half second, so
/// a killed agent keeps all but its last moments) and `agent.json` (whose spool it is; its row
/// count once the run has finished).
final class AgentRun: @unchecked Sendable {
    enum State: String { case prepared, running, finished }

    let id: String
    let name: String
    let folder: String
    let spoolFolder: SpoolFolder
    let plan: Plan
    let profile: LoadProfile
    private let load: LoadRun
    private let stream: StreamOutput
    private let spoolJTL: JTLOutput
    private let lock = NSLock()
    private var state = State.prepared
    private var stoppedBecause: String?
    /// The daemon is going away (SIGTERM): the end record says so, and the controller fetches the
    /// spool at once instead of at the end of the whole run.
    private var exiting = false
    /// The probe's line for the controller's log.
    let probe: String
    let slot: EngineSlot
    let threads: Int
    /// The daemon's own `--name`, for agent.json.
    let daemon: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes the shipped files, loads the plan, probes the target and builds the engine.
    init(_ request: AgentProtocol.Prepare, spool: String, threads: Int, daemon: String = "", allow: TargetAllowList = TargetAllowList()) throws {
        id = request.runID
        name = request.agentName
        do {
            spoolFolder = try SpoolFolder(spool: spool, runID: request.runID, agent: request.agentName)
        } catch {
            throw Failure(description: error.description)
        }
        folder = spoolFolder.path
        let planFolder = folder + "/plan"
        let fm = FileManager.default
        // Only this agent's own folder of this run (a run prepared again starts clean).
        try? fm.removeItem(atPath: folder)
        try fm.createDirectory(atPath: planFolder, withIntermediateDirectories: true)
        // The controller caps what it ships; an agent does not rely on the controller being ours.
        let shipped = request.files.reduce(0) { $0 + $1.base64.utf8.count / 4 * 3 }
        guard shipped <= AgentProtocol.maxShippedBytes + 2 * request.files.count else {
            throw Failure(description: "files: \(shipped / 1_048_576) MiB in all, more than the \(AgentProtocol.maxShippedBytes / 1_048_576) MiB an agent takes with a plan")
        }
        for file in request.files {
            // Only paths inside the plan folder: a controller must not write elsewhere on the agent.
            let parts = file.path.split(separator: "/")
            guard !file.path.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
                throw Failure(description: "files: \(file.path): only relative paths inside the plan's folder")
            }
            guard let data = Data(base64Encoded: file.base64) else { throw Failure(description: "files: \(file.path): not base64") }
            let path = planFolder + "/" + file.path
            try fm.createDirectory(atPath: parentDirectory(of: path), withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
        let planPath = planFolder + "/plan.yaml"
        let loaded: LoadedPlan
        do {
            // `${env:NAME}` from what the controller sent, never this host's environment.
            loaded = try PlanLoader.parse(data: Data(request.planYAML.utf8), file: planPath, defaultName: request.planName,
                                          baseDirectory: planFolder, environment: request.environment ?? [:])
        } catch {
            throw Failure(description: "plan_yaml: " + error.diagnostics.map(\.description).joined(separator: "; "))
        }
        // The copy on disk without the plan's secrets.
        try loaded.redactedYAML.write(toFile: planPath, atomically: true, encoding: .utf8)
        plan = loaded.plan
        guard case .url(let target) = plan.target.location else {
            throw Failure(description: "target.url: embedded cannot be shared by agents; give the server's URL")
        }
        // An A/B run (docs/ab.md): the `[b]` twins send to side b, which must be an address too.
        var targetB: String?
        if let ab = plan.ab {
            guard case .url(let b) = ab.b.location else {
                throw Failure(description: "targets.b: embedded cannot be shared by agents; give the server's URL")
            }
            targetB = b
        }
        // Before any request, the probe included: both sides of an A/B run.
        if let why = allow.refusal(plan: plan, target: target) { throw Failure(description: plan.ab == nil ? why : "side a: " + why) }
        if let targetB, let why = allow.refusal(targetB) { throw Failure(description: "targets.b: " + why) }
        // Files come with the plan, into its folder: no path the controller names is opened here.
        let named = plan.data.map { ("data \($0.name)", $0.file) } + plan.target.connection.files.map { ("target.tls", $0) }
        for (what, file) in named where file.hasPrefix("/") || file.split(separator: "/").contains("..") {
            throw Failure(description: "\(what): \(file): an agent reads only files shipped with the plan (a path inside its folder)")
        }
        do {
            if let targetB {
                // Each side probed with its own plan, as `ttsload run` does in one process.
                let a = try Probe.check(plan: plan.sidePlan(.a), baseURL: target, agentName: request.agentName)
                let b = try Probe.check(plan: plan.sidePlan(.b), baseURL: targetB, agentName: request.agentName)
                probe = "a: \(a.url) -> \(a.status) in \(a.elapsed / 1_000) ms; b: \(b.url) -> \(b.status) in \(b.elapsed / 1_000) ms"
            } else {
                let sample = try Probe.check(plan: plan, baseURL: target, agentName: request.agentName)
                probe = "\(sample.url) -> \(sample.status) in \(sample.elapsed / 1_000) ms"
            }
        } catch {
            throw Failure(description: "\(error)")
        }
        profile = LoadProfile(plan: plan)
        stream = StreamOutput()
        spoolJTL = JTLOutput(path: spoolFolder.jtlPath)
        // This host's load generator (and the host, when the plan lists it) go to the controller with every tick.
        let monitors = MonitorOutput(onAgent: true)
        stream.monitorValues = { monitors.latestValues() }
        load = try LoadRun(plan: plan, target: target, targetB: targetB, folder: nil, threads: threads, outputs: [monitors, spoolJTL, stream],
                           seed: request.seed, slot: request.slot, agentName: request.agentName)
        slot = request.slot
        self.threads = threads
        self.daemon = daemon
        // A spool that cannot be written (disk full, EIO) stops this agent's load; the reason, which
        // names the file, reaches the controller in the status, and the rows written before stay.
        load.onFailure = { [weak self] message in self?.stop(because: "spool \(message)") }
        try spoolFolder.write(note(state: "prepared"))
    }

    private func note(state: String, samples: Int? = nil, stoppedBecause: String? = nil, counters: EngineCounters? = nil) -> SpoolFolder.Note {
        SpoolFolder.Note(runID: id, agent: name, slot: "\(slot.index) of \(slot.count)", daemon: daemon, pid: getpid(), state: state,
                         samples: samples, stoppedBecause: stoppedBecause, counters: counters)
    }

    /// This agent's users at each step of each group, e.g. `tts: 4 17 34 67 users`, or its part of
    /// an open model's arrival rate.
    var shareText: String {
        profile.groups.map { group in
            let levels = group.steps.map { Int($0.level.rounded()) }
            if group.isOpen {
                return "\(group.name): 1/\(slot.count) of the arrivals (\(levels.map(String.init).joined(separator: " ")) /s in all)"
            }
            let mine = levels.map { slot.users(of: $0, threadsPerAgent: threads) }
            return "\(group.name): \(mine.map(String.init).joined(separator: " ")) users"
        }.joined(separator: "; ")
    }

    /// Starts the load when this host's clock reads `at + offset` (the controller's `at`), on a
    /// thread of its own; samples are stamped on the controller's clock.
    func start(at controllerMicros: Int64, offset: Int64) {
        lock.lock()
        guard state == .prepared else { lock.unlock(); return }
        state = .running
        lock.unlock()
        // A spool of an agent that dies from here on says it never finished (no row count).
        try? spoolFolder.write(note(state: "running"))
        Thread.detachNewThread { [self] in
            var failure: String?
            var counters = EngineCounters()
            do {
                counters = try load.run(start: (localWall: controllerMicros + offset, reportedWall: controllerMicros)).counters
            } catch {
                failure = "spool: \(error)"
            }
            lock.lock()
            if stoppedBecause == nil { stoppedBecause = failure }
            let reason = stoppedBecause, leaving = exiting
            lock.unlock()
            // The spool is closed and synced (the JTL output's finish); its row count goes to disk
            // before the stream says "end", so a controller that fetches the spool after the end
            // record (or from a restarted agent) finds the count beside the rows. The end record
            // comes before `finished`: a daemon shutting down waits for that, then exits.
            try? spoolFolder.write(note(state: "finished", samples: spoolJTL.rowsOnDisk, stoppedBecause: reason, counters: counters))
            stream.end(samples: spoolJTL.rowsOnDisk, stoppedBecause: reason, counters: counters, exiting: leaving)
            lock.lock()
            state = .finished
            lock.unlock()
        }
    }

    /// Stream records from `seq` on, and whether the stream is complete (the `end` record is among them).
    func records(from seq: Int) -> (records: ArraySlice<StreamRecord>, ended: Bool) {
        stream.records(from: seq)
    }

    /// Stops the load (in-flight requests finish within the plan's graceful stop). `exiting`: the
    /// daemon is going away, and the end record tells the controller to fetch the spool now.
    func stop(because reason: String?, hard: Bool = false, exiting: Bool = false) {
        lock.lock()
        if stoppedBecause == nil { stoppedBecause = reason ?? "stopped by the controller" }
        if exiting { self.exiting = true }
        lock.unlock()
        load.stop(hard: hard, reason: reason)
    }

    var status: AgentProtocol.Status {
        lock.lock()
        defer { lock.unlock() }
        let drained = stream.drained
        return AgentProtocol.Status(state: state.rawValue, runID: id, samples: drained.samples, errors: drained.errors,
                                    activeUsers: load.engine.activeUsers.reduce(0, +), elapsed: load.engine.elapsed,
                                    stoppedBecause: stoppedBecause, counters: load.engine.counters)
    }

    /// The stream's `end` record has been made (spool closed, synced, counted).
    var hasEnded: Bool { records(from: .max).ended }

    /// The plan's graceful stop, in seconds: how long a stop may take before requests are aborted.
    var gracefulStopSeconds: Double { Double(plan.defaults.gracefulStop.microseconds) / 1_000_000 }

    var currentState: State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    /// The spool JTL as it stands (flushed rows only).
    var spoolPath: String { spoolFolder.jtlPath }

    static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
