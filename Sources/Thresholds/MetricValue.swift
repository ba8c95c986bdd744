import Foundation
import Plan
import Results

extension ThresholdMetric {
    /// The metric over the samples of `tally` (extended, for `ok_`, `connect_`, `gap_`, `checks`
    /// and `rc…`), in the threshold's base unit: seconds, a fraction, or a plain number. nil when
    /// there is nothing to take it of (no sample, no audio, no response).
    ///
    /// - Parameter seconds: the wall time the samples span, for `rps`, `ok_rps` and `rtfx`.
    public func value<H: TallyHistogram>(of tally: SampleTally<H>, seconds: Double) -> Double? {
        switch kind {
        case .percentile(let q, let p):
            return histogram(q, tally).flatMap { h in h.count == 0 ? nil : scale(q, Double(h.percentile(p))) }
        case .min(let q):
            return histogram(q, tally).flatMap { h in h.count == 0 ? nil : scale(q, Double(h.percentile(0))) }
        case .max(let q):
            return histogram(q, tally).flatMap { h in h.count == 0 ? nil : scale(q, Double(h.percentile(100))) }
        case .mean(let q):
            return histogram(q, tally).flatMap { h in h.count == 0 ? nil : scale(q, h.mean) }
        case .aggregate(let a):
            switch a {
            case .errorRate: return tally.count == 0 ? nil : tally.errorRate
            case .underrunRate: return tally.audioSamples == 0 ? nil : tally.underrunRate
            case .rps: return seconds > 0 ? Double(tally.count) / seconds : nil
            case .okRps: return seconds > 0 ? Double(tally.ok) / seconds : nil
            case .rtfx: return seconds > 0 ? tally.audioSeconds / seconds : nil
            case .checks:
                guard let extra = tally.extra else { return nil }
                let responded = extra.responded
                return responded == 0 ? nil : Double(responded - extra.checkFailed) / Double(responded)
            }
        case .statusShare(let pattern):
            guard let extra = tally.extra, tally.count > 0 else { return nil }
            return Double(extra.count(matching: pattern)) / Double(tally.count)
        case .monitor:
            return nil  // judged on the monitor series (`value(of:from:to:t0:)`), not on samples
        }
    }

    /// A monitor metric over the series' points at wall µs [from, to); nil without the series or
    /// points (a slope needs 5 points and 3 effective ones, see `MonitorSeries.slope`).
    public func value(of series: [MonitorSeries], fromMicros from: Int64, toMicros to: Int64, t0: Int64) -> Double? {
        guard case .monitor(let name, let stat) = kind, let s = series.first(where: { $0.name == name }) else { return nil }
        if stat == .slope { return s.slope(fromMicros: from, toMicros: to, t0: t0)?.perHour }
        guard let f = s.figures(fromMicros: from, toMicros: to) else { return nil }
        switch stat {
        case .max: return f.max
        case .min: return f.min
        case .mean: return f.mean
        case .last: return f.last
        case .slope: return nil
        }
    }

    /// Whether the metric needs what only an extended tally keeps (`SampleTally(extended:)`).
    public var needsExtendedTally: Bool {
        switch kind {
        case .percentile(let q, _), .min(let q), .max(let q), .mean(let q): return q == .okLatency || q == .connect || q == .gap
        case .aggregate(let a): return a == .checks
        case .statusShare: return true
        case .monitor: return false
        }
    }

    private func histogram<H>(_ q: Quantity, _ t: SampleTally<H>) -> H? {
        switch q {
        case .latency: return t.latency
        case .okLatency: return t.extra?.okLatency
        case .ttfa: return t.ttfa
        case .rtf: return t.rtfMilli
        case .connect: return t.extra?.connect
        case .gap: return t.extra?.gap
        case .chunkGap: return t.chunkGap
        case .nthChunk: return t.nthChunk
        case .audioReady: return t.audioReady
        }
    }

    /// µs to seconds; RTF thousandths to the ratio.
    private func scale(_ q: Quantity, _ v: Double) -> Double { q == .rtf ? v / 1_000 : v / 1_000_000 }

    /// `1.84 s`, `850 ms`, `0.42 %`, `12.5`.
    public func show(_ value: Double?) -> String {
        guard let value else { return "no data" }
        switch unit {
        case .time:
            return value >= 1 ? String(format: "%.2f s", value) : String(format: "%.0f ms", (value * 1_000).rounded())
        case .fraction:
            return String(format: value * 100 >= 10 || value == 0 ? "%.1f %%" : "%.2f %%", value * 100)
        case .plain:
            return value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
        case .monitor:
            guard case .monitor(let series, let stat) = kind else { return "" }
            return MonitorFormat.value(value, series: series) + (stat == .slope ? "/h" : "")
        }
    }
}

extension Threshold {
    /// Whether `value` keeps the threshold (no value: it does not).
    public func holds(_ value: Double?) -> Bool {
        guard let value else { return false }
        return comparison.holds(value, self.value)
    }

    /// Where the threshold is judged: `run`, `step 3`, `each step`.
    public var judgedOn: String {
        switch steps {
        case .run: return "run"
        case .step(let n): return "step \(n)"
        case .each: return "each step"
        }
    }
}
