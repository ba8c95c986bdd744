import Results

/// The raw material of one label or one step hold of one run: its counts, and its values cut into
/// blocks of time for the block bootstrap (`BlockBootstrap`), plus per-second series for the
/// effective sample size of the rates.
struct ScopeData: Sendable {
    /// Counts of the samples that started in the scope (values) and that ended in its span (for
    /// steps: the hold). The values themselves live in `blocks`.
    var tally = SampleTally<NoValues>()
    /// The span cut into blocks of `blockSeconds`; the last one also takes the remainder. A sample's
    /// values, errors and audio go to the block it started in, its end to the block it ended in.
    var blocks: [TimeBlock]
    let blockSeconds: Double
    /// The span's length in seconds.
    var seconds: Double
    /// Per whole second of the span: samples ended, and audio seconds of samples started.
    var endedPerSecond: [Double]
    var audioPerSecond: [Double]
    /// Start of the span (seconds from the side's time 0).
    let from: Double

    init(from: Double, to: Double) {
        self.from = from
        let seconds = max(0, to - from)
        self.seconds = seconds
        let slices = max(0, Int(seconds.rounded(.down)))
        endedPerSecond = [Double](repeating: 0, count: slices)
        audioPerSecond = [Double](repeating: 0, count: slices)
        let length = Double(BlockBootstrap.blockSeconds(span: seconds))
        blockSeconds = length
        let count = max(1, Int((seconds / length).rounded(.down)))
        blocks = (0..<count).map { i in TimeBlock(seconds: i == count - 1 ? max(0, seconds - length * Double(count - 1)) : length) }
    }

    var count: Int { tally.count }
    var errors: Int { tally.errors }
    var audioSamples: Int { tally.audioSamples }
    var audioSeconds: Double { tally.audioSeconds }
    var ended: Int { tally.ended }
    /// Successful samples that ended in the span (the knee rule's throughput).
    var endedOK: Int { tally.endedOK }

    /// The block that time `t` (seconds from time 0) falls in; times outside the span go to the nearest end.
    private func block(_ t: Double) -> Int { min(blocks.count - 1, max(0, Int(((t - from) / blockSeconds).rounded(.down)))) }

    /// Adds a sample that started in the scope (`tStart`: seconds from time 0).
    mutating func addStarted(_ s: Sample, tStart: Double) {
        tally.add(s)
        let b = block(tStart)
        blocks[b].add(s)
        if let seconds = s.audio?.audioSeconds {
            let i = Int(tStart - from)
            if tStart >= from, i < audioPerSecond.count { audioPerSecond[i] += seconds }
        }
    }

    /// Counts a sample that ended in the scope's span (`tEnd`: seconds from time 0).
    mutating func addEnded(_ s: Sample, tEnd: Double) {
        tally.addEnded(s)
        blocks[block(tEnd)].ended += 1
        let i = Int(tEnd - from)
        if tEnd >= from, i < endedPerSecond.count { endedPerSecond[i] += 1 }
    }

    /// Sorts every block's values (the bootstrap searches them).
    mutating func finish() {
        for i in blocks.indices { blocks[i].sort() }
    }

}

/// A `TallyHistogram` that keeps nothing: `ScopeData` counts with a tally and keeps its values per block.
struct NoValues: TallyHistogram {
    init() {}
    mutating func record(_ value: Int64) {}
    mutating func record(thousandths value: Double) {}
    mutating func add(_ other: NoValues) {}
    var count: Int { 0 }
    func percentile(_ p: Double) -> Int64 { 0 }
    var mean: Double { 0 }
}

/// Bins one run's samples into its step holds and its labels.
struct SideData {
    /// Keyed by group name, then step index.
    var steps: [String: [Int: ScopeData]] = [:]
    var labels: [String: ScopeData] = [:]

    init(_ side: RunSide) {
        for w in side.windows { steps[w.group, default: [:]][w.index] = ScopeData(from: w.holdStart, to: w.end) }
        let groups = side.groupNames
        // One group (or inferred steps): every sample belongs to it, as on the dashboard.
        let single = groups.count == 1 ? groups.first : nil
        var byGroup: [String: [RunSide.Window]] = [:]
        for w in side.windows { byGroup[w.group, default: []].append(w) }
        for s in side.samples {
            let tStart = Double(s.start - side.t0) / 1_000_000, tEnd = Double(s.end - side.t0) / 1_000_000
            labels[s.label, default: ScopeData(from: 0, to: side.duration)].addStarted(s, tStart: tStart)
            labels[s.label]?.addEnded(s, tEnd: tEnd)
            guard let group = single ?? (byGroup[s.groupName] != nil ? s.groupName : nil), let windows = byGroup[group] else { continue }
            for w in windows {
                if tStart >= w.holdStart && tStart < w.end { steps[group]?[w.index]?.addStarted(s, tStart: tStart) }
                if tEnd >= w.holdStart && tEnd < w.end { steps[group]?[w.index]?.addEnded(s, tEnd: tEnd) }
            }
        }
        for g in steps.keys { for i in steps[g, default: [:]].keys { steps[g]?[i]?.finish() } }
        for l in labels.keys { labels[l]?.finish() }
    }
}
