import Foundation
import Plan
import Results

/// The monitors' part of the end-of-run text: the load generator's saturation, each series' mean
/// and max per step hold, leaks, and what could not be sampled.
public enum MonitorText {
    /// Rows shown in the terminal; the rest are in summary.json and the dashboard.
    static let maxRows = 16

    /// - Parameter keep: series to show first (those the thresholds name).
    public static func text(_ summary: MonitorSummary, series: [MonitorSeries], steps: [ScheduleStep], keep: [String]) -> String {
        var out = ""
        if summary.agents.isEmpty {
            out += summary.generator.text + "\n"
        } else {
            for (agent, figures) in summary.agents.sorted(by: { $0.key < $1.key }) { out += "agent \(agent): \(figures.text)\n" }
        }
        // Scraped series as exposed, then the host, GPUs and the generator; series that held
        // one value all run long (a cache that is off, a gauge of workers) say nothing here.
        let rank = MonitorFormat.rank
        let names = series.map(\.name).filter { summary.series[$0] != nil }
        let ranked = names.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        let varying = ranked.filter { !keep.contains($0) && summary.series[$0].map { $0.min != $0.max } == true }
        let constant = ranked.count - varying.count - keep.filter(names.contains).count
        let ordered = keep.filter(names.contains) + varying
        if !ordered.isEmpty {
            let shown = ordered.prefix(maxRows)
            let header = ["series (mean / max)"] + steps.map { "step \($0.index)" } + ["run"]
            let rows = shown.map { name -> [String] in
                let perStep = summary.steps[name] ?? [:]
                return [name] + steps.map { pair(perStep["step \($0.index)"], name) } + [pair(summary.series[name], name)]
            }
            out += ScheduleText.table(header: header, rows: rows)
            var more: [String] = []
            if ordered.count > shown.count { more.append("\(ordered.count - shown.count) more") }
            if constant > 0 { more.append("\(constant) that held one value") }
            if !more.isEmpty { out += "  (" + more.joined(separator: " and ") + " in summary.json and the dashboard)\n" }
        }
        for leak in summary.leaks { out += leakLine(leak) + "\n" }
        for problem in summary.problems { out += "not sampled: \(problem)\n" }
        return out
    }

    /// `possible leak: NAME grows 410 MiB/h (95% 380 MiB/h to 440 MiB/h) over 12-60 s, +8.1% of its mean`.
    public static func leakLine(_ leak: MonitorLeak) -> String {
        let s = leak.slope
        return "possible leak: \(leak.series) grows \(value(s.perHour, leak.series))/h (95% \(value(s.lowPerHour, leak.series))/h"
            + " to \(value(s.highPerHour, leak.series))/h) over \(Int(s.fromSeconds))-\(Int(s.toSeconds)) s, "
            + String(format: "+%.1f%% of its mean", leak.growth * 100)
    }

    static func pair(_ f: MonitorFigures?, _ name: String) -> String {
        guard let f else { return "-" }
        return "\(value(f.mean, name)) / \(value(f.max, name))"
    }

    static func value(_ v: Double, _ name: String) -> String { MonitorFormat.value(v, series: name) }
}
