import Foundation
import Results

/// The self-contained HTML dashboard of a run (docs/report.md): one file, inline CSS and SVG,
/// nothing fetched when it is opened.
public enum Dashboard {
    /// The page for `input`.
    public static func html(_ input: DashboardInput) -> String { html(DashboardModel(input)) }

    /// The page for an already computed model.
    public static func html(_ model: DashboardModel) -> String {
        var page = DashboardPage(model: model)
        return page.render()
    }

    /// Writes the page to `directory/index.html` (creating the folder) and returns the file's path.
    @discardableResult
    public static func write(_ input: DashboardInput, to directory: String) throws -> String {
        try write(DashboardModel(input), to: directory)
    }
}

/// Builds the page section by section; every piece of text from the data goes through `HTMLText.escape`.
struct DashboardPage {
    let model: DashboardModel
    var out = ""

    init(model: DashboardModel) { self.model = model }

    mutating func render() -> String {
        let title = HTMLText.escape(model.input.title)
        out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>ttsload: \(title)</title><style>\(DashboardStyle.css)</style></head><body>\n"
        header()
        capacitySection()
        abSection()
        stepSection()
        labelSection()
        chunkSection()
        agentSection()
        chartSection()
        monitorSection()
        errorSection()
        out += "<footer>Written by ttsload. Table percentiles come from HdrHistograms of every sample (microseconds, "
        out += "3 significant digits), merged, never averaged and never windowed; step rows cover each step's hold only. "
        out += "Chart points are percentiles of each \(HTMLText.number(model.timeline.width)) s slice, from its HdrHistogram.</footer>\n"
        out += "</body></html>\n"
        return out
    }

    // MARK: header

    mutating func header() {
        let input = model.input
        out += "<h1>\(HTMLText.escape(input.title))</h1><div class=\"sub\">"
        var facts: [String] = ["from \(HTMLText.escape(input.source))"]
        if let target = input.target { facts.append("target \(HTMLText.escape(target))") }
        if model.total.count > 0 {
            let date = Date(timeIntervalSince1970: Double(model.t0) / 1_000_000)
            facts.append("started \(HTMLText.escape(ISO8601DateFormatter().string(from: date)))")
        }
        facts.append("duration \(HTMLText.seconds(model.duration))")
        if let status = input.status { facts.append("status \(HTMLText.escape(status))") }
        out += facts.joined(separator: " · ") + "</div>\n<div class=\"facts\">"
        let t = model.total
        fact("samples", HTMLText.grouped(Int64(t.count)))
        fact("errors", "\(HTMLText.grouped(Int64(t.errors))) (\(HTMLText.percent(t.errorRate)))")
        fact("req/s (achieved)", HTMLText.number(model.requestsPerSecond))
        for p in [50.0, 90, 95, 99] { fact("p\(Int(p)) response ms", HTMLText.ms(t.latency.percentile(p))) }
        fact("max response ms", HTMLText.ms(t.latency.max))
        if t.audioSamples > 0 {
            fact("audio s per s", model.duration > 0 ? HTMLText.number(t.audioSeconds / model.duration) : "-")
            if t.ttfa.count > 0 { fact("TTFA p95 ms", HTMLText.ms(t.ttfa.percentile(95))) }
            if let rtf = t.rtf(95) { fact("RTF p95", HTMLText.number(rtf)) }
            if t.chunkGap.count > 0 { fact("chunk gap p95 ms", HTMLText.ms(t.chunkGap.percentile(95))) }
            if t.audioReady.count > 0 { fact("audio ready p95 ms", HTMLText.ms(t.audioReady.percentile(95))) }
        }
        out += "</div>\n"
        if let verdict = input.verdict {
            verdictSection(verdict)
        } else if !input.thresholds.isEmpty {
            out += "<h3>Thresholds</h3><ul>"
            for expression in input.thresholds {
                out += "<li><code>\(HTMLText.escape(expression))</code> <span class=\"muted\">not judged: \(HTMLText.escape(input.thresholdsNotJudged ?? "no plan schedule to judge them on"))</span></li>"
            }
            out += "</ul>\n"
        }
        for note in input.notes { out += "<div class=\"note\">\(HTMLText.escape(note))</div>\n" }
    }

    mutating func fact(_ name: String, _ value: String) {
        out += "<div class=\"fact\"><b>\(value)</b><span>\(HTMLText.escape(name))</span></div>"
    }

    // MARK: steps

