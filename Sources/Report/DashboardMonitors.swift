import Foundation
import Plan
import Results

/// The dashboard's monitors: whether the load generator kept up, each series' mean and max per
/// step hold, leaks, and the series charted on the load charts' time axis with the step bands.
extension DashboardPage {
    /// Charts drawn at most (one per metric family, its label sets as lines); the store has every series.
    static let maxMonitorCharts = 30
    static let maxLinesPerChart = 8
    static let maxTableRows = 40

    mutating func monitorSection() {
        let series = model.input.monitors.filter { !$0.points.isEmpty }
        guard !series.isEmpty else { return }
        out += "<h2 id=\"monitors\">Monitors</h2>\n"
        generatorParagraph(series)
        let ordered = Self.monitorOrder(series)
        // A series that held one value all run long (a cache that is off) is a row, not a chart.
        let varying = ordered.filter { s in s.points.contains { $0.value != s.points[0].value } }
        monitorStepTable(varying + ordered.filter { s in !varying.contains { $0.name == s.name } })
        leakParagraph(ordered)
        monitorCharts(varying)
        if varying.count < ordered.count {
            out += "<p class=\"muted\">\(ordered.count - varying.count) series held one value all run long and are not charted.</p>\n"
        }
    }

    /// The load generators' figures (this host's, or each agent's), judged again from the stored
    /// series by the same rule as the run's live flag, so `ttsload report` says the same later.
    mutating func generatorParagraph(_ series: [MonitorSeries]) {
        let demandBase = "ttsload:engine_demand_percent"
        for demand in series where MonitorFormat.base(demand.name) == demandBase {
            let labels = String(demand.name.dropFirst(demandBase.count))
            let who = labels.isEmpty ? "Load generator" : "Load generator \(labels)"
            var waits: [Int64: Double] = [:]
            for p in series.first(where: { $0.name == "ttsload:engine_wait_ms" + labels })?.points ?? [] { waits[p.micros] = p.value }
            let saturated = demand.points.filter { p in
                p.value >= GeneratorLimits.demandPercent || (waits[p.micros] ?? 0) >= GeneratorLimits.waitMs
            }
            let maxDemand = demand.points.map(\.value).max() ?? 0, maxWait = waits.values.max() ?? 0
            let figures = String(format: "busy or waiting for a core at most %.0f%% of the time, at most %.1f ms wait per wake-up", maxDemand, maxWait)
            if saturated.isEmpty {
                out += "<p>\(HTMLText.escape(who)): not saturated (engine threads \(figures)).</p>\n"
                continue
            }
            let at = saturated.map { HTMLText.seconds(Double($0.micros - model.t0) / 1_000_000) }
            // Red only where summary.json (and so compare's "noisy run") says saturated too.
            let flagged = GeneratorFigures.saturated(seconds: saturated.count, of: demand.points.count)
            out += flagged ? "<p class=\"fail\"><b>\(HTMLText.escape(who)) saturated</b>" : "<p>\(HTMLText.escape(who)): saturated only briefly,"
            out += " in \(saturated.count) of \(demand.points.count) s"
            out += " (at \(HTMLText.escape(at.prefix(12).joined(separator: ", ")))\(at.count > 12 ? ", ..." : "")): engine threads \(figures). "
            out += "Latency in those seconds includes the generator's own wait: give it more cores or engine threads "
            out += "(<code>--threads</code>), or spread the load over agents.</p>\n"
        }
    }

    /// Mean / max of each series over each step's hold (the first group with steps), and the run.
    mutating func monitorStepTable(_ series: [MonitorSeries]) {
        let rows = model.steps.groups.first(where: { !$0.rows.isEmpty })?.rows ?? []
        // A step the run did not reach (stopped or aborted before it) has no column of its own.
        let duration = model.duration
        let t0 = model.t0
        let micros = { (seconds: Double) in t0 + Int64(seconds * 1_000_000) }
        out += "<div class=\"scroll\"><table><thead><tr><th class=\"l\">series (mean / max)</th>"
        for r in rows { out += "<th>step \(r.index)</th>" }
        out += "<th>run</th></tr></thead><tbody>\n"
        for s in series.prefix(Self.maxTableRows) {
            out += "<tr><td class=\"l\">\(HTMLText.escape(s.name))</td>"
            for r in rows {
                let f = r.holdStart < duration ? s.figures(fromMicros: micros(r.holdStart), toMicros: micros(min(r.end, duration))) : nil
                out += "<td>\(Self.pair(f, s.name))</td>"
            }
            out += "<td>\(Self.pair(s.figures(), s.name))</td></tr>\n"
        }
        out += "</tbody></table></div>\n"
        if series.count > Self.maxTableRows {
            out += "<p class=\"muted\">\(series.count - Self.maxTableRows) more series are in the store (monitor_series) and summary.json.</p>\n"
        }
    }

