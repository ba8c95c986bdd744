import Foundation
import Results

extension DashboardPage {
    /// A capacity search's answer, every level it measured and throughput, goodput and p95
    /// against users with the SLO's bound drawn in.
    mutating func capacitySection() {
        guard let c = model.input.capacity else { return }
        let answered = c.answer.kind == .found || c.answer.kind == .atLeast
        out += "<h2 id=\"capacity\">Capacity</h2>\n"
        out += "<h3><span class=\"\(answered ? "pass" : "fail")\">\(HTMLText.escape(c.answer.text))</span></h3>\n"
        out += "<p>SLO: " + c.slo.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
        out += " · thread group <code>\(HTMLText.escape(c.group))</code> · \(c.levels.count) level(s) in \(HTMLText.seconds(c.seconds))"
        let unit = c.settings.open == true ? "offered req/s" : "users"
        if let knee = c.knee { out += " · knee of throughput at \(knee) \(unit)" }
        let s = c.settings
        out += "</p>\n<p class=\"muted\">Each level: \(HTMLText.number(s.warmupSeconds)) s warm-up, then windows of "
        out += "\(HTMLText.number(s.windowSeconds)) s (at least \(s.minSamples) samples); judged once the last \(s.agreeWindows) "
        out += "agree within \(HTMLText.number(s.tolerance * 100)) % on throughput and p95 (at most \(s.maxWindows) windows). "
        out += "Goodput: requests per second that succeeded and kept every per-request bound of the SLO.</p>\n"
        out += "<table><thead><tr><th>#</th><th>\(unit)</th><th class=\"l\">verdict</th><th>req/s</th><th>goodput/s</th><th>p50 ms</th>"
        out += "<th>p95 ms</th><th>p99 ms</th><th>TTFA p95 ms</th><th>RTF p95</th><th>errors</th><th>windows</th><th class=\"l\">why</th></tr></thead><tbody>\n"
        func ms(_ v: Double?) -> String { v.map { HTMLText.number($0 * 1_000) } ?? "-" }
        for (i, level) in c.levels.enumerated() {
            let cls = level.verdict == .good ? "pass" : level.verdict == .bad ? "fail" : "muted"
            out += "<tr><td>\(i + 1)</td><td>\(level.users)\(level.confirmation ? " (again)" : "")</td>"
            out += "<td class=\"l\"><span class=\"\(cls)\">\(level.verdict.rawValue)</span></td>"
            out += "<td>\(HTMLText.number(level.requestsPerSecond))</td><td>\(HTMLText.number(level.goodputPerSecond))</td>"
            out += "<td>\(ms(level.p50))</td><td>\(ms(level.p95))</td><td>\(ms(level.p99))</td><td>\(ms(level.ttfaP95))</td>"
            out += "<td>\(level.rtfP95.map(HTMLText.number) ?? "-")</td><td>\(HTMLText.percent(level.errorRate))</td>"
            out += "<td>\(level.judgedWindows)/\(level.windows.count)</td><td class=\"l\">\(HTMLText.escape(level.reason))</td></tr>\n"
        }
        out += "</tbody></table>\n"
        capacityCharts(c)
    }

    private mutating func capacityCharts(_ c: CapacityReport) {
        // Each user count's latest measurement, in ascending users.
        var latest: [Int: CapacityLevel] = [:]
        for level in c.levels where level.samples > 0 { latest[level.users] = level }
        let levels = latest.values.sorted { $0.users < $1.users }
        guard levels.count > 1 else { return }
        let xMax = Double(levels.last!.users)
        let unit = c.settings.open == true ? "offered req/s" : "users"
        var throughput = SVGChart(title: "Throughput and goodput vs \(unit)", unit: "req/s", series: [
            SVGChart.Series(name: "req/s", color: "#1f77b4", points: levels.map { (Double($0.users), $0.requestsPerSecond) }),
            SVGChart.Series(name: "goodput/s", color: "#2ca02c", points: levels.map { (Double($0.users), $0.goodputPerSecond) }),
        ], bands: [], xMax: xMax)
        throughput.xTitle = unit
        throughput.xIsTime = false
        out += throughput.render() + "\n"
        var series = [SVGChart.Series(name: "p95", color: "#ff7f0e", points: levels.map { (Double($0.users), $0.p95.map { $0 * 1_000 }) })]
        // The SLO's p95 bound (or whichever response-time percentile it names) as a dashed line.
        if let bound = Self.latencyBound(c.slo) {
            series.append(SVGChart.Series(name: bound.name, color: "#d62728", points: [(Double(levels.first!.users), bound.ms), (xMax, bound.ms)],
                                          dashed: true))
        }
        var latency = SVGChart(title: "p95 response time vs \(unit)", unit: "ms", series: series, bands: [], xMax: xMax)
        latency.xTitle = unit
        latency.xIsTime = false
        out += latency.render() + "\n"
    }

    /// `p95 < 2s` as ("SLO p95 < 2s", 2000): the first response-time percentile term of the SLO.
    static func latencyBound(_ slo: [String]) -> (name: String, ms: Double)? {
        for term in slo {
            let parts = term.split(whereSeparator: { $0 == "<" || $0 == "=" }).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].range(of: "^p[0-9.]+$", options: .regularExpression) != nil else { continue }
            let value = parts[1]
            if value.hasSuffix("ms"), let v = Double(value.dropLast(2)) { return ("SLO " + term, v) }
            if value.hasSuffix("s"), let v = Double(value.dropLast(1)) { return ("SLO " + term, v * 1_000) }
        }
        return nil
    }
}
