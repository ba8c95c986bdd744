import Results

/// What the page needs of the samples of one whole second of the run (from time 0): those that
/// started in it (`SampleTally.add`: latency, errors and TTS figures, for percentiles over time and
/// for the holds of inferred steps) and those that ended in it (`addEnded`: throughput, errors/s,
/// active users as `peakUsers`).
typealias SecondBin = SampleTally<SparseHistogram>

/// Whole-second bins from time 0, grown as samples come (a run's length is known only at its end).
struct SecondBins {
    var bins: [SecondBin] = []
    /// Bins that also keep successful samples' latency (`SampleTally(extended:)`), for the ok
    /// columns of inferred steps; only when steps are inferred (the extra records cost time).
    var extended = false

    /// The bin of a time `micros` (wall clock) with time 0 at `t0`; times before t0 go to bin 0.
    @inline(__always) static func index(_ micros: Int64, t0: Int64) -> Int { max(0, Int((micros - t0) / 1_000_000)) }

    mutating func add(_ s: Sample, t0: Int64) {
        let b = Self.index(s.start, t0: t0), e = Self.index(s.end, t0: t0)
        let needed = max(b, e) + 1
        if bins.count < needed { bins.append(contentsOf: repeatElement(SecondBin(extended: extended), count: needed - bins.count)) }
        bins[b].add(s)
        bins[e].addEnded(s)
    }

    subscript(i: Int) -> SecondBin { i < bins.count ? bins[i] : SecondBin() }
}
