import Plan
import Results
import Thresholds

/// A capacity search's service-level objective: terms in the threshold language, all of which a
/// level must keep (`p95 < 2s, error_rate < 1%`). Judged on the samples that ended in a level's
/// judged windows.
public struct SLO: Sendable {
    public let terms: [Threshold]
    private let bounds: RequestBounds

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
        bounds = RequestBounds(terms)
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
    /// Aggregate terms (`error_rate`, `rps`) say nothing about one request and are skipped
    /// (`RequestBounds`, the rule a comparison's `ok req/s` uses too).
    public func isGood(_ sample: Sample) -> Bool { bounds.keeps(sample) }
}
