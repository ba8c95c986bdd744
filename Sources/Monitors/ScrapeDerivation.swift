// Turns consecutive scrapes of an exporter into series worth plotting: gauges as
// they are, counters as per-second rates, histograms and summaries as rates,
// means and quantiles over each scrape interval.

/// One derived point: the series name and its value at a scrape.
public struct DerivedPoint: Sendable, Equatable {
    /// Stable across scrapes, so points with the same name form one plotted line.
    public var series: String
    /// Never NaN: NaN samples and undefined quantiles give no point at all.
    public var value: Double

    /// A point as given.
    public init(series: String, value: Double) {
        self.series = series
        self.value = value
    }
}

/// Derives plottable points from successive scrapes of one target.
///
/// Series are named `<prefix>:<metric>{labels}` (labels in exposition order);
/// counters become `<prefix>:rate(<metric>{labels})`, histograms and summaries
/// `<prefix>:rate(<metric>_count{labels})` and `<prefix>:<metric>_mean{labels}`; histograms
/// add `<prefix>:<metric>{labels,quantile="0.5"}` (also 0.95 and 0.99), while summary
/// quantiles pass through as gauges, named as exposed.
public struct ScrapeDeriver: Sendable {
    /// Series dropped because of maxSeries, so far (for a one-time warning).
    public private(set) var droppedSeries: Int = 0

    private let prefix: String
    private let maxSeries: Int
    private let patterns: [[UInt8]]
    private var lastMicros: Int64?
    /// Previous value of each counter, keyed by derived series name.
    private var counters: [String: Double] = [:]
    /// Previous state of each histogram or summary label set, keyed by `<metric>{labels}`.
    private var distributions: [String: Distribution] = [:]
    private var emitted: Set<String> = []
    /// Names already counted in `droppedSeries`, so a series is counted once however often it recurs.
    private var dropped: Set<String> = []

    /// - Parameters:
    ///   - prefix: names the target in every series, so several targets can share one plot namespace.
    ///   - match: glob patterns (`*`, `?`) on metric family names; empty keeps every family.
    ///   - maxSeries: distinct series emitted at most, so a high-cardinality exporter cannot flood the output.
    public init(prefix: String, match: [String] = [], maxSeries: Int = 500) {
        self.prefix = prefix
        self.maxSeries = maxSeries
        self.patterns = match.map { Array($0.utf8) }
    }

    /// Feeds one successful scrape taken at `micros` (monotonic or wall µs); returns the points of this scrape.
    ///
    /// Rates and deltas compare with the previous scrape only: a series missing from
    /// it (new, or absent for a scrape) gives its first rate one scrape later.
    public mutating func add(_ families: [PromFamily], atMicros micros: Int64) -> [DerivedPoint] {
        let seconds = lastMicros.map { Double(micros - $0) / 1_000_000 }
        let interval = seconds.flatMap { $0 > 0 ? $0 : nil }
        lastMicros = micros
        var previousCounters: [String: Double] = [:]
        var previousDistributions: [String: Distribution] = [:]
        swap(&previousCounters, &counters)
        swap(&previousDistributions, &distributions)

        var out: [DerivedPoint] = []
        for family in families where matches(family.name) {
            switch family.type {
            case .gauge, .untyped:
                for sample in family.samples {
                    emit("\(prefix):\(sample.name)\(renderLabels(sample.labels))", sample.value, into: &out)
                }
            case .counter:
                for sample in family.samples where !sample.value.isNaN {
                    let series = "\(prefix):rate(\(sample.name)\(renderLabels(sample.labels)))"
                    counters[series] = sample.value
                    guard let interval, let previous = previousCounters[series] else { continue }
                    // A decrease is a reset to zero since the previous scrape, as Prometheus' rate() assumes.
                    let increase = sample.value >= previous ? sample.value - previous : sample.value
                    emit(series, increase / interval, into: &out)
                }
            case .histogram, .summary:
                if family.type == .summary { emitSummaryQuantiles(family, into: &out) }
                for (key, group) in groups(of: family) {
                    distributions[key.base] = group
                    guard let interval, let previous = previousDistributions[key.base] else { continue }
                    derive(family, key: key, current: group, previous: previous, interval: interval, into: &out)
                }
            }
        }
        return out
    }

    // MARK: Histograms and summaries

    private struct GroupKey {
        var base: String
        var labels: [PromLabel]
    }

    private func groups(of family: PromFamily) -> [(GroupKey, Distribution)] {
        let histogram = family.type == .histogram
        let special = histogram ? "le" : "quantile"
        let bucket = family.name + "_bucket", sum = family.name + "_sum", count = family.name + "_count"
        var order: [GroupKey] = []
        var byBase: [String: Distribution] = [:]
        for sample in family.samples {
            var bound: Double?
            switch sample.name {
            case bucket where histogram:
                guard let le = sample.labels.first(where: { $0.name == "le" }),
                      let b = GoNumber.parseFloat(le.value) else { continue }
                bound = b
            case sum, count: break
            default: continue // summary quantiles are emitted as gauges
            }
            let labels = sample.labels.filter { $0.name != special }
            let base = family.name + renderLabels(labels)
            if byBase[base] == nil {
                order.append(GroupKey(base: base, labels: labels))
                byBase[base] = Distribution()
            }
            if let bound {
                byBase[base]!.buckets.append((bound, sample.value))
            } else if sample.name == sum {
                byBase[base]!.sum = sample.value
            } else {
                byBase[base]!.count = sample.value
            }
        }
        return order.map { key in
            var d = byBase[key.base]!
            d.buckets.sort { $0.bound < $1.bound }
            return (key, d)
        }
    }

