import Results

/// What the page needs of the samples of one whole second of the run (from time 0): those that
/// started in it (latency, errors and TTS figures, for percentiles over time and for the holds of
/// inferred steps) and those that ended in it (throughput, errors/s, active users).
struct SecondBin {
    // Started in this second.
    var started = 0
    var errors = 0
    var bytesReceived: Int64 = 0
    var errorClasses: [ErrorClass: Int] = [:]
    var latency = SparseHistogram()
    var ttfa = SparseHistogram()
    var rtfMilli = SparseHistogram()
    var audioSeconds = 0.0
    var audioSamples = 0
    var underrunSamples = 0
    // Ended in this second.
    var ended = 0
    var endedOK = 0
    var endedFailed = 0
    /// Highest allThreads of the samples that ended in this second.
    var users = 0

    /// Counts `s` as started in this second, the way `SampleStats.add` counts it.
    mutating func addStarted(_ s: Sample) {
        started += 1
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
            if let rtf = a.rtf { rtfMilli.record(Int64((rtf * 1_000).rounded())) }
            if a.underrun > 0 { underrunSamples += 1 }
        }
    }

    mutating func addEnded(_ s: Sample) {
        ended += 1
        if s.success { endedOK += 1 } else { endedFailed += 1 }
        users = max(users, s.allThreads)
    }

    /// Adds this second's started samples to `stats` (same result as adding each sample).
    func addStarted(to stats: inout SampleStats) {
        stats.count += started
        stats.errors += errors
        stats.bytesReceived += bytesReceived
        for (c, n) in errorClasses { stats.errorClasses[c, default: 0] += n }
        latency.add(to: &stats.latency)
        ttfa.add(to: &stats.ttfa)
        rtfMilli.add(to: &stats.rtfMilli)
        stats.audioSeconds += audioSeconds
        stats.audioSamples += audioSamples
        stats.underrunSamples += underrunSamples
    }
}

/// Whole-second bins from time 0, grown as samples come (a run's length is known only at its end).
struct SecondBins {
    var bins: [SecondBin] = []

    /// The bin of a time `micros` (wall clock) with time 0 at `t0`; times before t0 go to bin 0.
    @inline(__always) static func index(_ micros: Int64, t0: Int64) -> Int { max(0, Int((micros - t0) / 1_000_000)) }

    mutating func add(_ s: Sample, t0: Int64) {
        let b = Self.index(s.start, t0: t0), e = Self.index(s.end, t0: t0)
        let needed = max(b, e) + 1
        if bins.count < needed { bins.append(contentsOf: repeatElement(SecondBin(), count: needed - bins.count)) }
        bins[b].addStarted(s)
        bins[e].addEnded(s)
    }

    subscript(i: Int) -> SecondBin { i < bins.count ? bins[i] : SecondBin() }
}
