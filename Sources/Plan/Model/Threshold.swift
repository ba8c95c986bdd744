import Foundation

/// A pass/fail rule on the run's results: `[scope:] metric op value`, e.g. `happy-short: rtf_p95 < 0.5`.
/// Parsed and validated with the plan; evaluated over all samples at the end of a run
/// (and continuously when `abort` is set).
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        case lessThan = "<", lessOrEqual = "<=", greaterThan = ">", greaterOrEqual = ">="

        public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
            switch self {
            case .lessThan: return lhs < rhs
            case .lessOrEqual: return lhs <= rhs
            case .greaterThan: return lhs > rhs
            case .greaterOrEqual: return lhs >= rhs
            }
        }
    }

    /// The expression as written.
    public var expression: String
    /// A label or thread-group name; nil = all samples.
    public var scope: String?
    public var metric: ThresholdMetric
    public var comparison: Comparison
    /// In the metric's base unit: seconds for times, a fraction for rates, plain for the rest.
    public var value: Double
    /// Stop the run as soon as the threshold fails (after `after`).
    public var abort: Bool
    /// Do not evaluate for abort before this much of the run has passed.
    public var after: PlanDuration

    public var description: String { expression }
}

/// What a threshold measures.
public struct ThresholdMetric: Sendable, Equatable, CustomStringConvertible {
    /// The quantity the statistic is taken of.
    public enum Quantity: String, Sendable, Equatable {
        case latency = ""  // elapsed time of a sample
        case ttfa = "ttfa_"
        case rtf = "rtf_"
        case connect = "connect_"
    }
    /// Aggregate metrics that are not statistics of a per-sample quantity.
    public enum Aggregate: String, Sendable, Equatable, CaseIterable {
        case errorRate = "error_rate"
        case underrunRate = "underrun_rate"
        case rps
        /// Audio seconds produced per wall second (RTFX).
        case rtfx
    }
    public enum Kind: Sendable, Equatable {
        /// Percentile 0...100 of a quantity.
        case percentile(Quantity, Double)
        case min(Quantity), max(Quantity), mean(Quantity)
        case aggregate(Aggregate)
    }
    /// The unit a threshold value must carry.
    public enum Unit: Sendable, Equatable { case time, fraction, plain }

    public var name: String
    public var kind: Kind

    public var unit: Unit {
        switch kind {
        case .percentile(let q, _), .min(let q), .max(let q), .mean(let q):
            return q == .rtf ? .plain : .time
        case .aggregate(let a):
            return (a == .errorRate || a == .underrunRate) ? .fraction : .plain
        }
    }

    public var description: String { name }

    static let statistics = ["p50", "p75", "p90", "p95", "p99", "p99.9", "min", "max", "avg", "med"]

    /// Every metric name, for error messages and did-you-mean.
    public static var allNames: [String] {
        let prefixes = ["", "ttfa_", "rtf_", "connect_"]
        return prefixes.flatMap { p in statistics.map { p + $0 } } + Aggregate.allCases.map(\.rawValue)
    }

    /// `p95`, `ttfa_p99`, `rtf_avg`, `error_rate`, `rps`...
    public init?(name: String) {
        self.name = name
        if let aggregate = Aggregate(rawValue: name) {
            kind = .aggregate(aggregate)
            return
        }
        var quantity = Quantity.latency
        var stat = Substring(name)
        for q in [Quantity.ttfa, .rtf, .connect] where name.hasPrefix(q.rawValue) {
            quantity = q
            stat = stat.dropFirst(q.rawValue.count)
        }
        switch stat {
        case "min": kind = .min(quantity)
        case "max": kind = .max(quantity)
        case "avg", "mean": kind = .mean(quantity)
        case "med", "median": kind = .percentile(quantity, 50)
        default:
            guard stat.first == "p", let p = Double(stat.dropFirst()), p > 0, p < 100,
                  stat.dropFirst().allSatisfy({ $0.isNumber || $0 == "." })
            else { return nil }
            kind = .percentile(quantity, p)
        }
    }
}

/// Why a threshold expression could not be read; `offset` is the column inside the expression.
public struct ThresholdParseError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int
}

extension Threshold {
    /// Parses `[scope:] metric op value` (`p95 < 2s`, `error_rate < 0.5%`, `happy-short: rtf_p95 < 0.5`).
    public static func parse(_ expression: String, abort: Bool = false, after: PlanDuration = .zero) throws(ThresholdParseError) -> Threshold {
        let text = expression
        // The operator splits the expression; find it first so a scope may itself contain ':'.
        guard let opRange = text.range(of: "<=") ?? text.range(of: ">=") ?? text.range(of: "<") ?? text.range(of: ">") else {
            throw ThresholdParseError(message: "expected an expression like 'p95 < 2s' (operators: < <= > >=)", offset: 0)
        }
        let comparison = Comparison(rawValue: String(text[opRange]))!
        var left = text[..<opRange.lowerBound]
        let right = text[opRange.upperBound...].trimmingCharacters(in: .whitespaces)
        var scope: String?
        if let colon = left.lastIndex(of: ":") {
            let s = left[..<colon].trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else { throw ThresholdParseError(message: "empty scope before ':'", offset: 0) }
            scope = s
            left = left[left.index(after: colon)...]
        }
        let metricName = left.trimmingCharacters(in: .whitespaces)
        let metricOffset = text.distance(from: text.startIndex, to: left.startIndex)
            + (left.count - left.drop(while: { $0 == " " }).count)
        guard !metricName.isEmpty else {
            throw ThresholdParseError(message: "missing metric before '\(comparison.rawValue)'", offset: metricOffset)
        }
        guard let metric = ThresholdMetric(name: metricName) else {
            throw ThresholdParseError(
                message: "unknown metric '\(metricName)'\(suggestion(for: metricName, in: ThresholdMetric.allNames)); "
                    + "metrics: p50..p99.9, min, max, avg (also with ttfa_, rtf_, connect_), error_rate, underrun_rate, rps, rtfx",
                offset: metricOffset)
        }
        let valueOffset = text.distance(from: text.startIndex, to: opRange.upperBound) + 1
        guard let value = parseValue(right, unit: metric.unit) else {
            let expected: String
            switch metric.unit {
            case .time: expected = "a duration such as 2s or 800ms"
            case .fraction: expected = "a percentage such as 0.5% or a fraction 0..1"
            case .plain: expected = "a plain number"
            }
            throw ThresholdParseError(message: "\(metricName) needs \(expected), got '\(right)'", offset: valueOffset)
        }
        return Threshold(expression: expression, scope: scope, metric: metric, comparison: comparison, value: value,
                         abort: abort, after: after)
    }

    private static func parseValue(_ text: String, unit: ThresholdMetric.Unit) -> Double? {
        switch unit {
        case .time:
            return PlanDuration(parsing: text).map(\.seconds)
        case .fraction:
            if text.hasSuffix("%"), let v = Double(text.dropLast().trimmingCharacters(in: .whitespaces)),
               v >= 0, v <= 100 { return v / 100 }
            if let v = Double(text), v >= 0, v <= 1 { return v }
            return nil
        case .plain:
            guard let v = Double(text), v.isFinite, v >= 0 else { return nil }
            return v
        }
    }
}
