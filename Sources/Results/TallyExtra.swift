/// The figures a tally keeps only when asked (`SampleTally(extended: true)`): what thresholds
/// judge beyond the tables' figures. Kept apart because one more histogram record per sample in
/// every tally made the dashboard's pass ~10% slower; tallies that feed a judge pay for it.
public struct TallyExtra<H: TallyHistogram>: Sendable {
    /// Elapsed µs of the successful samples.
    public var okLatency = H()
    /// Connect µs (0 on a reused connection) of every sample.
    public var connect = H()
    /// Each audio sample's longest gap between two chunks, µs.
    public var gap = H()
    /// Samples per HTTP status (0: no response).
    public var statuses: [Int: Int] = [:]
    /// Samples with a response that failed a check (status, content type, audio).
    public var checkFailed = 0

    public init() {}

    @inlinable public mutating func add(_ s: Sample) {
        if s.success { okLatency.record(s.elapsed) }
        connect.record(s.connect)
        if let a = s.audio, a.audioSeconds != nil { gap.record(a.maxGap) }
        statuses[s.status, default: 0] += 1
        if s.status != 0 && s.errorClass == .checkFailed { checkFailed += 1 }
    }

    /// Adds the counts of `other` (histograms through `merge`, which knows both kinds).
    @inlinable public mutating func addCounts<O>(_ other: TallyExtra<O>) {
        for (status, n) in other.statuses { statuses[status, default: 0] += n }
        checkFailed += other.checkFailed
    }

    /// Samples that got an HTTP response.
    public var responded: Int { statuses.reduce(0) { $0 + ($1.key == 0 ? 0 : $1.value) } }

    /// Samples whose status matches `pattern` (`5xx`, `503`, `0xx` for no response).
    public func count(matching pattern: String) -> Int {
        let digits = Array(pattern)
        return statuses.reduce(0) { total, entry in
            let code = Array(String(format: "%03d", entry.key))
            guard code.count == 3 else { return total }
            let matches = zip(code, digits).allSatisfy { $1 == "x" || $0 == $1 }
            return matches ? total + entry.value : total
        }
    }
}

extension TallyExtra where H == SparseHistogram {
    /// The same figures with full histograms.
    public func full() -> TallyExtra<LatencyHistogram> {
        var out = TallyExtra<LatencyHistogram>()
        out.addCounts(self)
        okLatency.add(to: &out.okLatency)
        connect.add(to: &out.connect)
        gap.add(to: &out.gap)
        return out
    }
}
