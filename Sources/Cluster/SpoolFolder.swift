import Engine
import Foundation

/// One agent's spool for one run: `<spool dir>/<run id>/<agent name>/`, holding `plan/` (the plan
/// and its data files as shipped), `results.jtl` (every sample) and `agent.json` (whose it is and,
/// once the run has finished, how many rows it holds).
///
/// Keyed by the agent's name as well as the run id: the controller sends one run id to every
/// agent, so three agents sharing one spool directory once wrote one file between them. The
/// directory lock (`SpoolLock`) stops that first; the key makes it impossible even without it.
/// The name is the one the controller gave in `prepare` (unique within a run), not the daemon's
/// `--name`, which defaults to the host name and is the same for agents on one host.
public struct SpoolFolder: Sendable {
    public let spool: String
    public let runID: String
    public let agent: String

    public var path: String { spool + "/" + runID + "/" + agent }
    public var jtlPath: String { path + "/results.jtl" }
    public var notePath: String { path + "/agent.json" }

    /// What `agent.json` says. Written at prepare (`state` prepared) and again when the run has
    /// finished, after the JTL was closed and synced (`state` finished, `samples` its rows).
    public struct Note: Codable, Sendable, Equatable {
        public var runID: String
        public var agent: String
        /// `i of N`.
        public var slot: String?
        /// The daemon's own `--name` and process id, to tell which process wrote it.
        public var daemon: String?
        public var pid: Int32?
        public var state: String?
        /// Rows in results.jtl, when `state` is finished.
        public var samples: Int?
        public var stoppedBecause: String?
        public var counters: EngineCounters?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", agent, slot, daemon, pid, state, samples, stoppedBecause = "stopped_because", counters
        }

        public init(runID: String, agent: String, slot: String? = nil, daemon: String? = nil, pid: Int32? = nil, state: String? = nil,
                    samples: Int? = nil, stoppedBecause: String? = nil, counters: EngineCounters? = nil) {
            self.runID = runID
            self.agent = agent
            self.slot = slot
            self.daemon = daemon
            self.pid = pid
            self.state = state
            self.samples = samples
            self.stoppedBecause = stoppedBecause
            self.counters = counters
        }
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Run ids and agent names become path components: letters, digits, '.', '_', '-', not starting with '.'.
    public static func isSafeName(_ name: String) -> Bool {
        name.range(of: "^[A-Za-z0-9._-]{1,80}$", options: .regularExpression) != nil && !name.hasPrefix(".")
    }

    public init(spool: String, runID: String, agent: String) throws(Invalid) {
        guard Self.isSafeName(runID) else { throw Invalid(description: "run_id: use letters, digits, '.', '_' and '-' only") }
        guard Self.isSafeName(agent) else { throw Invalid(description: "agent_name: use letters, digits, '.', '_' and '-' only") }
        self.spool = spool
        self.runID = runID
        self.agent = agent
    }

    /// Writes agent.json through a temporary file, synced, then renamed: a reader (the spool
    /// endpoint, a restarted agent) sees the old note or the new one, never half of one.
    public func write(_ note: Note) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let temporary = notePath + ".tmp"
        try encoder.encode(note).write(to: URL(fileURLWithPath: temporary))
        Self.sync(temporary)
        guard rename(temporary, notePath) == 0 else {
            throw Invalid(description: "\(notePath): rename failed: \(String(cString: strerror(errno)))")
        }
        Self.sync(path)
    }

    public func readNote() -> Note? { Self.readNote(at: notePath) }

    static func readNote(at path: String) -> Note? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Note.self, from: data)
    }

    /// fsync(2) of a file or directory by path: what was written reaches the disk before the
    /// agent says it is done (a power cut after "finished" must not lose rows).
    public static func sync(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A run's spool on disk, in this process's run or left by an earlier agent process: the
    /// folder of `agent` when given; else the only agent folder of the run; else the layout of
    /// agents before the folders were keyed by agent (`<run id>/results.jtl`).
    public static func find(spool: String, runID: String, agent: String?) throws(Invalid) -> (jtl: String, note: Note?) {
        guard isSafeName(runID) else { throw Invalid(description: "run id: letters, digits, '.', '_' and '-' only") }
        let fm = FileManager.default
        let runFolder = spool + "/" + runID
        if let agent {
            guard isSafeName(agent) else { throw Invalid(description: "agent: letters, digits, '.', '_' and '-' only") }
            let folder = try SpoolFolder(spool: spool, runID: runID, agent: agent)
            if fm.fileExists(atPath: folder.jtlPath) { return (folder.jtlPath, folder.readNote()) }
        } else {
            let names = ((try? fm.contentsOfDirectory(atPath: runFolder)) ?? []).filter {
                isSafeName($0) && fm.fileExists(atPath: runFolder + "/" + $0 + "/results.jtl")
            }
            if names.count == 1 { return (runFolder + "/" + names[0] + "/results.jtl", readNote(at: runFolder + "/" + names[0] + "/agent.json")) }
            if names.count > 1 {
                throw Invalid(description: "run \(runID) has spools of several agents here (\(names.sorted().joined(separator: ", "))): ask with ?agent=NAME")
            }
        }
        let legacy = runFolder + "/results.jtl"
        if fm.fileExists(atPath: legacy) { return (legacy, readNote(at: runFolder + "/agent.json")) }
        throw Invalid(description: "no spool for run \(runID)" + (agent.map { " of agent \($0)" } ?? ""))
    }
}
