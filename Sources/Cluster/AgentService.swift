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
    func prepare(_ request: AgentProtocol.Prepare) throws(Refusal) -> AgentProtocol.Prepared {
        lock.lock()
        if let run, run.currentState == .running {
            lock.unlock()
            throw .busy("run \(run.id) is running; stop it first")
        }
        lock.unlock()
        guard (1...256).contains(request.threads) else { throw .invalid("threads: must be 1...256") }
        guard request.controllerTimeout > 0 else { throw .invalid("controller_timeout_s: must be > 0") }
        let prepared: AgentRun
        do {
            prepared = try AgentRun(request, spool: configuration.spoolDirectory, threads: request.threads)
        } catch {
            throw .invalid("\(error)")
        }
        lock.lock()
        run = prepared
        controllerTimeout = request.controllerTimeout
        lock.unlock()
        return AgentProtocol.Prepared(runID: prepared.id, share: prepared.shareText, probe: prepared.probe)
    }

    func start(_ request: AgentProtocol.Start) throws(Refusal) {
        let run = try current(request.runID)
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

    /// The spool JTL of a run: the current one, or one left on disk by an earlier agent process.
    func spoolPath(runID: String) throws(Refusal) -> String {
        guard runID.range(of: "^[A-Za-z0-9._-]{1,80}$", options: .regularExpression) != nil, !runID.hasPrefix(".") else {
            throw .invalid("run id: letters, digits, '.', '_' and '-' only")
        }
        let path = configuration.spoolDirectory + "/" + runID + "/results.jtl"
        guard FileManager.default.fileExists(atPath: path) else { throw .unknown("no spool for run \(runID)") }
        return path
    }

    /// Stops a running load at once (in-flight requests aborted) and waits up to `seconds` for its
    /// samples to reach the spool: the daemon is going away.
    public func shutdown(within seconds: Double) {
        lock.lock()
        let run = self.run
        lock.unlock()
        guard let run, run.currentState == .running else { return }
        run.stop(because: "agent shut down", hard: true)
        let deadline = Date().addingTimeInterval(seconds)
        while run.currentState == .running && Date() < deadline { usleep(50_000) }
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
