import Engine
import Foundation
import Results

/// One line of an agent's live stream (`GET /v1/stream`, NDJSON; docs/distributed.md).
///
/// `second` records carry the samples of one label that ended in one second (of the controller's
/// clock) and were drained together; the same second and label may come in several records, and
/// the controller adds them up: histograms merge exactly, so nothing is averaged. `tick` says
/// every second up to `through` is complete on this agent; `end` closes the stream, written once
/// the spool is closed and synced: its `samples` is the spool's row count, and it says why the
/// load stopped early (`stopped_because`) and carries the engine's counters.
public struct StreamRecord: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case second, tick, end }

    public var type: Kind
    /// Position in the agent's outbox: a reconnecting controller asks for `from=seq+1`.
    public var seq: Int
    // second
    public var second: Int64?
    public var label: String?
    public var count: Int?
    public var errors: Int?
    public var bytesReceived: Int64?
    /// Elapsed µs, HistogramEncoding (non-empty buckets), base64.
    public var latency: String?
    /// Time to first audio µs, same encoding; absent without audio.
    public var ttfa: String?
    // tick
    public var through: Int64?
    /// Active users per thread group (plan order) on this agent when the tick was made.
    public var users: [Int]?
    // tick and end
    public var samples: Int?
    public var state: String?
    // end
    /// Why the load stopped before the plan's end (the controller asked, the agent was sent
    /// SIGTERM, the controller went silent); absent when the plan ran to its end.
    public var stoppedBecause: String?
    /// The agent's dropped, late, interrupted and data-exhausted counts.
    public var counters: EngineCounters?
    /// The agent process is exiting (SIGTERM): fetch its spool now, it will not answer later.
    public var exiting: Bool?

    enum CodingKeys: String, CodingKey {
        case type, seq, second, label, count, errors, bytesReceived = "bytes_received", latency, ttfa, through, users, samples, state
        case stoppedBecause = "stopped_because", counters, exiting
    }

    public static func tick(seq: Int, through: Int64, users: [Int], samples: Int, state: String) -> StreamRecord {
        var r = StreamRecord(type: .tick, seq: seq)
        r.through = through
        r.users = users
        r.samples = samples
        r.state = state
        return r
    }

    public init(type: Kind, seq: Int) {
        self.type = type
        self.seq = seq
    }

    /// The latency histogram of a `second` record.
    public func latencyHistogram() throws -> LatencyHistogram {
        try Self.histogram(latency)
    }

    public func ttfaHistogram() throws -> LatencyHistogram {
        try Self.histogram(ttfa)
    }

    static func histogram(_ text: String?) throws -> LatencyHistogram {
        guard let text, let data = Data(base64Encoded: text) else { return LatencyHistogram() }
        return try HistogramEncoding.decode([UInt8](data))
    }

    static func encode(_ histogram: LatencyHistogram) -> String {
        Data(HistogramEncoding.encode(histogram)).base64EncodedString()
    }
}

/// Turns drained batches of samples into `second` records, per (second, label).
struct SecondRecorder {
    private struct Key: Hashable {
        var second: Int64
        var label: String
    }

    /// Records for one batch; `nextSeq` numbers them.
    static func records(for batch: [Sample], nextSeq: inout Int) -> [StreamRecord] {
        var groups: [Key: [Sample]] = [:]
        for s in batch { groups[Key(second: s.end / 1_000_000, label: s.label), default: []].append(s) }
        var out: [StreamRecord] = []
        for (key, samples) in groups.sorted(by: { ($0.key.second, $0.key.label) < ($1.key.second, $1.key.label) }) {
            var latency = LatencyHistogram(), ttfa = LatencyHistogram()
            var r = StreamRecord(type: .second, seq: nextSeq)
            nextSeq += 1
            r.second = key.second
            r.label = key.label
            r.count = samples.count
            r.errors = samples.count { !$0.success }
            r.bytesReceived = samples.reduce(0) { $0 + $1.bytesReceived }
            for s in samples {
                latency.record(s.elapsed)
                if let t = s.audio?.ttfa { ttfa.record(t) }
            }
            r.latency = StreamRecord.encode(latency)
            if ttfa.count > 0 { r.ttfa = StreamRecord.encode(ttfa) }
            out.append(r)
        }
        return out
    }
}
