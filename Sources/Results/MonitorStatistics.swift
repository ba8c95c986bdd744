import Foundation
import Plan

/// Figures of a monitor series over a window of the run: what the per-step tables, the summary
/// and thresholds read. NaN points are left out.
public struct MonitorFigures: Codable, Sendable, Equatable {
    public var points: Int
    public var mean: Double
    public var min: Double
    public var max: Double
    public var last: Double
}

/// A series' trend: a least-squares line through its points, per hour, with a 95% interval.
public struct MonitorSlope: Codable, Sendable, Equatable {
    public var perHour: Double
    public var lowPerHour: Double
    public var highPerHour: Double
    /// Points fitted, and how many independent points they are worth (see `MonitorSeries.slope`).
    public var points: Int
    public var effectivePoints: Double
    /// The fitted window, seconds from the start of the run.
    public var fromSeconds: Double
    public var toSeconds: Double
}

extension MonitorSeries {
    /// Figures of the points at wall µs in [from, to); nil when there are none.
    public func figures(fromMicros from: Int64 = .min, toMicros to: Int64 = .max) -> MonitorFigures? {
        var count = 0, sum = 0.0, low = Double.infinity, high = -Double.infinity, last = Double.nan
        for p in points where p.micros >= from && p.micros < to && !p.value.isNaN {
            count += 1
            sum += p.value
            low = Swift.min(low, p.value)
            high = Swift.max(high, p.value)
            last = p.value
        }
        guard count > 0 else { return nil }
        return MonitorFigures(points: count, mean: sum / Double(count), min: low, max: high, last: last)
    }

    /// The least-squares slope over [from, to) with a 95% interval that allows for the points not
    /// being independent. The interval is the wider of two:
    /// - the least-squares one with the residuals' lag-1 autocorrelation r shrinking the sample to
    ///   n(1-r)/(1+r) effective points (the AR(1) correction of Wilks, "Statistical Methods in the
    ///   Atmospheric Sciences", 5.2.3): right when the value wanders around a trend;
    /// - the mean of successive differences with its own standard error: right when the value is a
    ///   random walk, where least squares finds trends that are not there (Granger & Newbold,
    ///   "Spurious regressions in econometrics", 1974).
    /// Nil under 5 points.
    public func slope(fromMicros from: Int64, toMicros to: Int64, t0: Int64) -> MonitorSlope? {
        let xy = points.filter { $0.micros >= from && $0.micros < to && !$0.value.isNaN }
            .map { (Double($0.micros - t0) / 3_600_000_000, $0.value) }
        let n = Double(xy.count)
        guard xy.count >= 5 else { return nil }
        let mx = xy.reduce(0) { $0 + $1.0 } / n, my = xy.reduce(0) { $0 + $1.1 } / n
        let sxx = xy.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        guard sxx > 0 else { return nil }
        let b = xy.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        let residuals = xy.map { $0.1 - (my + b * ($0.0 - mx)) }
        let sse = residuals.reduce(0) { $0 + $1 * $1 }
        var r = 0.0
        if sse > 0 {
            r = zip(residuals, residuals.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } / sse
        }
        r = Swift.max(0, Swift.min(r, 0.99))
        let effective = n * (1 - r) / (1 + r)
        var half: Double?
        if effective >= 3 {
            // The residual variance from n - 2 degrees of freedom, the slope's error from the effective count.
            let se = (sse / (n - 2) / sxx * n / effective).squareRoot()
            half = Self.studentT975(degrees: effective - 2) * se
        }
        // Successive differences per hour: their mean is the walk's drift, their spread its error.
        let steps = zip(xy, xy.dropFirst()).compactMap { a, b in b.0 > a.0 ? (b.1 - a.1) / (b.0 - a.0) : nil }
        if steps.count >= 4 {
            let m = steps.reduce(0, +) / Double(steps.count)
            let sd = (steps.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(steps.count - 1)).squareRoot()
            half = Swift.max(half ?? 0, Self.studentT975(degrees: Double(steps.count - 1)) * sd / Double(steps.count).squareRoot())
        }
        guard let half else { return nil }
        return MonitorSlope(perHour: b, lowPerHour: b - half, highPerHour: b + half, points: xy.count,
                            effectivePoints: effective, fromSeconds: xy.first!.0 * 3600, toSeconds: xy.last!.0 * 3600)
    }

    /// The 97.5% quantile of Student's t (two-sided 95%), from a table with linear interpolation;
    /// under one degree of freedom it is taken at one.
    static func studentT975(degrees: Double) -> Double {
        let table: [(Double, Double)] = [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (8, 2.306),
                                         (10, 2.228), (15, 2.131), (20, 2.086), (30, 2.042), (60, 2.000), (120, 1.980)]
        let d = Swift.max(1, degrees)
        if d >= 120 { return 1.96 + (1.980 - 1.96) * 120 / d }
        for (a, b) in zip(table, table.dropFirst()) where d <= b.0 {
            return a.1 + (b.1 - a.1) * (d - a.0) / (b.0 - a.0)
        }
        return 1.96
    }

    /// Whether the series holds memory (bytes held, not a rate): the ones a leak shows in.
    public var isMemory: Bool {
        let base = name.split(separator: "{").first.map(String.init) ?? name
        return !base.contains("rate(") && (base.hasSuffix("_bytes") || base.contains("memory"))
            && !base.hasSuffix("available_bytes") && !base.contains("free")
    }
}

