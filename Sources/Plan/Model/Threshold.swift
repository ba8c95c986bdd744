import Foundation

/// A pass/fail rule on the run's results: `[scope:] metric op value`, e.g. `happy-short: rtf_p95 < 0.5`.
/// Judged at the end of a run on the whole run, or on step holds (`step 3:`, `each step:`); every
/// second while the load runs when `abort` is set (the `Verdict` module).
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    /// Which part of the run a threshold is judged on.
    public enum Steps: Sendable, Equatable {
        /// The whole run.
        case run
        /// The hold of step N (1-based) of every stepped thread group.
        case step(Int)
        /// Every step's hold: the threshold fails when any step breaks it.
        case each
    }

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
    /// The run, one step's hold or each step's hold (`step 3:`, `each step:` before the metric).
    public var steps: Steps = .run
    public var metric: ThresholdMetric
    public var comparison: Comparison
    /// In the metric's base unit: seconds for times, a fraction for rates, plain for the rest.
    public var value: Double
    /// Stop the run when the threshold fails (after `after`; for `window` when one is given).
    public var abort: Bool
    /// Do not evaluate for abort before this much of the run has passed.
    public var after: PlanDuration
    /// `for:` abort only once the condition has failed in every second of this long a stretch;
    /// nil: abort as soon as the figure over the run so far fails.
    public var window: PlanDuration?
    /// In an A/B run, the side whose samples this threshold is judged on; nil: every sample in scope.
    public var side: ABSide?

    public var description: String { expression }
}

/// What a threshold measures.
public struct ThresholdMetric: Sendable, Equatable, CustomStringConvertible {
    /// The quantity the statistic is taken of.
    public enum Quantity: String, Sendable, Equatable, CaseIterable {
        case latency = ""  // elapsed time of a sample
        /// Elapsed time of successful samples only (k6's `{expected_response:true}`).
        case okLatency = "ok_"
        case ttfa = "ttfa_"
        case rtf = "rtf_"
        case connect = "connect_"
        /// Each sample's longest gap between two chunks of audio.
        case gap = "gap_"
    }
    /// Aggregate metrics that are not statistics of a per-sample quantity.
    public enum Aggregate: String, Sendable, Equatable, CaseIterable {
        case errorRate = "error_rate"
        case underrunRate = "underrun_rate"
        case rps
        /// Successful samples per second (goodput).
        case okRps = "ok_rps"
        /// Audio seconds produced per wall second (RTFX).
        case rtfx
        /// Share of the samples with a response that passed every check.
        case checks
    }
    public enum Kind: Sendable, Equatable {
        /// Percentile 0...100 of a quantity.
        case percentile(Quantity, Double)
        case min(Quantity), max(Quantity), mean(Quantity)
        case aggregate(Aggregate)
        /// Share of samples whose status matches a pattern such as `5xx`, `503` or `4xx`
        /// (`rc5xx`); `0xx` counts samples without a response.
        case statusShare(String)
        /// A statistic of a monitor series over the run or a step's hold (`target:tts_queue_depth max`).
        case monitor(series: String, stat: MonitorStat)
    }
    /// What is taken of a monitor series' points.
    public enum MonitorStat: String, Sendable, Equatable, CaseIterable {
        case max, min, mean, last
        /// Least-squares trend, per hour (`slope < 1MB/min` is converted).
        case slope
    }
    /// The unit a threshold value must carry.
    public enum Unit: Sendable, Equatable { case time, fraction, plain, monitor }

    public var name: String
    public var kind: Kind

    public var unit: Unit {
        switch kind {
        case .percentile(let q, _), .min(let q), .max(let q), .mean(let q):
            return q == .rtf ? .plain : .time
        case .aggregate(let a):
            return (a == .errorRate || a == .underrunRate || a == .checks) ? .fraction : .plain
        case .statusShare:
            return .fraction
        case .monitor:
            return .monitor
        }
    }

