import Results

/// The raw material of one label or one step hold on one side: every value (the resampling needs
/// them) in a `SampleTally` of raw values, sorted into arrays by `finish()`, and per-second series
/// for the rates.
struct ScopeData: Sendable {
    /// Samples that started in the scope (values) and that ended in its time span (for steps: the hold).
    var tally = SampleTally<RawValues>()
    /// Response times (ms), time to first audio (ms) and RTF of the samples in scope, ascending; set by `finish()`.
    var latencies: [Double] = []
    var ttfa: [Double] = []
    var rtf: [Double] = []
    /// The span's length in seconds.
    var seconds: Double
    /// Per whole second of the span: samples ended, and audio seconds of samples started.
    var endedPerSecond: [Double]
    var audioPerSecond: [Double]
    /// Start of the span (seconds from the side's time 0).
    let from: Double

    init(from: Double, to: Double) {
        self.from = from
        seconds = max(0, to - from)
        let slices = max(0, Int(seconds.rounded(.down)))
        endedPerSecond = [Double](repeating: 0, count: slices)
        audioPerSecond = [Double](repeating: 0, count: slices)
    }

    var count: Int { tally.count }
    var errors: Int { tally.errors }
    var audioSamples: Int { tally.audioSamples }
    var audioSeconds: Double { tally.audioSeconds }
    var ended: Int { tally.ended }
    /// Successful samples that ended in the span (the knee rule's throughput).
    var endedOK: Int { tally.endedOK }

    /// Adds a sample that started in the scope (`tStart`: seconds from time 0).
    mutating func addStarted(_ s: Sample, tStart: Double) {
        tally.add(s)
        if let seconds = s.audio?.audioSeconds {
            let i = Int(tStart - from)
            if tStart >= from, i < audioPerSecond.count { audioPerSecond[i] += seconds }
        }
    }

    /// Counts a sample that ended in the scope's span (`tEnd`: seconds from time 0).
    mutating func addEnded(_ s: Sample, tEnd: Double) {
        tally.addEnded(s)
        let i = Int(tEnd - from)
        if tEnd >= from, i < endedPerSecond.count { endedPerSecond[i] += 1 }
    }

    /// Sorts the values into `latencies`, `ttfa` and `rtf` and lets the tally's copies go.
    mutating func finish() {
        latencies = tally.latency.sorted(dividedBy: 1_000)
        ttfa = tally.ttfa.sorted(dividedBy: 1_000)
        rtf = tally.rtfMilli.sorted(dividedBy: 1_000)
        tally.latency = RawValues()
        tally.ttfa = RawValues()
        tally.rtfMilli = RawValues()
    }

    /// Achieved requests per second: samples that ended in the span per second (the dashboard's req/s).
    var throughput: Double { seconds > 0 ? Double(ended) / seconds : 0 }
    var errorRate: Double { tally.errorRate }
    var audioPerSecondTotal: Double? { audioSamples > 0 && seconds > 0 ? audioSeconds / seconds : nil }
}

/// Bins one side's samples into its step holds and its labels.
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