    mutating func leakParagraph(_ series: [MonitorSeries]) {
        guard let profile = model.input.profile, let window = MonitorLeak.window(profile) else { return }
        let leaks = MonitorLeak.find(in: series, window: (model.t0 + Int64(window.from * 1_000_000), model.t0 + Int64(window.to * 1_000_000)),
                                     t0: model.t0)
        for leak in leaks { out += "<p class=\"fail\"><b>\(HTMLText.escape(MonitorText.leakLine(leak)))</b></p>\n" }
    }

    mutating func monitorCharts(_ series: [MonitorSeries]) {
        let bands = chartBands()
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
        var families: [(name: String, series: [MonitorSeries])] = []
        for s in series {
            let family = Self.family(s.name)
            if let i = families.firstIndex(where: { $0.name == family }) { families[i].series.append(s) } else { families.append((family, [s])) }
        }
        for family in families.prefix(Self.maxMonitorCharts) {
            let lines = family.series.prefix(Self.maxLinesPerChart)
            // Large values would not fit the axis labels: bytes in MiB, others in millions.
            let top = lines.flatMap { $0.points.map { abs($0.value) } }.max() ?? 0
            var unit = Self.monitorUnit(family.name), scale = 1.0
            if unit == "bytes" && top >= 1_048_576 { unit = "MiB"; scale = 1.0 / 1_048_576 } else if unit == "bytes/s" && top >= 1_048_576 {
                unit = "MiB/s"; scale = 1.0 / 1_048_576
            } else if top >= 1_000_000 { unit = "millions"; scale = 1e-6 }
            var chartSeries: [SVGChart.Series] = []
            var xMax = model.duration
            for (i, s) in lines.enumerated() {
                let points = Self.withGaps(s.points).map { p in
                    (Double(p.micros - model.t0) / 1_000_000, p.value.map { $0 * scale })
                }
                xMax = max(xMax, points.map(\.0).max() ?? 0)
                // A line is named by its labels when the family has them: the title names the family.
                var name = s.name
                if let open = s.name.firstIndex(of: "{"), let close = s.name.lastIndex(of: "}"), open < close {
                    name = String(s.name[open...close])
                }
                chartSeries.append(SVGChart.Series(name: name, color: colors[i % colors.count], points: points))
            }
            let title = family.name + (family.series.count > lines.count ? " (\(lines.count) of \(family.series.count) label sets)" : "")
            var chart = SVGChart(title: title, unit: unit, series: chartSeries, bands: bands, xMax: xMax)
            chart.zoomY = unit == "bytes" || unit == "MiB"
            out += chart.render() + "\n"
        }
        if families.count > Self.maxMonitorCharts {
            out += "<p class=\"muted\">\(families.count - Self.maxMonitorCharts) more metric families are in the store (monitor_series).</p>\n"
        }
    }

    /// The chart a series goes in: its name without labels (a quantile label keeps its own chart family).
    static func family(_ name: String) -> String { MonitorFormat.base(name) }

    /// The points with a nil after any pause longer than 2.5 times the usual spacing (a failed
    /// scrape, a monitor that stopped), so the line breaks instead of bridging the gap.
    static func withGaps(_ points: [(micros: Int64, value: Double)]) -> [(micros: Int64, value: Double?)] {
        guard points.count > 2 else { return points.map { ($0.micros, Optional($0.value)) } }
        let spacings = zip(points, points.dropFirst()).map { $1.micros - $0.micros }.sorted()
        let usual = spacings[spacings.count / 2]
        var out: [(micros: Int64, value: Double?)] = []
        for (i, p) in points.enumerated() {
            if i > 0, p.micros - points[i - 1].micros > usual * 5 / 2 { out.append((points[i - 1].micros + usual, nil)) }
            out.append((p.micros, p.value))
        }
        return out
    }

    /// Scraped series first, then the host, GPUs and the load generator, each in name order.
    static func monitorOrder(_ series: [MonitorSeries]) -> [MonitorSeries] {
        series.sorted { (MonitorFormat.rank($0.name), $0.name) < (MonitorFormat.rank($1.name), $1.name) }
    }

    static func pair(_ f: MonitorFigures?, _ name: String) -> String {
        guard let f else { return "-" }
        return HTMLText.escape(MonitorFormat.value(f.mean, series: name) + " / " + MonitorFormat.value(f.max, series: name))
    }

    /// A unit read off the series name's usual suffixes (`cpu_user_percent`, `rss_bytes`, `..._seconds`, `rate(...)`).
    static func monitorUnit(_ name: String) -> String {
        let n = MonitorFormat.base(name).lowercased()
        let rate = n.contains("rate(")
        let inner = rate ? String(n.drop(while: { $0 != "(" }).dropFirst().prefix(while: { $0 != ")" })) : n
        if inner.hasSuffix("bytes") { return rate ? "bytes/s" : "bytes" }
        if rate { return "per second" }
        if inner.hasSuffix("percent") || inner.hasSuffix("_pct") || inner.hasSuffix("%") { return "%" }
        if inner.hasSuffix("seconds") { return "s" }
        if inner.hasSuffix("_ms") { return "ms" }
        if inner.hasSuffix("_mb") { return "MB" }
        return "value"
    }
}