    /// The monitor series a threshold reads, nil for the sample metrics.
    public var monitorSeries: String? {
        if case .monitor(let series, _) = kind { return series }
        return nil
    }

    public var description: String { name }

    static let statistics = ["p50", "p75", "p90", "p95", "p99", "p99.9", "min", "max", "avg", "med"]

    /// Every metric name, for error messages and did-you-mean.
    public static var allNames: [String] {
        let prefixes = Quantity.allCases.map(\.rawValue)
        return prefixes.flatMap { p in statistics.map { p + $0 } } + Aggregate.allCases.map(\.rawValue) + ["rc5xx", "rc4xx"]
    }

    /// `p95`, `ttfa_p99`, `rtf_avg`, `error_rate`, `rps`...
    public init?(name: String) {
        self.name = name
        if let aggregate = Aggregate(rawValue: name) {
            kind = .aggregate(aggregate)
            return
        }
        if name.hasPrefix("rc"), name.count == 5 {
            let pattern = name.dropFirst(2)
            guard let first = pattern.first, ("0"..."5").contains(first),
                  pattern.dropFirst().allSatisfy({ $0.isNumber || $0 == "x" }),
                  !(pattern.dropFirst().first == "x" && pattern.last?.isNumber == true)
            else { return nil }
            kind = .statusShare(String(pattern))
            return
        }
        var quantity = Quantity.latency
        var stat = Substring(name)
        for q in Quantity.allCases where !q.rawValue.isEmpty && name.hasPrefix(q.rawValue) {
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
    /// Parses `[scope:] metric op value` (`p95 < 2s`, `error_rate < 0.5%`, `happy-short: rtf_p95 < 0.5`,
    /// `step 3: p95 < 2s`, `each step: error_rate < 1%`).
    public static func parse(_ expression: String, abort: Bool = false, after: PlanDuration = .zero,
                             window: PlanDuration? = nil) throws(ThresholdParseError) -> Threshold {
        let text = expression
        // The operator splits the expression; find it first so a scope may itself contain ':'.
        guard let opRange = text.range(of: "<=") ?? text.range(of: ">=") ?? text.range(of: "<") ?? text.range(of: ">") else {
            throw ThresholdParseError(message: "expected an expression like 'p95 < 2s' (operators: < <= > >=)", offset: 0)
        }
        let comparison = Comparison(rawValue: String(text[opRange]))!
        var left = text[..<opRange.lowerBound]
        let right = text[opRange.upperBound...].trimmingCharacters(in: .whitespaces)
        var scope: String?
        var steps = Steps.run
        if let monitor = try parseMonitor(text, left: left, right: right, comparison: comparison) {
            var t = monitor
            t.abort = abort
            t.after = after
            t.window = window
            return t
        }
        if let colon = left.lastIndex(of: ":") {
            let s = left[..<colon].trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else { throw ThresholdParseError(message: "empty scope before ':'", offset: 0) }
            let words = s.split(separator: " ", omittingEmptySubsequences: true)
            if words.count == 2, words[0] == "each", words[1] == "step" || words[1] == "steps" {
                steps = .each
            } else if words.count == 2, words[0] == "step" {
                guard let n = Int(words[1]), n >= 1 else {
                    throw ThresholdParseError(message: "'\(s)': a step is numbered from 1, as in 'step 3: p95 < 2s'", offset: 0)
                }
                steps = .step(n)
            } else {
                scope = s
            }
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
                    + "metrics: p50..p99.9, min, max, avg (also with ok_, ttfa_, rtf_, connect_, gap_), error_rate, "
                    + "underrun_rate, rps, ok_rps, rtfx, checks, rc5xx (any status pattern: rc503, rc4xx)",
                offset: metricOffset)
        }
        let valueOffset = text.distance(from: text.startIndex, to: opRange.upperBound) + 1
        guard let value = parseValue(right, unit: metric.unit) else {
            let expected: String
            switch metric.unit {
            case .time: expected = "a duration such as 2s or 800ms"
            case .fraction: expected = "a percentage such as 0.5% or a fraction 0..1"
            case .plain: expected = "a plain number"
            case .monitor: expected = "a number"
            }
            throw ThresholdParseError(message: "\(metricName) needs \(expected), got '\(right)'", offset: valueOffset)
        }
        return Threshold(expression: expression, scope: scope, steps: steps, metric: metric, comparison: comparison,
                         value: value, abort: abort, after: after, window: window)
    }

    /// `[step N: | each step:] SERIES STAT op VALUE`, where SERIES holds a ':' (`target:tts_queue_depth`)
    /// and STAT is max, min, mean, last or slope; nil when the expression is not of that form.
    private static func parseMonitor(_ text: String, left: Substring, right: String,
                                     comparison: Comparison) throws(ThresholdParseError) -> Threshold? {
        let words = left.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2, let stat = ThresholdMetric.MonitorStat(rawValue: String(words.last!)) else { return nil }
        let series = String(words[words.count - 2])
        guard series.contains(":"), !series.hasSuffix(":") else { return nil }
        var steps = Steps.run
        let before = words.dropLast(2).joined(separator: " ")
        if !before.isEmpty {
            let scopeWords = before.dropLast(before.hasSuffix(":") ? 1 : 0).split(separator: " ")
            if scopeWords.count == 2, scopeWords[0] == "each", scopeWords[1] == "step" || scopeWords[1] == "steps" {
                steps = .each
            } else if scopeWords.count == 2, scopeWords[0] == "step", let n = Int(scopeWords[1]), n >= 1 {
                steps = .step(n)
            } else {
                throw ThresholdParseError(message: "a monitor series is judged on the run, 'step N:' or 'each step:', not on '\(before)'", offset: 0)
            }
        }
        let valueOffset = text.distance(from: text.startIndex, to: text.range(of: comparison.rawValue)!.upperBound) + 1
        guard let value = parseMonitorValue(right, slope: stat == .slope) else {
            throw ThresholdParseError(
                message: stat == .slope
                    ? "slope needs a change per time such as 1MB/min, 10/s or 0.5%/h, got '\(right)'"
                    : "\(series) \(stat.rawValue) needs a number (units K M G, KiB MiB GiB, B, %), got '\(right)'",
                offset: valueOffset)
        }
        return Threshold(expression: text, scope: nil, steps: steps,
                         metric: ThresholdMetric(series: series, stat: stat), comparison: comparison, value: value,
                         abort: false, after: .zero, window: nil)
    }

    /// A number with an optional size unit (K M G T: powers of 1000; KiB MiB GiB TiB: of 1024; a
    /// trailing B is allowed; % is the number as written, since percent series hold percents);
    /// for a slope, `/s`, `/min` or `/h` after it (per hour when none), returned per hour.
    static func parseMonitorValue(_ text: String, slope: Bool) -> Double? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var perHour = 1.0
        if let slash = body.lastIndex(of: "/") {
            guard slope else { return nil }
            switch body[body.index(after: slash)...].trimmingCharacters(in: .whitespaces) {
            case "s", "sec": perHour = 3600
            case "min", "m": perHour = 60
            case "h", "hour": perHour = 1
            default: return nil
            }
            body = body[..<slash]
        }
        var number = body.trimmingCharacters(in: .whitespaces)
        var scale = 1.0
        if number.hasSuffix("%") { number.removeLast() }
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
                                         ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
                                         ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1)]
        for (suffix, factor) in units where number.hasSuffix(suffix) {
            number.removeLast(suffix.count)
            scale = factor
            break
        }
        guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v.isFinite else { return nil }
        return v * scale * perHour
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
        case .monitor:
            return parseMonitorValue(text, slope: false)
        }
    }
}

extension ThresholdMetric {
    /// A statistic of a monitor series.
    public init(series: String, stat: MonitorStat) {
        name = "\(series) \(stat.rawValue)"
        kind = .monitor(series: series, stat: stat)
    }
}
