import Foundation
import Results

/// `ttsload history`: one line per stored run of a plan, then trend sparklines.
public enum HistoryText {
    public struct Row: Sendable {
        public var run: ResultStore.StoredRun
        public var figures: ResultStore.RunFigures
        public var baselines: [String]

        public init(run: ResultStore.StoredRun, figures: ResultStore.RunFigures, baselines: [String]) {
            self.run = run
            self.figures = figures
            self.baselines = baselines
        }
    }

    public static func render(plan: String, rows: [Row]) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let table = rows.map { r -> [String] in
            let f = r.figures, l = f.latency
            let started = formatter.string(from: Date(timeIntervalSince1970: Double(r.run.startedMicros) / 1e6))
            return ["\(r.run.id)", started, r.run.status, "\(f.samples)", String(format: "%.1f", f.requestsPerSecond),
                    RunText.duration(l.percentile(50)), RunText.duration(l.percentile(95)), RunText.duration(l.percentile(99)),
                    RunText.percent(f.errorRate), r.baselines.joined(separator: ",")]
        }
        var out = "runs of \(plan) (oldest first, times UTC):\n"
        out += ScheduleText.table(header: ["run", "started", "status", "samples", "req/s", "p50", "p95", "p99", "errors", "baseline"],
                                  rows: table)
        out += "\ntrend, oldest to newest (each bar one run, scaled from the lowest to the highest):\n"
        out += "  req/s   " + sparkline(rows.map(\.figures.requestsPerSecond)) + "\n"
        out += "  p95     " + sparkline(rows.map { Double($0.figures.latency.percentile(95)) }) + "\n"
        out += "  errors  " + sparkline(rows.map(\.figures.errorRate)) + "\n"
        return out
    }

    /// One block per value from ▁ (the lowest) to █ (the highest); all equal values give ▄.
    public static func sparkline(_ values: [Double]) -> String {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        guard let lo = values.min(), let hi = values.max() else { return "" }
        guard hi > lo else { return String(repeating: "▄", count: values.count) }
        return String(values.map { blocks[min(7, Int(($0 - lo) / (hi - lo) * 7 + 0.5))] })
    }
}
