import Plan
import Results
import Thresholds

/// A capacity search's service-level objective: terms in the threshold language, all of which a
/// level must keep (`p95 < 2s, error_rate < 1%`). Judged on the samples that ended in a level's
/// judged windows.
public struct SLO: Sendable {
    public let terms: [Threshold]

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses comma-separated terms. Terms are over all samples of the level: a label scope,
    /// `step N:` and monitor series are refused (a level is one step; monitors are not sampled).
    public init(_ text: String) throws(Failure) {
        var terms: [Threshold] = []
        for part in text.split(separator: ",") {
            let expression = part.trimmingCharacters(in: .whitespaces)
            guard !expression.isEmpty else { continue }
            let term: Threshold
            do { term = try Threshold.parse(expression) } catch {
                throw Failure(description: "--slo: '\(expression)': \(error.message)")
            }
            if term.scope != nil || term.steps != .run {
                throw Failure(description: "--slo: '\(expression)': a term covers every sample of a level (no label, step or 'each step' scope)")
            }
            if term.metric.monitorSeries != nil {
                throw Failure(description: "--slo: '\(expression)': monitor series are not sampled during a capacity search")
            }
            terms.append(term)
        }
        guard !terms.isEmpty else { throw Failure(description: "--slo: give at least one term, e.g. \"p95 < 2s, error_rate < 1%\"") }
        self.terms = terms
    }

    /// Each term over `tally` spanning `seconds` of wall time. A term with nothing to take its
    /// value of (no audio for `ttfa_p95`) fails: an SLO on a figure the service never produced is
    /// not kept.
    public func judge(_ tally: SampleTally<LatencyHistogram>, seconds: Double) -> [SLOValue] {
        terms.map { term in
            let value = term.metric.value(of: tally, seconds: seconds)
            return SLOValue(term: term.expression, value: value, passed: value.map { term.comparison.holds($0, term.value) } ?? false)
        }
    }

    /// `broke p95 < 1.25s (1.32 s), error_rate < 1% (4.0 %)`.
    public func describe(_ failed: [SLOValue]) -> String {
        "broke " + failed.map { value in
            let shown = terms.first { $0.expression == value.term }?.metric.show(value.value) ?? "no data"
            return "\(value.term) (\(shown))"
        }.joined(separator: ", ")
    }

    /// Whether every term that bounds a per-request figure from above (`p95 < 2s`, `ttfa_p99 <= 800ms`,
    /// `max < 5s`) holds for this one request, and the request succeeded: what goodput counts.
    /// Aggregate terms (`error_rate`, `rps`) say nothing about one request and are skipped.
    public func isGood(_ sample: Sample) -> Bool {
        guard sample.success else { return false }
        for term in terms where term.comparison == .lessThan || term.comparison == .lessOrEqual {
            let quantity: ThresholdMetric.Quantity
            switch term.metric.kind {
            case .percentile(let q, _), .max(let q), .mean(let q): quantity = q
            default: continue
            }
            guard let value = Self.value(quantity, of: sample) else { return false }
            if !term.comparison.holds(value, term.value) { return false }
        }
        return true
    }

    /// A request's own figure in the threshold's base unit (seconds, or RTF as a ratio).
    static func value(_ quantity: ThresholdMetric.Quantity, of s: Sample) -> Double? {
        switch quantity {
        case .latency, .okLatency: return Double(s.elapsed) / 1_000_000
        case .ttfa: return s.audio?.ttfa.map { Double($0) / 1_000_000 }
        case .rtf: return s.audio?.rtf
        case .connect: return Double(s.connect) / 1_000_000
        case .gap: return s.audio.map { Double($0.maxGap) / 1_000_000 }
        // Every gap of the request must hold, so its largest one decides (0 for one chunk).
        case .chunkGap: return s.audio.map { Double($0.chunkGaps.max() ?? 0) / 1_000_000 }
        case .nthChunk: return s.audio?.nthChunk.map { Double($0) / 1_000_000 }
        case .audioReady: return s.audio?.audioReady.map { Double($0) / 1_000_000 }
        }
    }
}
