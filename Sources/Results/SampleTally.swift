/// What `SampleTally` needs of a histogram: values recorded one at a time, merged exactly,
/// counted, and read at percentiles. `LatencyHistogram` (a full HdrHistogram: totals, labels,
/// steps), `SparseHistogram` (bucket -> count: per-second figures) and `RawValues` (every value:
/// the comparison's resampling) conform.
public protocol TallyHistogram: Sendable {
    init()
    /// Records one value: µs, or thousandths for RTF.
    mutating func record(_ value: Int64)
    /// Records a value given in thousandths (RTF x 1000): histograms round it to an integer,
    /// `RawValues` keeps it as it is.
    mutating func record(thousandths value: Double)
    /// Adds every value of `other`.
    mutating func add(_ other: Self)
    /// Values recorded.
    var count: Int { get }
    /// The value at percentile `p` (0...100) in the recorded unit; 0 when empty.
    func percentile(_ p: Double) -> Int64
    /// The mean in the recorded unit (buckets count at their middle value); 0 when empty.
    var mean: Double { get }
}

extension TallyHistogram {
    @inlinable public mutating func record(thousandths value: Double) { record(Int64(value.rounded())) }
}

extension LatencyHistogram: TallyHistogram {}
extension SparseHistogram: TallyHistogram {}

/// Every value as recorded (µs, or RTF thousandths unrounded), for figures that need the raw
/// values: the comparison resamples them (`Report/Compare`).
public struct RawValues: TallyHistogram {
    public var values: [Double] = []

    public init() {}

    @inlinable public mutating func record(_ value: Int64) { values.append(Double(value)) }
    @inlinable public mutating func record(thousandths value: Double) { values.append(value) }
    public mutating func add(_ other: RawValues) { values += other.values }
    public var count: Int { values.count }
    public var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// The values in increasing order, each divided by `divisor` (1,000: µs to ms, thousandths to the ratio).
    public func sorted(dividedBy divisor: Double = 1) -> [Double] {
        divisor == 1 ? values.sorted() : values.map { $0 / divisor }.sorted()
    }

    /// Nearest rank (the comparison's rule): the smallest value with at least p% of the values at or below it.
    public func percentile(_ p: Double) -> Int64 {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Swift.min(sorted.count, Swift.max(1, Int((p / 100 * Double(sorted.count)).rounded(.up))))
        return Int64(sorted[rank - 1].rounded())
    }
}

/// The one tally of a set of samples, generic over where its values go (`TallyHistogram`): what
/// run statistics (`SampleStats`), the dashboard's per-second bins, the store's per-second
/// aggregates, the comparison's scopes, the agents' live stream and the controller's live merge
/// count. `add(_:)` counts a sample as started in the set (latency, errors and TTS figures);
/// `addEnded(_:)` counts one that ended in it (throughput, which a set by start time cannot say);
/// a set uses one or both. Tallies add up exactly: histograms merge, nothing is averaged.
public struct SampleTally<H: TallyHistogram>: Sendable {
    // Samples counted by `add(_:)` (started in the set).
    public var count = 0
    public var errors = 0
    /// Error counts by class (transport failures and failed checks).
    public var errorClasses: [ErrorClass: Int] = [:]
    public var bytesReceived: Int64 = 0
    /// Elapsed µs. (A histogram of the successful samples only was tried and left out: one more
    /// record per sample and tally made the dashboard's pass about 10% and the store's ingest about 5%
    /// slower (bench/report-scale.sh, bench/store-ingest.sh); `ok` counts them.)
    public var latency = H()
    /// Time to first audio (µs) and RTF x 1000 of the samples whose audio length was read.
    public var ttfa = H()
    public var rtfMilli = H()
    /// Chunk-level figures (µs) of the same samples: every gap between two chunks of every sample
    /// (the distribution, not each sample's largest), time to the plan's nth chunk, and time until
    /// its `ready_seconds` of audio had arrived (samples with fewer chunks or less audio add nothing).
    public var chunkGap = H()
    public var nthChunk = H()
    public var audioReady = H()
    public var audioSeconds = 0.0
    /// Samples with audio, and those of them a real-time player would have stalled on.
    public var audioSamples = 0
    public var underrunSamples = 0
    // Samples counted by `addEnded(_:)` (ended in the set).
    public var ended = 0
    public var endedOK = 0
    /// Highest allThreads of the samples that ended in the set.
    public var peakUsers = 0
    /// What only thresholds need (successful samples' latency, connect, gaps, statuses, checks);
    /// nil unless made with `extended: true`. Counted by `add(_:)`.
    public var extra: TallyExtra<H>?

    public init() {}

