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
    /// What thresholds judge per second on the controller (absent from agents before them):
    /// successful samples' elapsed, connect, longest chunk gap (µs) and RTF x 1000 histograms,
    /// samples per HTTP status, failed checks, audio samples, underruns and audio seconds.
    public var okLatency: String?
    public var connect: String?
    public var gap: String?
    public var rtf: String?
    public var statuses: [String: Int]?
    public var checkFailed: Int?
    public var audioSamples: Int?
    public var underruns: Int?
    public var audioSeconds: Double?
    /// Chunk-level histograms (every gap between chunks, time to the nth chunk, audio ready); absent
    /// from agents built before them, which then add nothing to the live view's chunk figures.
    public var chunkGap: String?
    public var nthChunk: String?
    public var audioReady: String?
    // tick
    public var through: Int64?
    /// Active users per thread group (plan order) on this agent when the tick was made.
    public var users: [Int]?
    /// The agent's load generator and host at the tick (`ttsload:engine_demand_percent`,
    /// `host:cpu_user_percent`...): the latest reading of each series; absent from older agents.
    public var monitors: [String: Double]?
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
        case okLatency = "ok_latency", connect, gap, rtf, statuses, checkFailed = "check_failed", audioSamples = "audio_samples"
        case underruns, audioSeconds = "audio_seconds"
        case chunkGap = "chunk_gap", nthChunk = "nth_chunk", audioReady = "audio_ready"
        case stoppedBecause = "stopped_because", counters, exiting, monitors
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
}

extension StreamRecord {
    /// A `second` record of the samples of `tally` (an extended tally: everything thresholds judge travels).
    init(seq: Int, second: Int64, label: String, tally: SampleTally<SparseHistogram>) {
        self.init(type: .second, seq: seq)
        self.second = second
        self.label = label
        count = tally.count
        errors = tally.errors
        bytesReceived = tally.bytesReceived
        latency = Self.encode(tally.latency)
        if !tally.ttfa.isEmpty { ttfa = Self.encode(tally.ttfa) }
        if !tally.rtfMilli.isEmpty { rtf = Self.encode(tally.rtfMilli) }
        if !tally.chunkGap.isEmpty { chunkGap = Self.encode(tally.chunkGap) }
        if !tally.nthChunk.isEmpty { nthChunk = Self.encode(tally.nthChunk) }
        if !tally.audioReady.isEmpty { audioReady = Self.encode(tally.audioReady) }
        if tally.audioSamples > 0 {
            audioSamples = tally.audioSamples
            underruns = tally.underrunSamples
            audioSeconds = tally.audioSeconds
        }
        if let extra = tally.extra {
            if !extra.okLatency.isEmpty { okLatency = Self.encode(extra.okLatency) }
            connect = Self.encode(extra.connect)
            if !extra.gap.isEmpty { gap = Self.encode(extra.gap) }
            statuses = Dictionary(uniqueKeysWithValues: extra.statuses.map { (String($0.key), $0.value) })
            checkFailed = extra.checkFailed
        }
    }

    /// What a `second` record carries, as a tally (figures the stream does not carry are 0); extended
    /// when the agent sent the thresholds' figures.
    func tally() -> SampleTally<SparseHistogram> {
        var t = SampleTally<SparseHistogram>(extended: statuses != nil)
        t.count = count ?? 0
        t.errors = errors ?? 0
        t.bytesReceived = bytesReceived ?? 0
        t.latency = Self.sparse(latency)
        t.ttfa = Self.sparse(ttfa)
        t.rtfMilli = Self.sparse(rtf)
        t.chunkGap = Self.sparse(chunkGap)
        t.nthChunk = Self.sparse(nthChunk)
        t.audioReady = Self.sparse(audioReady)
        t.audioSamples = audioSamples ?? 0
        t.underrunSamples = underruns ?? 0
        t.audioSeconds = audioSeconds ?? 0
        if let statuses {
            t.extra?.okLatency = Self.sparse(okLatency)
            t.extra?.connect = Self.sparse(connect)
            t.extra?.gap = Self.sparse(gap)
            for (code, n) in statuses { if let c = Int(code) { t.extra?.statuses[c] = n } }
            t.extra?.checkFailed = checkFailed ?? 0
        }
        return t
    }

    static func encode(_ h: SparseHistogram) -> String { Data(HistogramEncoding.encode(h)).base64EncodedString() }

    static func sparse(_ text: String?) -> SparseHistogram {
        guard let text, let data = Data(base64Encoded: text) else { return SparseHistogram() }
        return (try? HistogramEncoding.decodeSparse([UInt8](data))) ?? SparseHistogram()
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
        var tallies: [Key: SampleTally<SparseHistogram>] = [:]
        for s in batch { tallies[Key(second: s.end / 1_000_000, label: s.label), default: SampleTally(extended: true)].add(s) }
        return tallies.sorted { ($0.key.second, $0.key.label) < ($1.key.second, $1.key.label) }.map { key, tally in
            defer { nextSeq += 1 }
            return StreamRecord(seq: nextSeq, second: key.second, label: key.label, tally: tally)
        }
    }
}