    mutating func stepSection() {
        let section = model.steps
        out += "<h2 id=\"steps\">Per step (hold only)</h2>\n"
        if let reason = section.missingReason {
            out += "<div class=\"note\">\(HTMLText.escape(reason))</div>\n"
            return
        }
        if section.inferred {
            out += "<div class=\"note\">No plan is known: these steps are inferred from plateaus of allThreads "
            out += "(a level held at least \(StepBuilder.minimumPlateau(model.duration)) s; its first and last second left out).</div>\n"
        }
        let rule = model.input.knee
        out += "<p class=\"muted\">req/s and ok/s: samples, and successful samples, that ended in the hold per second; "
        out += "the other columns: samples that started in it.</p>\n"
        for group in section.groups {
            if section.groups.count > 1 { out += "<h3>\(HTMLText.escape(group.name))</h3>" }
            let unit = group.rows.first?.unit ?? "users"
            out += "<div class=\"scroll\"><table><tr><th class=\"l\">step</th><th>\(HTMLText.escape(unit))</th><th>hold</th><th>samples</th><th>req/s</th><th>ok/s</th>"
            out += "<th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>error %</th>"
            out += "<th title=\"successful samples only\">ok p50 ms</th><th title=\"successful samples only\">ok p95 ms</th>"
            out += "<th>TTFA p95 ms</th><th>RTF p95</th><th>audio s/s</th></tr>\n"
            for row in group.rows {
                let l = row.stats.latency, s = row.stats
                let empty = s.count == 0
                func lat(_ p: Double) -> String { empty ? "-" : HTMLText.ms(l.percentile(p)) }
                out += row.isKnee ? "<tr class=\"knee\">" : "<tr>"
                out += "<td class=\"l\">\(row.index)\(row.isKnee ? "<span class=\"tag\">knee</span>" : "")</td>"
                out += "<td>\(HTMLText.level(row.level))</td><td>\(HTMLText.seconds(row.holdStart))–\(HTMLText.seconds(row.end))</td>"
                out += "<td>\(HTMLText.grouped(Int64(s.count)))</td><td>\(HTMLText.number(row.requestsPerSecond))</td>"
                out += "<td>\(HTMLText.number(row.successesPerSecond))</td><td>\(lat(50))</td><td>\(lat(90))</td><td>\(lat(95))</td><td>\(lat(99))</td>"
                out += "<td>\(empty ? "-" : HTMLText.ms(l.max))</td><td>\(empty ? "-" : HTMLText.percent(s.errorRate))</td>"
                let ok = s.extra?.okLatency
                for p in [50.0, 95] { out += "<td>\(ok.map { $0.count > 0 ? HTMLText.ms($0.percentile(p)) : "-" } ?? "-")</td>" }
                out += "<td>\(s.ttfa.count > 0 ? HTMLText.ms(s.ttfa.percentile(95)) : "-")</td>"
                out += "<td>\(s.rtf(95).map(HTMLText.number) ?? "-")</td>"
                out += "<td>\(row.audioSecondsPerSecond.map(HTMLText.number) ?? "-")</td></tr>\n"
            }
            out += "</table></div>\n<p>"
            if let k = group.knee {
                let before = group.rows[k - 1], at = group.rows[k]
                out += "<b>Knee at step \(at.index)</b> (\(HTMLText.level(at.level)) \(HTMLText.escape(at.unit))): "
                out += "ok/s \(HTMLText.number(at.successesPerSecond)) after \(HTMLText.number(before.successesPerSecond)) "
                out += "(under \(HTMLText.number(rule.throughputGain))x) while p95 went from \(HTMLText.ms(before.stats.latency.percentile(95))) "
                out += "to \(HTMLText.ms(at.stats.latency.percentile(95))) ms (at least \(HTMLText.number(rule.latencyGrowth))x)."
            } else {
                out += "<b>No knee</b>: no step had ok/s (successful samples per second) under \(HTMLText.number(rule.throughputGain))x the previous step's "
                out += "while its p95 rose at least \(HTMLText.number(rule.latencyGrowth))x."
            }
            out += "</p>\n"
        }
    }

    // MARK: labels

    mutating func labelSection() {
        out += "<h2 id=\"labels\">Statistics per label</h2>\n"
        out += "<div class=\"scroll\"><table><tr><th class=\"l\">label</th><th>samples</th><th>fail</th><th>error %</th><th>avg ms</th><th>min ms</th>"
        out += "<th>max ms</th><th>median ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>tx/s</th>"
        out += "<th>received KB/s</th><th>sent KB/s</th><th>TTFA p95 ms</th><th>RTF p95</th><th>audio s/s</th><th>APDEX</th></tr>\n"
        var total = LabelRow(label: "TOTAL")
        total.apdex = model.apdex
        total.stats = model.total
        total.bytesSent = model.bytesSent
        total.seconds = model.duration
        for row in model.labels { labelRow(row, cls: nil) }
        labelRow(total, cls: "total")
        let rule = model.input.apdex
        out += "</table></div>\n<p class=\"muted\">APDEX = (satisfied + tolerating / 2) / samples: satisfied up to "
        out += "\(HTMLText.ms(rule.satisfied)) ms, tolerating up to \(HTMLText.ms(rule.tolerated)) ms, slower or failed samples frustrate.</p>\n"
    }

    mutating func labelRow(_ row: LabelRow, cls: String?) {
        let s = row.stats, l = s.latency
        out += cls.map { "<tr class=\"\($0)\">" } ?? "<tr>"
        out += "<td class=\"l\">\(row.label.isEmpty ? "<i>(empty)</i>" : HTMLText.escape(row.label))</td>"
        out += "<td>\(HTMLText.grouped(Int64(s.count)))</td><td>\(HTMLText.grouped(Int64(s.errors)))</td>"
        out += "<td>\(HTMLText.percent(s.errorRate))</td><td>\(HTMLText.number(l.mean / 1_000))</td>"
        out += "<td>\(HTMLText.ms(l.min))</td><td>\(HTMLText.ms(l.max))</td>"
        for p in [50.0, 90, 95, 99] { out += "<td>\(HTMLText.ms(l.percentile(p)))</td>" }
        out += "<td>\(HTMLText.number(row.transactionsPerSecond))</td><td>\(HTMLText.number(row.receivedKBPerSecond))</td>"
        out += "<td>\(HTMLText.number(row.sentKBPerSecond))</td>"
        out += "<td>\(s.ttfa.count > 0 ? HTMLText.ms(s.ttfa.percentile(95)) : "-")</td>"
        out += "<td>\(s.rtf(95).map(HTMLText.number) ?? "-")</td><td>\(row.audioSecondsPerSecond.map(HTMLText.number) ?? "-")</td>"
        out += "<td>\(row.apdex.score.map { String(format: "%.3f", $0) } ?? "-")</td></tr>\n"
    }

    // MARK: charts

    mutating func chartSection() {
        out += "<h2 id=\"charts\">Over time</h2>\n"
        let points = model.timeline.points
        guard model.total.count > 0 else {
            out += "<p class=\"muted\">No samples.</p>\n"
            return
        }
        let bands = chartBands()
        func chart(_ title: String, _ unit: String, _ series: [SVGChart.Series]) {
            out += SVGChart(title: title, unit: unit, series: series, bands: bands, xMax: model.duration).render() + "\n"
        }
        var users = [SVGChart.Series(name: "active (allThreads)", color: "#1f77b4", points: points.map { ($0.t, Double($0.activeUsers)) })]
        if points.contains(where: { $0.plannedUsers != nil }) {
            users.append(SVGChart.Series(name: "planned", color: "#7f7f7f", points: points.map { ($0.t, $0.plannedUsers.map(Double.init)) },
                                         dashed: true))
        }
        chart("Active users", "users", users)
        var rate = [SVGChart.Series(name: "achieved", color: "#2ca02c", points: points.map { ($0.t, $0.requestsPerSecond) }),
                    SVGChart.Series(name: "errors", color: "#d62728", points: points.map { ($0.t, $0.errorsPerSecond) })]
        if points.contains(where: { $0.plannedRate != nil }) {
            rate.append(SVGChart.Series(name: "planned arrivals", color: "#7f7f7f", points: points.map { ($0.t, $0.plannedRate) }, dashed: true))
        }
        chart("Requests per second (by end time)", "req/s", rate)
        func ms(_ v: Int64?) -> Double? { v.map { Double($0) / 1_000 } }
        chart("Response time, all samples (by start time)", "ms", [
            SVGChart.Series(name: "p50", color: "#2ca02c", points: points.map { ($0.t, ms($0.p50)) }),
            SVGChart.Series(name: "p95", color: "#ff7f0e", points: points.map { ($0.t, ms($0.p95)) }),
            SVGChart.Series(name: "p99", color: "#d62728", points: points.map { ($0.t, ms($0.p99)) }),
        ])
        chart("Error rate", "% of samples", [
            SVGChart.Series(name: "errors", color: "#d62728", points: points.map { ($0.t, $0.errorRate * 100) }),
        ])
        if points.contains(where: { $0.ttfaP95 != nil }) {
            chart("Time to first audio", "ms", [
                SVGChart.Series(name: "TTFA p95", color: "#9467bd", points: points.map { ($0.t, ms($0.ttfaP95)) }),
            ])
        }
        if points.contains(where: { $0.rtfP95 != nil }) {
            chart("Real-time factor (elapsed / audio length)", "RTF", [
                SVGChart.Series(name: "RTF p95", color: "#8c564b", points: points.map { ($0.t, $0.rtfP95) }),
            ])
        }
        usersChart()
        let d = model.distribution
        out += SVGBarChart(title: "Response time distribution (all samples)", xUnit: "ms", yUnit: "samples",
                           edges: d.edges.map { Double($0) / 1_000 }, counts: d.counts).render() + "\n"
    }

    /// Response time percentiles against the step level: where the curve bends is the knee.
    mutating func usersChart() {
        guard let group = model.steps.groups.first(where: { $0.rows.count > 1 }) else { return }
        let rows = group.rows.filter { $0.stats.count > 0 }
        guard rows.count > 1 else { return }
        func p(_ q: Double) -> [(Double, Double?)] { rows.map { ($0.level, Double($0.stats.latency.percentile(q)) / 1_000) } }
        let unit = group.rows.first?.unit ?? "users"
        var chart = SVGChart(title: "Response time vs \(unit) (step holds)", unit: "ms", series: [
            SVGChart.Series(name: "p50", color: "#2ca02c", points: p(50)),
            SVGChart.Series(name: "p95", color: "#ff7f0e", points: p(95)),
            SVGChart.Series(name: "p99", color: "#d62728", points: p(99)),
        ], bands: [], xMax: rows.map(\.level).max() ?? 1)
        chart.xTitle = unit
        chart.xIsTime = false
        out += chart.render() + "\n"
    }

    /// Step holds to shade: those of the first group that has steps (the knee one in red).
    func chartBands() -> [SVGChart.Band] {
        guard let group = model.steps.groups.first(where: { !$0.rows.isEmpty }) else { return [] }
        return group.rows.map { SVGChart.Band(start: $0.holdStart, end: $0.end, label: "step \($0.index)", highlighted: $0.isKnee) }
    }

    /// A distributed run's agents: their share, clock offset, what they streamed and what was collected.
    mutating func agentSection() {
        guard let run = model.input.distributed, !run.agents.isEmpty else { return }
        out += "<h2 id=\"agents\">Agents</h2>\n"
        out += "<p>\(run.agents.count) agents, \(run.threadsPerAgent) engine thread(s) each, started together at "
        out += "\(HTMLText.escape(run.startAt)) on the controller's clock; samples carry that clock.</p>\n"
        out += "<table><thead><tr><th class=\"l\">agent</th><th class=\"l\">address</th><th class=\"l\">status</th><th class=\"l\">share</th>"
        out += "<th>clock offset ms</th><th>streamed</th><th>collected</th><th class=\"l\">note</th></tr></thead><tbody>\n"
        for a in run.agents {
            let offset = String(format: "%+.1f (±%.1f)", a.clockOffsetMs, a.roundTripMs / 2)
            out += "<tr><td class=\"l\">\(HTMLText.escape(a.name))</td><td class=\"l\">\(HTMLText.escape(a.url))</td>"
            out += "<td class=\"l\">\(HTMLText.escape(a.status))</td><td class=\"l\">\(HTMLText.escape(a.share))</td><td>\(offset)</td>"
            out += "<td>\(a.samplesStreamed)</td><td>\(a.rowsCollected.map(String.init) ?? "-")</td>"
            out += "<td class=\"l\">\(HTMLText.escape(a.lostAt.map { "lost, last answer \($0)" } ?? a.problem ?? ""))</td></tr>\n"
        }
        out += "</tbody></table>\n"
    }

    // MARK: errors

    mutating func errorSection() {
        out += "<h2 id=\"errors\">Errors</h2>\n"
        guard model.total.errors > 0 else {
            out += "<p class=\"muted\">No failed samples.</p>\n"
            return
        }
        out += "<div class=\"scroll\"><table><tr><th class=\"l\">class</th><th>samples</th><th>% of errors</th><th>% of all samples</th></tr>\n"
        for (errorClass, count) in model.errors.byClass {
            out += "<tr><td class=\"l\">\(HTMLText.escape(errorClass.rawValue))</td><td>\(HTMLText.grouped(Int64(count)))</td>"
            out += "<td>\(HTMLText.percent(Double(count) / Double(model.total.errors)))</td>"
            out += "<td>\(HTMLText.percent(Double(count) / Double(max(1, model.total.count))))</td></tr>\n"
        }
        out += "</table></div>\n<h3>Top 5 errors per label</h3>\n"
        out += "<div class=\"scroll\"><table><tr><th class=\"l\">label</th><th class=\"l\">code</th><th class=\"l\">message</th><th>samples</th><th>% of label's errors</th></tr>\n"
        for (label, entries, total) in model.errors.topByLabel {
            for e in entries {
                out += "<tr><td class=\"l\">\(HTMLText.escape(label))</td><td class=\"l\">\(HTMLText.escape(e.code))</td>"
                let others = e.variants > 1 ? " <span class=\"muted\">(and \(e.variants - 1) like it, differing in numbers)</span>" : ""
                out += "<td class=\"l\">\(HTMLText.escape(e.message))\(others)</td><td>\(HTMLText.grouped(Int64(e.count)))</td>"
                out += "<td>\(HTMLText.percent(Double(e.count) / Double(max(1, total))))</td></tr>\n"
            }
        }
        out += "</table></div>\n"
    }
}
