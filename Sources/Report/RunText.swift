import Foundation
import Plan
import Results

/// Terminal text for a run: the live line and the end-of-run tables.
public enum RunText {
    /// `812ms`, `2.41s`, `950us`.
    public static func duration(_ micros: Int64) -> String {
        if micros < 1_000 { return "\(micros)us" }
        if micros < 10_000_000 { return micros < 1_000_000 ? "\(micros / 1_000)ms" : String(format: "%.2fs", Double(micros) / 1e6) }
        return String(format: "%.1fs", Double(micros) / 1e6)
    }

    public static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

    /// One line per second: time, step, active users, req/s and percentiles of the last interval,
    /// audio seconds per second and TTFA p95, errors. Kept near 100 columns so it fits a terminal.
    public static func liveLine(elapsed: Double, total: Double, step: String, users: Int, interval: SampleStats,
                                seconds: Double, errorsTotal: Int, progressBar: Bool) -> String {
        let rate = seconds > 0 ? Double(interval.count) / seconds : 0
        var line = ""
        if progressBar {
            let width = 10, done = total > 0 ? min(width, Int(Double(width) * elapsed / total)) : 0
            line += "[" + String(repeating: "#", count: done) + String(repeating: ".", count: width - done) + "] "
        }
        line += String(format: "%4.0fs  ", elapsed)
        line += step.padding(toLength: 18, withPad: " ", startingAt: 0)
        line += String(format: " %5d act  %7.1f/s", users, rate)
        if interval.count > 0 {
            let l = interval.latency
            line += "  p50 \(duration(l.percentile(50))) p95 \(duration(l.percentile(95))) p99 \(duration(l.percentile(99)))"
        }
        if interval.audioSamples > 0, seconds > 0 {
            let audio = interval.audioSeconds / seconds
            line += audio >= 100 ? String(format: "  audio %.0fs/s", audio) : String(format: "  audio %.1fs/s", audio)
            if interval.ttfa.count > 0 { line += " ttfa95 \(duration(interval.ttfa.percentile(95)))" }
        }
        line += "  err \(interval.errors)" + (errorsTotal > 0 ? "/\(errorsTotal)" : "")
        return line
    }

    /// Per-step table over each step's hold: users or rate, req/s, percentiles, error %, and the
    /// percentiles of successful samples alone (a flood of fast 503s drags p50 down).
    public static func stepTable(_ statistics: RunStatistics, groupNames: [Int: String]) -> String {
        var rows: [[String]] = []
        for s in statistics.steps {
            let l = s.stats.latency
            let a = s.stats
            let hold = s.step.end - s.step.holdStart
            rows.append([groupNames[s.group] ?? "\(s.group)", "\(s.step.index)", level(s.step.level), String(a.count),
                         String(format: "%.1f", s.throughput), duration(l.percentile(50)), duration(l.percentile(95)),
                         duration(l.percentile(99)), duration(l.max), percent(a.errorRate),
                         a.extra.map { $0.okLatency.count > 0 ? duration($0.okLatency.percentile(50)) : "-" } ?? "-",
                         a.extra.map { $0.okLatency.count > 0 ? duration($0.okLatency.percentile(95)) : "-" } ?? "-",
                         a.ttfa.count > 0 ? duration(a.ttfa.percentile(95)) : "-",
                         a.rtf(95).map { String(format: "%.3f", $0) } ?? "-",
                         a.audioSamples > 0 ? percent(a.underrunRate) : "-",
                         a.audioSamples > 0 && hold > 0 ? String(format: "%.1f", a.audioSeconds / hold) : "-"])
        }
        return ScheduleText.table(header: ["group", "step", "level", "samples", "req/s", "p50", "p95", "p99", "max", "errors",
                                           "ok p50", "ok p95", "ttfa p95", "rtf p95", "underrun", "audio s/s"], rows: rows)
    }

    /// Totals per label.
    public static func labelTable(_ statistics: RunStatistics) -> String {
        let rows = statistics.byLabel.sorted { $0.key < $1.key }.map { label, s -> [String] in
            [label.isEmpty ? "(empty)" : label, String(s.count), duration(s.latency.percentile(50)), duration(s.latency.percentile(95)),
             duration(s.latency.percentile(99)), percent(s.errorRate)]
        }
        return ScheduleText.table(header: ["label", "samples", "p50", "p95", "p99", "errors"], rows: rows)
    }

    static func level(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
