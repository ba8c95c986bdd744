/// What a comparison says about one metric.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// Worse by more than the tolerance, and the confidence interval of the difference excludes 0.
    case regression
    /// Better by more than the tolerance, and the interval excludes 0.
    case improvement
    /// Beyond the tolerance, but the interval includes 0: the samples cannot tell.
    case notSignificant = "inconclusive (not significant)"
    /// Too few samples on a side for this metric (docs/compare.md gives the minimums).
    case tooFewSamples = "inconclusive (too few samples)"
    /// Beyond the tolerance and significant, but a side's load generator was saturated: its
    /// latencies measure the generator as much as the service (`Comparison.noisy` says which).
    case noisyRun = "inconclusive (noisy run)"
    /// Within the tolerance.
    case unchanged
    /// The metric does not exist on a side (no audio, no samples in a step).
    case missing = "n/a"

    /// Sort order: what a reader must see first.
    var rank: Int {
        switch self {
        case .regression: return 0
        case .improvement: return 1
        case .noisyRun: return 2
        case .notSignificant: return 3
        case .tooFewSamples: return 4
        case .unchanged: return 5
        case .missing: return 6
        }
    }

    public var isInconclusive: Bool { self == .notSignificant || self == .tooFewSamples || self == .noisyRun }
}
