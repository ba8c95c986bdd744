import Foundation
import Plan

/// The comparison as one self-contained HTML page (inline CSS and SVG, nothing fetched): the
/// verdict, every entry worst first, and per-step charts of both runs with the knee of each.
public enum ComparisonPage {
    public static func html(_ c: Comparison) -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>ttsload compare: \(HTMLText.escape(c.base.title)) vs \(HTMLText.escape(c.candidate.title))</title>"
        out += "<style>\(DashboardStyle.css)\(css)</style></head><body>\n"
        out += "<h1>Comparison: <span class=\"v \(c.overall)\">\(c.overall)</span></h1>\n"
        out += "<div class=\"sub\">\(HTMLText.escape(ComparisonText.summary(c)))</div>\n"
        out += "<div class=\"sides\">" + side("base", c.base, "#1f77b4") + side("candidate", c.candidate, "#ff7f0e") + "</div>\n"
        out += "<p class=\"muted\">Tolerances: " + CompareMetric.allCases.map { m in
            HTMLText.escape(m.title) + " " + (m.toleranceIsAbsolute ? HTMLText.number(c.tolerances[m]) + " points" : HTMLText.number(c.tolerances[m] * 100) + "%")
        }.joined(separator: ", ") + ". A change is a regression or an improvement only beyond its tolerance and when the "
        out += "\(Int(Resampling.confidence * 100))% confidence interval of the difference excludes 0 (docs/compare.md). \(HTMLText.escape(c.goodputRule.prefix(1).uppercased() + c.goodputRule.dropFirst())).</p>\n"
        for u in c.unmatched { out += "<div class=\"note\">Unmatched: \(HTMLText.escape(u))</div>\n" }
        for n in c.noisy { out += "<div class=\"note\">Noisy run: \(HTMLText.escape(n)): changes are marked inconclusive (noisy run).</div>\n" }
        out += "<h2>Per step</h2>\n" + charts(c)
        out += "<h2>Every metric, worst first</h2>\n<div class=\"scroll\"><table><tr><th class=\"l\">verdict</th><th class=\"l\">scope</th>"
        out += "<th class=\"l\">metric</th><th>base</th><th>candidate</th><th>delta</th><th>delta %</th><th>95% CI of delta</th><th title=\"effective sample size: independent values worth of evidence, base/candidate\">eff. n</th><th>samples</th></tr>\n"
        for item in c.ranked {
            let cells = ComparisonText.cells(item.scope, item.entry)
            out += "<tr class=\"\(cls(item.entry.verdict))\">"
            for (i, cell) in cells.enumerated() { out += i < 3 ? "<td class=\"l\">\(HTMLText.escape(cell))</td>" : "<td>\(HTMLText.escape(cell))</td>" }
            out += "<td>\(item.entry.baseCount) / \(item.entry.candidateCount)</td></tr>\n"
        }
        out += "</table></div>\n"
        if let from = c.thresholdsFrom, !c.thresholds.isEmpty {
            out += "<h2>Thresholds</h2>\n<p class=\"muted\">The \(from)'s plan, judged on both sides (not part of the comparison's verdict).</p>\n"
            out += "<div class=\"scroll\"><table><tr><th class=\"l\">threshold</th><th>base</th><th>candidate</th></tr>\n"
            for t in c.thresholds {
                out += "<tr><td class=\"l\"><code>\(HTMLText.escape(t.expression))</code></td>"
                for j in [t.base, t.candidate] {
                    out += "<td class=\"\(j.passed ? "cpass" : "cfail")\">\(HTMLText.escape(j.shown)) \(j.passed ? "pass" : "FAIL")</td>"
                }
                out += "</tr>\n"
            }
            out += "</table></div>\n"
        }
        out += "<footer>Written by ttsload compare. Percentiles are exact nearest-rank values of every sample in scope; "
        out += "intervals are seeded, so the page is the same every time for the same runs.</footer>\n</body></html>\n"
        return out
    }

    /// Writes the page to `path` (creating its folder).
    public static func write(_ c: Comparison, to path: String) throws {
        let directory = parentDirectory(of: path)
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try Data(html(c).utf8).write(to: URL(fileURLWithPath: path))
    }

    static let css = """
        .v{padding:0 8px;border-radius:4px;color:#fff}.v.regression{background:#c62828}.v.improvement{background:#2e7d32}
        .v.unchanged{background:#5a6473}
        .sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}.side{background:#f4f6fa;border-radius:6px;padding:8px 12px;border-left:5px solid}
        .pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}
        tr.regression td{background:#fde8e8}tr.improvement td{background:#e6f4e7}tr.inconclusive td{background:#fff8e1}
        tr.unchanged td,tr.missing td{color:#5a6473}
        """

    static func cls(_ v: Verdict) -> String {
        switch v {
        case .regression: return "regression"
        case .improvement: return "improvement"
        case .notSignificant, .tooFewSamples, .noisyRun: return "inconclusive"
        case .unchanged: return "unchanged"
        case .missing: return "missing"
        }
    }

    static func side(_ role: String, _ s: Comparison.Side, _ color: String) -> String {
        var out = "<div class=\"side\" style=\"border-color:\(color)\"><b>\(role)</b>: \(HTMLText.escape(s.name))<br>"
        out += "<span class=\"muted\">\(HTMLText.escape(s.title)) · \(HTMLText.escape(s.source)) · \(HTMLText.grouped(Int64(s.samples))) samples · "
        out += "\(HTMLText.seconds(s.duration))\(s.stepsInferred ? " · steps inferred from allThreads" : "")</span><br>"
        out += "knee: \(HTMLText.escape(ComparisonText.knee(s)))"
        for note in s.notes { out += "<br><span class=\"muted\">note: \(HTMLText.escape(note))</span>" }
        return out + "</div>"
    }

    /// For each group present on both sides: req/s, percentiles, error % and TTFA against the step
    /// level, base and candidate on the same axes, each run's knee shaded.
    static func charts(_ c: Comparison) -> String {
        var out = ""
        let pairs: [(GroupSteps, GroupSteps)] = c.base.groups.compactMap { g in
            if let other = c.candidate.groups.first(where: { $0.name == g.name }) { return (g, other) }
            return c.base.groups.count == 1 && c.candidate.groups.count == 1 ? (g, c.candidate.groups[0]) : nil
        }
        guard !pairs.isEmpty else { return "<p class=\"muted\">No steps on both sides to chart.</p>\n" }
        for (b, k) in pairs {
            if pairs.count > 1 { out += "<h3>\(HTMLText.escape(b.name))</h3>\n" }
            let unit = b.rows.first?.unit ?? "users"
            let xMax = (b.rows + k.rows).map(\.level).max() ?? 1
            func band(_ g: GroupSteps, _ who: String) -> [SVGChart.Band] {
                guard let i = g.knee else { return [] }
                let level = g.rows[i].level
                return [SVGChart.Band(start: level - xMax * 0.01, end: level + xMax * 0.01, label: "\(who) knee", highlighted: true)]
            }
            let bands = band(b, "base") + band(k, "candidate")
            func chart(_ title: String, _ yUnit: String, _ value: (StepRow) -> Double?) -> String {
                func points(_ g: GroupSteps) -> [(Double, Double?)] { g.rows.map { ($0.level, $0.stats.count > 0 ? value($0) : nil) } }
                var chart = SVGChart(title: title, unit: yUnit, series: [
                    SVGChart.Series(name: "base", color: "#1f77b4", points: points(b)),
                    SVGChart.Series(name: "candidate", color: "#ff7f0e", points: points(k)),
                ], bands: bands, xMax: xMax)
                chart.xTitle = unit
                chart.xIsTime = false
                chart.width = 640
                return chart.render()
            }
            func ms(_ micros: Int64) -> Double { Double(micros) / 1_000 }
            var svgs = [
                chart("Achieved req/s", "req/s") { $0.requestsPerSecond },
                chart("Response time p95", "ms") { ms($0.stats.latency.percentile(95)) },
                chart("Response time p50", "ms") { ms($0.stats.latency.percentile(50)) },
                chart("Response time p99", "ms") { ms($0.stats.latency.percentile(99)) },
                chart("Error rate", "%") { $0.stats.errorRate * 100 },
            ]
            if (b.rows + k.rows).contains(where: { $0.stats.ttfa.count > 0 }) {
                svgs.append(chart("Time to first audio p95", "ms") { $0.stats.ttfa.count > 0 ? ms($0.stats.ttfa.percentile(95)) : nil })
            }
            out += "<div class=\"pair\">" + svgs.map { "<div>\($0)</div>" }.joined() + "</div>\n"
        }
        return out
    }
}
