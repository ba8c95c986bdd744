import Engine
import Foundation
import Plan
import Results

/// One share of a distributed test on an agent: prepared from the controller's plan, started at
/// the common instant, its samples spooled to a JTL on disk and summarised into stream records.
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
    private let engine: LoadEngine
    private let recorder: RunRecorder
    private let lock = NSLock()
    private var state = State.prepared
    private var outbox: [StreamRecord] = []
    private var stoppedBecause: String?
    /// The daemon is going away (SIGTERM): the end record says so, and the controller fetches the
    /// spool at once instead of at the end of the whole run.
    private var exiting = false
    private var clockStart: (controller: Int64, mono: Int64)?
    /// The probe's line for the controller's log.
    let probe: String
    let slot: EngineSlot
    let threads: Int
    /// The daemon's own `--name`, for agent.json.
    let daemon: String
    /// Samples and failures drained so far (the recorder's statistics belong to the drain thread).
    private var drained = (samples: 0, errors: 0)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes the shipped files, loads the plan, probes the target and builds the engine.
    init(_ request: AgentProtocol.Prepare, spool: String, threads: Int, daemon: String = "") throws {
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
        for file in request.files {
            // Only paths inside the plan folder: a controller must not write elsewhere on the agent.
            let parts = file.path.split(separator: "/")
            guard !file.path.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
                throw Failure(description: "files: \(file.path): only relative paths inside the plan's folder")
            }
            guard let data = Data(base64Encoded: file.base64) else { throw Failure(description: "files: \(file.path): not base64") }
            let path = planFolder + "/" + file.path
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
        let planPath = planFolder + "/plan.yaml"
        try request.planYAML.write(toFile: planPath, atomically: true, encoding: .utf8)
        let loaded: LoadedPlan
        do {
            loaded = try PlanLoader.parse(data: Data(request.planYAML.utf8), file: planPath, defaultName: request.planName,
                                          baseDirectory: planFolder)
        } catch {
            throw Failure(description: "plan_yaml: " + error.diagnostics.map(\.description).joined(separator: "; "))
        }
        plan = loaded.plan
        guard case .url(let target) = plan.target.location else {
            throw Failure(description: "target.url: embedded cannot be shared by agents; give the server's URL")
        }
        do {
            let sample = try Probe.check(plan: plan, baseURL: target)
            probe = "\(sample.url) -> \(sample.status) in \(sample.elapsed / 1_000) ms"
        } catch {
            throw Failure(description: "\(error)")
        }
        profile = LoadProfile(plan: plan)
        var indices: [String: Int] = [:]
        for (i, g) in plan.threadGroups.enumerated() { indices[g.name] = i }
        recorder = try RunRecorder(jtlPath: folder + "/results.jtl", profile: profile, groupIndices: indices,
                                   startWall: Int64(Date().timeIntervalSince1970 * 1_000_000))
        engine = try LoadEngine(plan: plan, baseURL: target, threads: threads, sink: recorder, seed: request.seed, slot: request.slot)
        slot = request.slot
        self.threads = threads
        self.daemon = daemon
        recorder.onBatch = { [weak self] batch in self?.publish(batch) }
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
        let engine = self.engine
        let loadDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            engine.run(start: (localWall: controllerMicros + offset, reportedWall: controllerMicros))
            loadDone.signal()
        }
        Thread.detachNewThread { [self] in
            drainLoop(loadDone: loadDone, controllerStart: controllerMicros)
        }
    }

    /// Drains samples four times a second into the spool and the outbox, with one tick a second.
    private func drainLoop(loadDone: DispatchSemaphore, controllerStart: Int64) {
        var startFixed = false
        var lastTick = Int64.min
        while loadDone.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            if !startFixed, engine.startWall > 0 {
                recorder.setStart(engine.startWall)
                lock.lock()
                clockStart = (engine.startWall, engine.startMonotonic)
                lock.unlock()
                startFixed = true
            }
            recorder.drain()
            let now = controllerNow()
            // A second is complete once every sample that ended in it has been drained: samples are
            // queued at completion and drained within 250 ms, so wait 300 ms past its end.
            let through = (now - 300_000) / 1_000_000 - 1
            if through > lastTick, startFixed {
                lastTick = through
                emitTick(through: through)
            }
        }
        if !startFixed { recorder.setStart(engine.startWall) }
        recorder.close()  // flushed and fsync'd
        let counters = engine.counters
        lock.lock()
        let reason = stoppedBecause
        lock.unlock()
        // The row count goes to disk before the stream says "end": a controller that fetches the
        // spool after the end record (or from a restarted agent) finds the count beside the rows.
        try? spoolFolder.write(note(state: "finished", samples: recorder.rowsWritten, stoppedBecause: reason, counters: counters))
        lock.lock()
        state = .finished
        lock.unlock()
        emitTick(through: controllerNow() / 1_000_000 + 1)
        lock.lock()
        var end = StreamRecord(type: .end, seq: outbox.count)
        end.samples = recorder.rowsWritten
        end.state = reason == nil ? "finished" : "stopped"
        end.stoppedBecause = reason
        end.counters = counters
        if exiting { end.exiting = true }
        outbox.append(end)
        lock.unlock()
    }

    /// The controller's clock now, as this agent follows it (start instant + monotonic time since).
    private func controllerNow() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        guard let clockStart else { return 0 }
        return clockStart.controller + (Self.monotonicMicros() - clockStart.mono)
    }

    private func emitTick(through: Int64) {
        let users = engine.activeUsers
        lock.lock()
        let samples = drained.samples
        outbox.append(.tick(seq: outbox.count, through: through, users: users, samples: samples, state: state.rawValue))
        lock.unlock()
    }

    private func publish(_ batch: [Sample]) {
        lock.lock()
        drained.samples += batch.count
        drained.errors += batch.count { !$0.success }
        var seq = outbox.count
        outbox.append(contentsOf: SecondRecorder.records(for: batch, nextSeq: &seq))
        lock.unlock()
    }

    /// Stream records from `seq` on, and whether the stream is complete (the `end` record is among them).
    func records(from seq: Int) -> (records: ArraySlice<StreamRecord>, ended: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let from = min(max(seq, 0), outbox.count)
        return (outbox[from...], outbox.last?.type == .end)
    }

    /// Stops the load (in-flight requests finish within the plan's graceful stop). `exiting`: the
    /// daemon is going away, and the end record tells the controller to fetch the spool now.
    func stop(because reason: String?, hard: Bool = false, exiting: Bool = false) {
        lock.lock()
        if stoppedBecause == nil { stoppedBecause = reason ?? "stopped by the controller" }
        if exiting { self.exiting = true }
        lock.unlock()
        engine.stop(hard: hard)
    }

    var status: AgentProtocol.Status {
        lock.lock()
        defer { lock.unlock() }
        return AgentProtocol.Status(state: state.rawValue, runID: id, samples: drained.samples, errors: drained.errors,
                                    activeUsers: engine.activeUsers.reduce(0, +), elapsed: engine.elapsed, stoppedBecause: stoppedBecause,
                                    counters: engine.counters)
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
    var spoolPath: String { folder + "/results.jtl" }

    static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
