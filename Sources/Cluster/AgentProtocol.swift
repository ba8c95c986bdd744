import Engine
import Foundation

/// The JSON bodies of the agent's control API (docs/distributed.md). Field names are snake_case
/// on the wire; every time is µs since the Unix epoch unless its name says otherwise.
public enum AgentProtocol {
    /// Path prefix of every endpoint.
    public static let prefix = "/v1"

    /// Marks a request as the controller's: only those reset the agent's controller-silence timer,
    /// so an operator's or a monitor's status checks never keep an orphaned load alive.
    public static let controllerHeader = "X-TTSLoad-Controller"

    /// `GET /v1/info`: who the agent is, checked by the controller before anything else.
    public struct Info: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var cores: Int
        /// `idle`, `prepared`, `running` or `finished`.
        public var state: String
        public var runID: String?
        enum CodingKeys: String, CodingKey { case name, version, cores, state, runID = "run_id" }
        public init(name: String, version: String, cores: Int, state: String, runID: String?) {
            self.name = name
            self.version = version
            self.cores = cores
            self.state = state
            self.runID = runID
        }
    }

    /// `GET /v1/clock`: the agent's wall clock when it handled the request (one NTP-style exchange).
    public struct Clock: Codable, Sendable {
        public var wallMicros: Int64
        enum CodingKeys: String, CodingKey { case wallMicros = "wall_us" }
        public init(wallMicros: Int64) { self.wallMicros = wallMicros }
    }

    /// One file shipped with the plan (data sets), path relative to the plan's folder.
    public struct File: Codable, Sendable {
        public var path: String
        public var base64: String
        public init(path: String, base64: String) {
            self.path = path
            self.base64 = base64
        }
    }

    /// What the plan's shipped files may come to in all (decoded): checked by the controller
    /// before it sends them and by the agent before it writes any.
    public static let maxShippedBytes = 64 * 1_048_576

    /// The largest request body an agent reads: the shipped files in base64 plus room for the plan.
    public static let maxBodyBytes = maxShippedBytes / 3 * 4 + 16 * 1_048_576

    /// `POST /v1/prepare`: the plan, its files and this agent's share. Answers `Prepared`.
    public struct Prepare: Codable, Sendable {
        public var runID: String
        /// The name samples are prefixed with (threadName `agent-group 1-7`).
        public var agentName: String
        public var slot: EngineSlot
        /// Engine threads; the same on every agent, so the global thread set interleaves evenly.
        public var threads: Int
        /// Seed of the open model's arrivals: equal on every agent, so they deal out one sequence.
        public var seed: UInt64
        /// The plan's name (a plan file without `name:` is named after its file).
        public var planName: String
        /// The resolved plan (after `--set`), as YAML.
        public var planYAML: String
        public var files: [File]
        /// Seconds without a controller request after which a running agent stops its load.
        public var controllerTimeout: Double
        /// The values of the plan's `${env:NAME}` references, from the controller's environment:
        /// the agent reads these, never its own environment.
        public var environment: [String: String]?
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", agentName = "agent_name", slot, threads, seed, planName = "plan_name", planYAML = "plan_yaml", files
            case controllerTimeout = "controller_timeout_s", environment
        }
        public init(runID: String, agentName: String, slot: EngineSlot, threads: Int, seed: UInt64, planName: String, planYAML: String,
                    files: [File], controllerTimeout: Double) {
            self.planName = planName
            self.runID = runID
            self.agentName = agentName
            self.slot = slot
            self.threads = threads
            self.seed = seed
            self.planYAML = planYAML
            self.files = files
            self.controllerTimeout = controllerTimeout
        }
    }

    /// The agent's answer to `prepare`: the plan loaded and the target answered its probe.
    public struct Prepared: Codable, Sendable {
        public var runID: String
        /// Users (or arrivals/s) of this agent's share at each step's hold, per group, for the log.
        public var share: String
        public var probe: String
        enum CodingKeys: String, CodingKey { case runID = "run_id", share, probe }
        public init(runID: String, share: String, probe: String) {
            self.runID = runID
            self.share = share
            self.probe = probe
        }
    }

    /// `POST /v1/start`: start the prepared load when the controller's clock reads `atMicros`;
    /// the agent's clock then reads `atMicros + offsetMicros`.
    public struct Start: Codable, Sendable {
        public var runID: String
        public var atMicros: Int64
        public var offsetMicros: Int64
        enum CodingKeys: String, CodingKey { case runID = "run_id", atMicros = "at_us", offsetMicros = "offset_us" }
        public init(runID: String, atMicros: Int64, offsetMicros: Int64) {
            self.runID = runID
            self.atMicros = atMicros
            self.offsetMicros = offsetMicros
        }
    }

    /// `GET /v1/status` (also the controller's heartbeat: any authenticated request counts).
    public struct Status: Codable, Sendable {
        public var state: String
        public var runID: String?
        public var samples: Int
        public var errors: Int
        public var activeUsers: Int
        /// Seconds since the load started (0 before).
        public var elapsed: Double
        /// Why the load stopped before the plan's end, when it did (the controller asked, SIGTERM,
        /// controller silent).
        public var stoppedBecause: String?
        /// The engine's dropped, late, interrupted and data-exhausted counts so far (absent when idle).
        public var counters: EngineCounters?
        enum CodingKeys: String, CodingKey {
            case state, runID = "run_id", samples, errors, activeUsers = "active_users", elapsed, stoppedBecause = "stopped_because"
            case counters
        }
        public init(state: String, runID: String?, samples: Int, errors: Int, activeUsers: Int, elapsed: Double, stoppedBecause: String?,
                    counters: EngineCounters? = nil) {
            self.state = state
            self.runID = runID
            self.samples = samples
            self.errors = errors
            self.activeUsers = activeUsers
            self.elapsed = elapsed
            self.stoppedBecause = stoppedBecause
            self.counters = counters
        }
    }

    /// Response headers of `GET /v1/runs/ID/spool`: whose spool it is, read from the spool
    /// folder's agent.json (so a spool left by an earlier agent process says so too).
    public enum SpoolHeader {
        /// The run id the spool was prepared for.
        public static let run = "X-TTSLoad-Run"
        /// The agent name the controller gave in `prepare` (the folder is keyed by it).
        public static let agent = "X-TTSLoad-Agent"
        /// The rows the agent wrote, once the run has finished and the spool is closed and synced;
        /// absent while it runs (or when the agent died before finishing).
        public static let samples = "X-TTSLoad-Samples"
    }

    /// An error body: `{"error": "..."}` with the HTTP status saying which kind.
    public struct ErrorBody: Codable, Sendable {
        public var error: String
        public init(error: String) { self.error = error }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// One JSON value as bytes (the API's bodies never fail to encode).
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