/// A memory series that grew steadily over the run's longest constant load.
public struct MonitorLeak: Codable, Sendable, Equatable {
    public var series: String
    public var slope: MonitorSlope
    /// Growth over the fitted window as a share of the series' mean there.
    public var growth: Double

    /// Flagged when the whole 95% interval of the slope is above zero and the window grew by at
    /// least 2% of its mean: a cache filling up levels off (the interval widens), a leak does not.
    public static func find(in series: [MonitorSeries], window: (from: Int64, to: Int64), t0: Int64) -> [MonitorLeak] {
        series.compactMap { s in
            guard s.isMemory, let slope = s.slope(fromMicros: window.from, toMicros: window.to, t0: t0),
                  let figures = s.figures(fromMicros: window.from, toMicros: window.to), figures.mean > 0 else { return nil }
            let growth = slope.perHour * (slope.toSeconds - slope.fromSeconds) / 3600 / figures.mean
            return slope.lowPerHour > 0 && growth >= 0.02 ? MonitorLeak(series: s.name, slope: slope, growth: growth) : nil
        }
    }

    /// The window a leak is looked for in: the longest stretch of constant load of the first group
    /// (the last of equal ones), less its first fifth (warm-up: caches and pools fill there).
    /// Seconds from the start of the run; nil without one of at least 10 s.
    public static func window(_ profile: LoadProfile) -> (from: Double, to: Double)? {
        guard let group = profile.groups.first else { return nil }
        var best: GroupSchedule.Segment?
        for s in group.segments where s.from == s.to && s.from > 0 {
            if best == nil || s.end - s.start >= best!.end - best!.start { best = s }
        }
        guard let best, best.end - best.start >= 10 else { return nil }
        return (best.start + (best.end - best.start) / 5, best.end)
    }
}

/// The monitors of a run as summary.json holds them (the points themselves are in the store).
public struct MonitorSummary: Codable, Sendable {
    /// The load generator's own saturation figures, and whether the run should be read with care.
    public var generator: GeneratorFigures
    public var generatorSaturated: Bool
    /// A distributed run's agents' load generators, by agent name (empty in one process).
    public var agents: [String: GeneratorFigures] = [:]
    /// Figures of each series over the whole run.
    public var series: [String: MonitorFigures]
    /// Per series, per step hold of the first stepped group: "step N" -> figures.
    public var steps: [String: [String: MonitorFigures]]
    public var leaks: [MonitorLeak]
    /// Problems met while sampling (a failed scrape, no nvidia-smi), first of each kind.
    public var problems: [String]

    public init(generator: GeneratorFigures, series: [String: MonitorFigures], steps: [String: [String: MonitorFigures]],
                leaks: [MonitorLeak], problems: [String]) {
        self.generator = generator
        generatorSaturated = generator.saturated
        self.series = series
        self.steps = steps
        self.leaks = leaks
        self.problems = problems
    }
}

/// Values of monitor series as people read them, by what the series name says they hold.
public enum MonitorFormat {
    /// The series name without its labels: `target:rate(tts_requests_total)` of
    /// `target:rate(tts_requests_total{code="200"})`.
    public static func base(_ series: String) -> String {
        guard let open = series.firstIndex(of: "{"), let close = series.lastIndex(of: "}"), open < close else { return series }
        return String(series[..<open] + series[series.index(after: close)...])
    }

    /// Where a series is listed: scraped endpoints first (what the user came to see), then the
    /// host, GPUs and the load generator.
    public static func rank(_ series: String) -> Int {
        series.hasPrefix("host:") ? 1 : series.hasPrefix("gpu:") ? 2 : series.hasPrefix("ttsload:") ? 3 : 0
    }

    /// Whether the series holds bytes (or bytes per second, for a `rate(..._bytes)`).
    public static func isBytes(_ series: String) -> Bool {
        let b = base(series)
        return b.hasSuffix("_bytes") || b.hasSuffix("_bytes)")
    }

    /// A value with the unit its series implies: bytes in KiB/MiB/GiB, percentages, ms, else three
    /// significant digits.
    public static func value(_ v: Double, series: String) -> String {
        if v.isNaN { return "-" }
        let b = base(series)
        if isBytes(series) { return bytes(v) + (b.contains("rate(") ? "/s" : "") }
        if b.hasSuffix("_percent") { return String(format: "%.1f%%", v) }
        if b.hasSuffix("_ms") { return String(format: "%.2f ms", v) }
        return number(v)
    }

    /// `1.23 GiB`, `512.0 MiB`, `12.0 KiB`, `900 B`.
    public static func bytes(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_073_741_824 { return String(format: "%.2f GiB", v / 1_073_741_824) }
        if a >= 1_048_576 { return String(format: "%.1f MiB", v / 1_048_576) }
        if a >= 1024 { return String(format: "%.1f KiB", v / 1024) }
        return String(format: "%.0f B", v)
    }

    /// Three significant digits, without an exponent for everyday sizes.
    public static func number(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1e6 { return String(format: "%.3g", v) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 0.01 { return String(format: "%.2f", v) }
        return String(format: "%.2g", v)
    }
}
