import Engine
import Foundation

/// The agent daemon's state behind its HTTP API: one run at a time, the controller's last
/// contact, and the watchdog that stops an orphaned load.
public final class AgentService: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var name: String
        public var version: String
        public var spoolDirectory: String
        /// Used when the controller's plan gives none (the controller always sends one today).
        public var cores: Int = ProcessInfo.processInfo.activeProcessorCount
        /// What the controller may aim this agent at (`--allow-target`; empty: anything).
        public var allowTargets = TargetAllowList()
        public init(name: String, version: String, spoolDirectory: String) {
            self.name = name
            self.version = version
            self.spoolDirectory = spoolDirectory
        }
    }

    public let configuration: Configuration
    private let lock = NSLock()
    private var run: AgentRun?
    private var lastContact = AgentRun.monotonicMicros()
    private var controllerTimeout: Double = 10
    /// Live streams being served now: someone (the controller) is following a run.
    private var openStreams = 0
    /// Run id whose finished spool (closed, counted) has been served: the controller has it.
    private var finishedSpoolServed: String?
    /// Run id whose stream's end record has been written to a follower.
    private var endDelivered: String?
    /// A prepare is building its run (probing the target) outside the lock: no other prepare and
    /// no start may act on the run it is about to replace.
    private var preparing = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Any authenticated request: the controller is alive.
    func touch() {
        lock.lock()
        lastContact = AgentRun.monotonicMicros()
        lock.unlock()
    }

    var info: AgentProtocol.Info {
        lock.lock()
        defer { lock.unlock() }
        return AgentProtocol.Info(name: configuration.name, version: configuration.version, cores: configuration.cores,
                                  state: run?.currentState.rawValue ?? "idle", runID: run?.id)
    }

    enum Refusal: Error {
        /// 409: another run is in progress.
        case busy(String)
        /// 400: the request is wrong (names the field).
        case invalid(String)
        /// 404: no such run.
        case unknown(String)
    }

    /// Prepares a run (replacing a finished or never-started one; refusing while one is running).
    /// Every change of state happens under the lock: a start that arrives while a prepare probes
    /// the target is refused (409) rather than starting a run the prepare then replaces, which
    /// would leave a load that neither `/stop` nor the watchdog could reach.
    func prepare(_ request: AgentProtocol.Prepare) throws(Refusal) -> AgentProtocol.Prepared {
        lock.lock()
        if preparing {
            lock.unlock()
            throw .busy("another prepare is in progress")
        }
        if let run, run.currentState == .running {
            lock.unlock()
            throw .busy("run \(run.id) is running; stop it first")
        }
        preparing = true
        lock.unlock()
        let prepared: AgentRun
        do {
            guard (1...256).contains(request.threads) else { throw Refusal.invalid("threads: must be 1...256") }
            guard request.controllerTimeout > 0 else { throw Refusal.invalid("controller_timeout_s: must be > 0") }
            do {
                prepared = try AgentRun(request, spool: configuration.spoolDirectory, threads: request.threads, daemon: configuration.name,
                                        allow: configuration.allowTargets)
            } catch {
                throw Refusal.invalid("\(error)")
            }
        } catch let refusal as Refusal {
            lock.lock()
            preparing = false
            lock.unlock()
            throw refusal
        } catch {
            lock.lock()
            preparing = false
            lock.unlock()
            throw .invalid("\(error)")
        }
        lock.lock()
        run = prepared
        controllerTimeout = request.controllerTimeout
        preparing = false
        lock.unlock()
        return AgentProtocol.Prepared(runID: prepared.id, share: prepared.shareText, probe: prepared.probe)
    }

    /// Starts the prepared run, under the lock (see `prepare`).
    func start(_ request: AgentProtocol.Start) throws(Refusal) {
        lock.lock()
        defer { lock.unlock() }
        if preparing { throw .busy("a prepare is replacing the run; start after it answers") }
        guard let run else { throw .unknown("no run prepared") }
        guard request.runID == run.id else { throw .unknown("no run \(request.runID) on this agent (current: \(run.id))") }
        guard run.currentState == .prepared else { throw .busy("run \(run.id) is \(run.currentState.rawValue), not prepared") }
        run.start(at: request.atMicros, offset: request.offsetMicros)
    }

    func stop(runID: String?) throws(Refusal) {
        let run = try current(runID)
        run.stop(because: nil)
    }

    func status(runID: String?) throws(Refusal) -> AgentProtocol.Status {
        lock.lock()
        let run = self.run
        lock.unlock()
        guard let run else {
            return AgentProtocol.Status(state: "idle", runID: nil, samples: 0, errors: 0, activeUsers: 0, elapsed: 0, stoppedBecause: nil)
        }
        if let runID, runID != run.id { throw .unknown("no run \(runID) on this agent") }
        return run.status
    }

    func current(_ runID: String?) throws(Refusal) -> AgentRun {
        lock.lock()
        defer { lock.unlock() }
        guard let run else { throw .unknown("no run prepared") }
        if let runID, runID != run.id { throw .unknown("no run \(runID) on this agent (current: \(run.id))") }
        return run
    }

    /// The spool JTL of a run and its agent.json: this process's run, or one left on disk by an
    /// earlier agent process (`agent` is the controller's name for this agent; without it, the
    /// run's only spool here).
    func spool(runID: String, agent: String?) throws(Refusal) -> (path: String, note: SpoolFolder.Note?) {
        guard SpoolFolder.isSafeName(runID) else { throw .invalid("run id: letters, digits, '.', '_' and '-' only") }
        if let agent, !SpoolFolder.isSafeName(agent) { throw .invalid("agent: letters, digits, '.', '_' and '-' only") }
        do {
            let found = try SpoolFolder.find(spool: configuration.spoolDirectory, runID: runID, agent: agent)
            return (found.jtl, found.note)
        } catch {
            throw .unknown(error.description)
        }
    }

    /// Called when a spool was served: a finished one of the current run means the controller has
    /// every row (what a shutting-down agent waits for).
    func spoolServed(_ note: SpoolFolder.Note?) {
        guard let note, note.state == "finished" else { return }
        lock.lock()
        if run?.id == note.runID && run?.name == note.agent { finishedSpoolServed = note.runID }
        lock.unlock()
    }

    /// A live stream began (+1) or ended (-1).
    func streamFollowed(_ delta: Int) {
        lock.lock()
        openStreams += delta
        lock.unlock()
    }

    /// A follower was sent the end record of `runID`: it will come for the spool.
    func endRecordDelivered(runID: String) {
        lock.lock()
        endDelivered = runID
        lock.unlock()
    }

    /// The daemon is going away (SIGTERM, SIGINT). A running load stops as when the controller
    /// stops it: no new requests, in-flight ones finish within the plan's graceful stop (then are
    /// aborted), so every request the target served has its row. The spool is closed and synced,
    /// and the stream's end record says `reason` and that the agent is exiting; while a controller
    /// follows, waits up to `handover` seconds for it to fetch the finished spool. Every wait is bounded.
    public func shutdown(because reason: String, handover: Double = 10) {
        lock.lock()
        let run = self.run
        lock.unlock()
        guard let run, run.currentState == .running else { return }
        run.stop(because: reason, exiting: true)
        if !Self.wait(seconds: run.gracefulStopSeconds + 5, until: { run.hasEnded }) {
            run.stop(because: reason, hard: true, exiting: true)
            _ = Self.wait(seconds: 5) { run.hasEnded }
        }
        // Wait for the fetch only while someone follows: a stream is open, or one took the end
        // record (it comes for the spool next). An orphaned agent (no controller) waits 1 s, to
        // let a reconnecting stream (300 ms apart) show itself.
        let started = Date()
        _ = Self.wait(seconds: handover) { [self] in
            lock.lock()
            defer { lock.unlock() }
            if finishedSpoolServed == run.id { return true }
            let followed = openStreams > 0 || endDelivered == run.id
            return !followed && Date().timeIntervalSince(started) > 1
        }
    }

    /// Polls `condition` every 20 ms for at most `seconds`; true when it held.
    private static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Stops a running load whose controller has been silent too long (checked twice a second).
    func watchdogTick() {
        lock.lock()
        let run = self.run
        let silent = Double(AgentRun.monotonicMicros() - lastContact) / 1_000_000
        let limit = controllerTimeout
        lock.unlock()
        guard let run, run.currentState == .running, silent > limit else { return }
        run.stop(because: String(format: "controller silent for %.1f s (limit %.1f s)", silent, limit))
    }
}