    /// A tally that also keeps `extra` (`extended: true`).
    public init(extended: Bool) {
        if extended { extra = TallyExtra() }
    }

    /// Counts `s` as started in the set.
    @inlinable public mutating func add(_ s: Sample) {
        count += 1
        bytesReceived += s.bytesReceived
        latency.record(s.elapsed)
        if !s.success {
            errors += 1
            errorClasses[s.errorClass ?? .other, default: 0] += 1
        }
        if let a = s.audio, let seconds = a.audioSeconds {
            audioSamples += 1
            audioSeconds += seconds
            if let t = a.ttfa { ttfa.record(t) }
            if let rtf = a.rtf { rtfMilli.record(thousandths: rtf * 1_000) }
            if a.underrun > 0 { underrunSamples += 1 }
            for gap in a.chunkGaps { chunkGap.record(gap) }
            if let t = a.nthChunk { nthChunk.record(t) }
            if let t = a.audioReady { audioReady.record(t) }
        }
        if extra != nil { extra!.add(s) }
    }

    /// Counts `s` as ended in the set.
    @inlinable public mutating func addEnded(_ s: Sample) {
        ended += 1
        if s.success { endedOK += 1 }
        if s.allThreads > peakUsers { peakUsers = s.allThreads }
    }

    /// Adds another tally of the same kind: the same as adding each of its samples. An extended
    /// `other` makes this tally extended (add extended tallies to extended ones, or to empty ones).
    @inlinable public mutating func add(_ other: SampleTally) {
        addCounts(other)
        latency.add(other.latency)
        ttfa.add(other.ttfa)
        rtfMilli.add(other.rtfMilli)
        chunkGap.add(other.chunkGap)
        nthChunk.add(other.nthChunk)
        audioReady.add(other.audioReady)
        if let o = other.extra {
            if extra == nil { extra = TallyExtra() }
            extra!.addCounts(o)
            extra!.okLatency.add(o.okLatency)
            extra!.connect.add(o.connect)
            extra!.gap.add(o.gap)
        }
    }

    /// Adds every count of `other` but its histograms.
    @inlinable public mutating func addCounts<O>(_ other: SampleTally<O>) {
        count += other.count
        errors += other.errors
        for (c, n) in other.errorClasses { errorClasses[c, default: 0] += n }
        bytesReceived += other.bytesReceived
        audioSeconds += other.audioSeconds
        audioSamples += other.audioSamples
        underrunSamples += other.underrunSamples
        ended += other.ended
        endedOK += other.endedOK
        peakUsers = Swift.max(peakUsers, other.peakUsers)
    }

    /// Successful samples among those counted as started.
    public var ok: Int { count - errors }
    /// Failed samples among those counted as ended.
    public var endedFailed: Int { ended - endedOK }
    public var errorRate: Double { count == 0 ? 0 : Double(errors) / Double(count) }
    /// Fraction of audio samples with a playback stall.
    public var underrunRate: Double { audioSamples == 0 ? 0 : Double(underrunSamples) / Double(audioSamples) }
    /// RTF at percentile `p`, or nil without audio.
    public func rtf(_ p: Double) -> Double? { rtfMilli.count == 0 ? nil : Double(rtfMilli.percentile(p)) / 1_000 }
    /// A chunk-level figure at percentile `p` in ms, or nil when no sample gave one.
    public func ms(_ h: KeyPath<SampleTally, H>, _ p: Double) -> Double? {
        let v = self[keyPath: h]
        return v.count == 0 ? nil : Double(v.percentile(p)) / 1_000
    }
}

extension SampleTally where H == LatencyHistogram {
    /// Adds a tally of sparse histograms (per-second figures): the same as adding each of its samples.
    @inlinable public mutating func add(_ other: SampleTally<SparseHistogram>) {
        addCounts(other)
        other.latency.add(to: &latency)
        other.ttfa.add(to: &ttfa)
        other.rtfMilli.add(to: &rtfMilli)
        other.chunkGap.add(to: &chunkGap)
        other.nthChunk.add(to: &nthChunk)
        other.audioReady.add(to: &audioReady)
        if let o = other.extra {
            if extra == nil { extra = TallyExtra() }
            extra!.addCounts(o)
            o.okLatency.add(to: &extra!.okLatency)
            o.connect.add(to: &extra!.connect)
            o.gap.add(to: &extra!.gap)
        }
    }

    public init(_ sparse: SampleTally<SparseHistogram>) {
        self.init()
        add(sparse)
    }
}

/// Counts and latency histograms of a set of samples (run statistics, the dashboard's rows).
public typealias SampleStats = SampleTally<LatencyHistogram>