    /// Summary quantiles are gauges computed by the exporter; they are emitted as exposed.
    private mutating func emitSummaryQuantiles(_ family: PromFamily, into out: inout [DerivedPoint]) {
        for sample in family.samples where sample.name == family.name {
            emit("\(prefix):\(sample.name)\(renderLabels(sample.labels))", sample.value, into: &out)
        }
    }

    private mutating func derive(_ family: PromFamily, key: GroupKey, current: Distribution, previous: Distribution,
                                 interval: Double, into out: inout [DerivedPoint]) {
        let histogram = family.type == .histogram
        guard let nowCount = current.observations, let thenCount = previous.observations,
              !nowCount.isNaN, !thenCount.isNaN else { return }
        var reset = nowCount < thenCount
        if histogram, !reset {
            // Changed bucket bounds or a shrinking bucket can only mean the exporter restarted.
            reset = current.buckets.count != previous.buckets.count
                || zip(current.buckets, previous.buckets).contains { $0.bound != $1.bound || $0.count < $1.count }
        }
        let observed = reset ? nowCount : nowCount - thenCount
        let labels = renderLabels(key.labels)
        emit("\(prefix):rate(\(family.name)_count\(labels))", observed / interval, into: &out)
        guard observed > 0 else { return }
        if histogram {
            let deltas = reset ? current.buckets
                : zip(current.buckets, previous.buckets).map { ($0.bound, $0.count - $1.count) }
            for (q, text) in [(0.5, "0.5"), (0.95, "0.95"), (0.99, "0.99")] {
                guard let v = Self.bucketQuantile(q, deltas) else { continue }
                let named = renderLabels(key.labels + [PromLabel(name: "quantile", value: text)])
                emit("\(prefix):\(family.name)\(named)", v, into: &out)
            }
        }
        if let nowSum = current.sum {
            let sum = reset ? nowSum : previous.sum.map { nowSum - $0 }
            if let sum { emit("\(prefix):\(family.name)_mean\(labels)", sum / observed, into: &out) }
        }
    }

    /// Prometheus' `histogram_quantile` over one interval's bucket increases.
    ///
    /// Linear interpolation inside the bucket holding the rank; the first bucket starts
    /// at 0 when its bound is positive; a rank in the +Inf bucket gives the highest finite bound.
    static func bucketQuantile(_ q: Double, _ buckets: [(bound: Double, count: Double)]) -> Double? {
        guard buckets.count >= 2, buckets[buckets.count - 1].bound == .infinity else { return nil }
        // Counts from separate scrapes can be slightly non-monotonic; Prometheus forces monotonicity too.
        var counts = buckets.map(\.count)
        for i in 1..<counts.count { counts[i] = max(counts[i], counts[i - 1]) }
        guard let total = counts.last, total > 0 else { return nil }
        var rank = q * total
        var b = 0
        while b < counts.count - 1, counts[b] < rank { b += 1 }
        if b == counts.count - 1 { return buckets[b - 1].bound }
        if b == 0, buckets[0].bound <= 0 { return buckets[0].bound }
        var start = 0.0
        var inBucket = counts[b]
        if b > 0 {
            start = buckets[b - 1].bound
            inBucket -= counts[b - 1]
            rank -= counts[b - 1]
        }
        return start + (buckets[b].bound - start) * (rank / inBucket)
    }

    // MARK: Emission

    private mutating func emit(_ series: String, _ value: Double, into out: inout [DerivedPoint]) {
        guard !value.isNaN else { return }
        if !emitted.contains(series) {
            guard emitted.count < maxSeries else {
                if dropped.insert(series).inserted { droppedSeries += 1 }
                return
            }
            emitted.insert(series)
        }
        out.append(DerivedPoint(series: series, value: value))
    }

    private func matches(_ name: String) -> Bool {
        guard !patterns.isEmpty else { return true }
        let s = Array(name.utf8)
        return patterns.contains { Self.glob($0, s) }
    }

    /// `*` matches any run of characters, `?` exactly one; everything else itself.
    static func glob(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        var pi = 0, si = 0
        var star: Int?
        var resume = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == s[si] && p[pi] != UInt8(ascii: "*") {
                pi += 1
                si += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                resume = si
                pi += 1
            } else if let star {
                // Let the last star swallow one more character and retry from there.
                pi = star + 1
                resume += 1
                si = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// The cumulative state of one histogram or summary label set at one scrape.
private struct Distribution: Sendable {
    var buckets: [(bound: Double, count: Double)] = []
    var sum: Double?
    var count: Double?

    /// `_count`, or the +Inf bucket when an exporter leaves `_count` out.
    var observations: Double? {
        count ?? buckets.last.flatMap { $0.bound == .infinity ? $0.count : nil }
    }
}
