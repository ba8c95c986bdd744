import Plan

/// The per-request bounds among threshold terms, and whether one request kept them: what
/// goodput (`ok req/s`) counts, in a capacity search's levels (docs/capacity.md) and in a
/// comparison (docs/compare.md).
///
/// A term that bounds a per-request figure from above (`p95 < 2s`, `ttfa_p99 <= 800ms`,
/// `max < 5s`, `rtf_p95 < 0.5`) is read as a bound on each request: a request kept it when its
/// own figure is under the bound. Aggregate terms (`error_rate`, `rps`, status shares), lower
/// bounds, monitor series and terms of one step (`step 3:`, `each step:`) say nothing about one
/// request and are skipped. A term scoped to a label or thread group binds only that one's
/// requests. A request that failed is never good; one without the figure a bound needs (no
/// audio for a `ttfa_` term) did not keep it.
public struct RequestBounds: Sendable {
    /// The terms that bind single requests.
    public let terms: [Threshold]

    public init(_ thresholds: [Threshold]) {
        terms = thresholds.filter { t in
            guard t.steps == .run, t.comparison == .lessThan || t.comparison == .lessOrEqual else { return false }
            return Self.quantity(t) != nil
        }
    }

    /// The expressions of the terms, as written.
    public var expressions: [String] { terms.map(\.expression) }

    /// Whether `sample` succeeded and kept every term that applies to it.
    public func keeps(_ sample: Sample) -> Bool {
        guard sample.success else { return false }
        for term in terms {
            if let scope = term.scope, scope != sample.label, scope != sample.groupName { continue }
            guard let quantity = Self.quantity(term), let value = Self.value(quantity, of: sample) else { return false }
            if !term.comparison.holds(value, term.value) { return false }
        }
        return true
    }

    static func quantity(_ term: Threshold) -> ThresholdMetric.Quantity? {
        switch term.metric.kind {
        case .percentile(let q, _), .max(let q), .mean(let q): return q
        default: return nil
        }
    }

    /// A request's own figure in the threshold's base unit (seconds, or RTF as a ratio).
    public static func value(_ quantity: ThresholdMetric.Quantity, of s: Sample) -> Double? {
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
