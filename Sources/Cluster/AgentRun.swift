import Engine
import Foundation
import Plan
import Results
import RunPipeline

/// One share of a distributed test on an agent: prepared from the controller's plan, started at
/// the common instant, run by `LoadRun` with two outputs: the spool JTL on disk and the stream
/// the controller follows (`StreamOutput`).
///
/// The spool folder (`<spool>/<run id>/`) holds `plan/` (the plan and its data files as shipped),
/// `results.jtl` (every sample, flushed at least every half second, so a killed agent keeps all but
/// its last moments) and `agent.json`.
final class AgentRun: @unchecked Sendable {
    enum State: String { case prepared, running, finished }

    let id: String
    let name: String
    let folder: String
    let plan: Plan
    let profile: LoadProfile
    private let load: LoadRun
    private let stream: StreamOutput
    private let lock = NSLock()
    private var state = State.prepared
    private var stoppedBecause: String?
    /// The probe's line for the controller's log.
    let probe: String
    let slot: EngineSlot
    let threads: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes the shipped files, loads the plan, probes the target and builds the engine.
    init(_ request: AgentProtocol.Prepare, spool: String, threads: Int) throws {
        id = request.runID
        name = request.agentName
        guard request.runID.range(of: "^[A-Za-z0-9._-]{1,80}$", options: .regularExpression) != nil, !request.runID.hasPrefix(".") else {
            throw Failure(description: "run_id: use letters, digits, '.', '_' and '-' only")
        }
        folder = spool + "/" + request.runID
        let planFolder = folder + "/plan"
        let fm = FileManager.default
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
        stream = StreamOutput()
        load = try LoadRun(plan: plan, target: target, folder: nil, threads: threads,
                           outputs: [JTLOutput(path: folder + "/results.jtl"), stream], seed: request.seed, slot: request.slot)
        slot = request.slot
        self.threads = threads
        // A spool that cannot be written (disk full, EIO) stops this agent's load; the reason, which
        // names the file, reaches the controller in the status, and the rows written before stay.
        load.onFailure = { [weak self] message in self?.stop(because: "spool \(message)") }
        let note = ["run_id": id, "agent": name, "slot": "\(request.slot.index) of \(request.slot.count)", "threads": "\(threads)"]
        try? JSONSerialization.data(withJSONObject: note, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/agent.json"))
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
        Thread.detachNewThread { [self] in
            var failure: String?
            do { _ = try load.run(start: (localWall: controllerMicros + offset, reportedWall: controllerMicros)) } catch {
                failure = "spool: \(error)"
            }
            lock.lock()
            if stoppedBecause == nil { stoppedBecause = failure }
            let stopped = stoppedBecause != nil
            lock.unlock()
            // The end record first: a daemon shutting down waits for `finished`, then exits.
            stream.end(state: stopped ? "stopped" : "finished")
            lock.lock()
            state = .finished
            lock.unlock()
        }
    }

    /// Stream records from `seq` on, and whether the stream is complete (the `end` record is among them).
    func records(from seq: Int) -> (records: ArraySlice<StreamRecord>, ended: Bool) {
        stream.records(from: seq)
    }

    /// Stops the load (in-flight requests finish within the plan's graceful stop).
    func stop(because reason: String?, hard: Bool = false) {
        lock.lock()
        if stoppedBecause == nil { stoppedBecause = reason ?? "stopped by the controller" }
        lock.unlock()
        load.stop(hard: hard, reason: reason)
    }

    var status: AgentProtocol.Status {
        lock.lock()
        defer { lock.unlock() }
        let drained = stream.drained
        return AgentProtocol.Status(state: state.rawValue, runID: id, samples: drained.samples, errors: drained.errors,
                                    activeUsers: load.engine.activeUsers.reduce(0, +), elapsed: load.engine.elapsed,
                                    stoppedBecause: stoppedBecause)
    }

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
