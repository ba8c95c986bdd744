import Foundation

/// The distributed part of `summary.json`: who ran the load and what the live streams said.
public struct DistributedSummary: Codable, Sendable {
    public struct Agent: Codable, Sendable {
        public var name: String
        public var url: String
        /// This agent's users per step (or its part of the arrivals), as the agent described it.
        public var share: String
        /// Agent clock minus controller clock, and the round trip it was measured with (ms).
        public var clockOffsetMs: Double
        public var roundTripMs: Double
        /// Samples the agent reported in its stream, and rows collected from its spool.
        public var samplesStreamed: Int
        public var rowsCollected: Int?
        /// Rows in its spool by the agent's own count (its stream's end record), when it ended.
        public var samplesCounted: Int?
        /// `ok`, `stopped` (by itself, e.g. SIGTERM: its reason in `problem`), `lost`, or
        /// `spool-mismatch` (its spool is not its own or not its count: `problem` says how).
        public var status: String
        /// ISO 8601 time of the last answer from a lost agent.
        public var lostAt: String?
        public var problem: String?

        // Spelled out so that summary.json reads back without a key strategy (runID is not runId).
        enum CodingKeys: String, CodingKey {
            case name, url, share, clockOffsetMs = "clock_offset_ms", roundTripMs = "round_trip_ms"
            case samplesStreamed = "samples_streamed", rowsCollected = "rows_collected", samplesCounted = "samples_counted", status
            case lostAt = "lost_at", problem
        }

        public init(name: String, url: String, share: String, clockOffsetMs: Double, roundTripMs: Double, samplesStreamed: Int,
                    rowsCollected: Int?, samplesCounted: Int? = nil, status: String, lostAt: String?, problem: String?) {
            self.samplesCounted = samplesCounted
            self.name = name
            self.url = url
            self.share = share
            self.clockOffsetMs = clockOffsetMs
            self.roundTripMs = roundTripMs
            self.samplesStreamed = samplesStreamed
            self.rowsCollected = rowsCollected
            self.status = status
            self.lostAt = lostAt
            self.problem = problem
        }
    }

    /// Per label, merged from the agents' live per-second HdrHistograms (not from the JTL).
    public struct Streamed: Codable, Sendable {
        public var count: Int
        public var errors: Int
        public var p50Ms: Double
        public var p95Ms: Double
        public var p99Ms: Double
        public var maxMs: Double

        enum CodingKeys: String, CodingKey {
            case count, errors, p50Ms = "p50_ms", p95Ms = "p95_ms", p99Ms = "p99_ms", maxMs = "max_ms"
        }

        public init(count: Int, errors: Int, latency: LatencyHistogram) {
            self.count = count
            self.errors = errors
            p50Ms = Double(latency.percentile(50)) / 1_000
            p95Ms = Double(latency.percentile(95)) / 1_000
            p99Ms = Double(latency.percentile(99)) / 1_000
            maxMs = Double(latency.max) / 1_000
        }
    }

    public var runID: String
    public var threadsPerAgent: Int
    public var startAt: String
    public var agents: [Agent]
    public var streamed: [String: Streamed]
    /// Why the run is degraded, one line per problem, each naming its agent (empty when it is not).
    public var degradedBecause: [String]?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", threadsPerAgent = "threads_per_agent", startAt = "start_at", agents, streamed
        case degradedBecause = "degraded_because"
    }

    public init(runID: String, threadsPerAgent: Int, startAt: String, agents: [Agent], streamed: [String: Streamed]) {
        self.runID = runID
        self.threadsPerAgent = threadsPerAgent
        self.startAt = startAt
        self.agents = agents
        self.streamed = streamed
    }

    /// The distributed part of a run folder's summary.json; nil for a run on one host (or no summary).
    public static func read(runFolder: String) -> DistributedSummary? {
        struct Summary: Decodable { var distributed: DistributedSummary? }
        guard let data = FileManager.default.contents(atPath: RunFolder(runFolder).summary) else { return nil }
        return (try? JSONDecoder().decode(Summary.self, from: data))?.distributed
    }
}
