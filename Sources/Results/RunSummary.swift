import Foundation
import Plan

/// `summary.json` of a run: what a script or CI job reads without parsing the JTL.
public struct RunSummary: Codable, Sendable {
    public struct Figures: Codable, Sendable {
        public var samples: Int
        public var errors: Int
        public var errorRate: Double
        public var requestsPerSecond: Double
        public var p50Ms: Double, p90Ms: Double, p95Ms: Double, p99Ms: Double, maxMs: Double, meanMs: Double
        public var errorClasses: [String: Int]
        /// TTS figures; nil when no sample carried readable audio.
        public var audioSecondsPerSecond: Double?
        public var ttfaP50Ms: Double?, ttfaP95Ms: Double?, ttfaP99Ms: Double?
        public var rtfP50: Double?, rtfP95: Double?
        public var underrunRate: Double?
        /// Chunk-level figures (docs/tts-measures.md): every gap between chunks of every sample,
        /// time to the plan's nth chunk, time until its `ready_seconds` of audio had arrived.
        public var chunkGapP50Ms: Double?, chunkGapP95Ms: Double?, chunkGapP99Ms: Double?
        public var nthChunkP50Ms: Double?, nthChunkP95Ms: Double?
        public var audioReadyP50Ms: Double?, audioReadyP95Ms: Double?, audioReadyP99Ms: Double?

        init(_ s: SampleStats, seconds: Double) {
            samples = s.count
            errors = s.errors
            errorRate = s.errorRate
            requestsPerSecond = seconds > 0 ? Double(s.count) / seconds : 0
            let l = s.latency
            p50Ms = Double(l.percentile(50)) / 1_000
            p90Ms = Double(l.percentile(90)) / 1_000
            p95Ms = Double(l.percentile(95)) / 1_000
            p99Ms = Double(l.percentile(99)) / 1_000
            maxMs = Double(l.max) / 1_000
            meanMs = l.mean / 1_000
            errorClasses = Dictionary(uniqueKeysWithValues: s.errorClasses.map { ($0.key.rawValue, $0.value) })
            if s.audioSamples > 0 {
                audioSecondsPerSecond = seconds > 0 ? s.audioSeconds / seconds : nil
                if s.ttfa.count > 0 {
                    ttfaP50Ms = Double(s.ttfa.percentile(50)) / 1_000
                    ttfaP95Ms = Double(s.ttfa.percentile(95)) / 1_000
                    ttfaP99Ms = Double(s.ttfa.percentile(99)) / 1_000
                }
                rtfP50 = s.rtf(50)
                rtfP95 = s.rtf(95)
                underrunRate = s.underrunRate
                chunkGapP50Ms = s.ms(\.chunkGap, 50)
                chunkGapP95Ms = s.ms(\.chunkGap, 95)
                chunkGapP99Ms = s.ms(\.chunkGap, 99)
                nthChunkP50Ms = s.ms(\.nthChunk, 50)
                nthChunkP95Ms = s.ms(\.nthChunk, 95)
                audioReadyP50Ms = s.ms(\.audioReady, 50)
                audioReadyP95Ms = s.ms(\.audioReady, 95)
                audioReadyP99Ms = s.ms(\.audioReady, 99)
            }
        }
    }

    public struct Step: Codable, Sendable {
        public var group: String
        public var step: Int
        public var name: String
        public var level: Double
        public var holdStartSeconds: Double
        public var endSeconds: Double
        public var figures: Figures
    }

    public var plan: String
    public var target: String
    public var startedAt: String
    public var durationSeconds: Double
    public var status: String
    public var total: Figures
    public var labels: [String: Figures]
    public var steps: [Step]
    public var dropped: Int
    public var late: Int
    public var interrupted: Int
    public var dataExhausted: Int
    /// Audio that could not be read, one message per label.
    public var audioWarnings: [String: String] = [:]
    /// Absolute path of the plan's folder: data paths in the run's plan.yaml are relative to it,
    /// so `ttsload report` can load the plan again from anywhere.
    public var planDirectory: String?
    /// Agents, clock offsets and the streamed figures of a distributed run (nil on one host).
    public var distributed: DistributedSummary?
    /// Why results.jtl holds fewer rows than `total.samples` (e.g. `…/results.jtl: No space left on
    /// device`): the run stopped there; nil when every sample was written.
    public var writeFailure: String?
    /// The plan's thresholds judged (nil: the plan has none, or --no-thresholds).
    public var verdict: ThresholdVerdict?
    /// What the monitors recorded (figures per series and step, the load generator, leaks);
    /// nil for a run made before monitors were recorded.
    public var monitors: MonitorSummary?
    /// The plan's `measures:` the chunk-level figures were taken with (nil in older summaries).
    public var measures: ChunkMeasures?

    /// `measures:` as summary.json writes it: `{"ready_seconds": 1, "nth_chunk": 5}`.
    public struct ChunkMeasures: Codable, Sendable, Equatable {
        public var readySeconds: Double
        public var nthChunk: Int
    }

    public init(plan: Plan, target: String, statistics: RunStatistics, durationSeconds: Double, interruptedRun: Bool,
                dropped: Int, late: Int, interrupted: Int, dataExhausted: Int) {
        self.plan = plan.name
        self.target = target
        startedAt = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(statistics.startWall) / 1e6))
        self.durationSeconds = durationSeconds
        status = interruptedRun ? "interrupted" : "complete"
        total = Figures(statistics.total, seconds: durationSeconds)
        labels = statistics.byLabel.mapValues { Figures($0, seconds: durationSeconds) }
        steps = statistics.steps.map { s in
            Step(group: plan.threadGroups.indices.contains(s.group) ? plan.threadGroups[s.group].name : "\(s.group)",
                 step: s.step.index, name: s.step.name, level: s.step.level, holdStartSeconds: s.step.holdStart,
                 endSeconds: s.step.end, figures: Figures(s.stats, seconds: s.step.end - s.step.holdStart))
        }
        self.dropped = dropped
        self.late = late
        self.interrupted = interrupted
        self.dataExhausted = dataExhausted
        measures = ChunkMeasures(readySeconds: plan.measures.readySeconds, nthChunk: plan.measures.nthChunk)
    }

    /// Writes the summary as JSON, through a temporary file renamed onto `path`, so an earlier
    /// summary is never left half-overwritten; a failure throws `FileWriteError` naming `path`.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try OutputFile.writeAtomically([UInt8](try encoder.encode(self)), to: path)
    }
}
