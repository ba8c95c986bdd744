/// A figure compared between two runs, for a label or a step.
public enum CompareMetric: String, CaseIterable, Sendable, Codable {
    case throughput = "rps"
    /// Successful requests per second (that kept the plan's per-request bounds, when it has any).
    case goodput = "ok_rps"
    case p50, p90, p95, p99
    case errors
    case ttfaP95 = "ttfa"
    case rtfP95 = "rtf"
    case audio

    /// The heading in tables.
    public var title: String {
        switch self {
        case .throughput: return "req/s"
        case .goodput: return "ok req/s"
        case .p50, .p90, .p95, .p99: return "\(rawValue) ms"
        case .errors: return "error %"
        case .ttfaP95: return "TTFA p95 ms"
        case .rtfP95: return "RTF p95"
        case .audio: return "audio s/s"
        }
    }

    /// True when a larger value is better (throughput, goodput, audio delivered).
    public var higherIsBetter: Bool { self == .throughput || self == .goodput || self == .audio }

    /// The percentile a latency-like metric is about, nil for rates.
    var percentile: Double? {
        switch self {
        case .p50: return 50
        case .p90: return 90
        case .p95, .ttfaP95, .rtfP95: return 95
        case .p99: return 99
        case .throughput, .goodput, .errors, .audio: return nil
        }
    }

    /// Error % is compared in percentage points (a rate near zero has no useful relative change);
    /// everything else relative to the base.
    public var toleranceIsAbsolute: Bool { self == .errors }
}

/// How large a change must be before it can be called a regression or an improvement, per metric.
public struct Tolerances: Sendable, Equatable {
    /// Relative (0.05 = 5%) per metric; for `errors`, percentage points (1 = one point).
    public var values: [CompareMetric: Double]

    /// Defaults set from the A/A spread measured in docs/compare.md.
    public static let defaults = Tolerances(values: [
        .throughput: 0.05, .goodput: 0.05, .p50: 0.05, .p90: 0.05, .p95: 0.10, .p99: 0.15,
        .errors: 1, .ttfaP95: 0.10, .rtfP95: 0.10, .audio: 0.05,
    ])

    public init(values: [CompareMetric: Double]) { self.values = values }

    public subscript(metric: CompareMetric) -> Double { values[metric] ?? Self.defaults.values[metric] ?? 0.05 }

    /// Applies `key=value` settings such as `p95=10%`, `rps=3%`, `errors=0.5` (points), `latency=8%`
    /// (p50 to p99) or `all=10%`; several may be comma-separated. Throws a message naming the bad part.
    public mutating func apply(_ text: String) throws(ToleranceError) {
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw ToleranceError("'\(part)': expected metric=value, e.g. p95=10%") }
            let key = pair[0].lowercased()
            let metrics: [CompareMetric]
            switch key {
            case "all": metrics = CompareMetric.allCases
            case "latency": metrics = [.p50, .p90, .p95, .p99]
            case "req/s", "throughput": metrics = [.throughput]
            case "goodput", "ok req/s": metrics = [.goodput]
            default:
                guard let m = CompareMetric(rawValue: key) else {
                    let names = CompareMetric.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ToleranceError("'\(pair[0])': unknown metric (one of \(names), latency, all)")
                }
                metrics = [m]
            }
            var number = pair[1]
            if number.hasSuffix("%") { number.removeLast() }
            guard let value = Double(number), value >= 0, value.isFinite else {
                throw ToleranceError("'\(pair[1])': expected a number >= 0, e.g. 10% or 0.1")
            }
            for m in metrics {
                // Values are percentages with or without the sign: `10%` and `10` are 0.1 relative, and
                // for error % ten points.
                values[m] = m.toleranceIsAbsolute ? value : value / 100
            }
        }
    }
}

/// A `--tolerance` value that cannot be read.
public struct ToleranceError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
