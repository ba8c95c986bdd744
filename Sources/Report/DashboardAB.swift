import Plan
import Results

/// The A/B section of an A/B run's dashboard (docs/ab.md): each step's hold of side a beside the
/// same step of side b, which ran at the same moments, with b's change; the verdicts and their
/// intervals are compare.html's, linked from here.
extension DashboardPage {
    /// The twins of the run's steps: per plan group, its `[a]` and `[b]` groups (nil when the run is not A/B).
    static func abPairs(_ groups: [GroupSteps]) -> [(name: String, a: GroupSteps, b: GroupSteps)] {
        groups.compactMap { g in
            guard let split = ABSide.split(g.name), split.side == .a,
                  let b = groups.first(where: { ABSide.split($0.name).map { $0.side == .b && $0.base == split.base } ?? false })
            else { return nil }
            return (split.base, g, b)
        }
    }

    mutating func abSection() {
        let pairs = Self.abPairs(model.steps.groups)
        guard !pairs.isEmpty else { return }
        out += "<h2 id=\"ab\">A/B: side b beside side a</h2>\n"
        out += "<p>Side b judged against side a, with 95% intervals and a verdict per metric: <a href=\"compare.html\">compare.html</a> "
        out += "(written at the end of the run; <code>ttsload compare RUNFOLDER</code> writes it again). Below, each step's hold "
        out += "on both sides, which had the same users at the same moments; b's change against a under each pair.</p>\n"
        func change(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b, a != 0 else { return "-" }
            let r = (b - a) / a * 100
            return (r >= 0 ? "+" : "") + HTMLText.number(r) + "%"
        }
        for (name, a, b) in pairs {
            if pairs.count > 1 { out += "<h3>\(HTMLText.escape(name))</h3>" }
            let unit = a.rows.first?.unit ?? "users"
            out += "<div class=\"scroll\"><table><tr><th class=\"l\">step</th><th>\(HTMLText.escape(unit))</th><th class=\"l\">side</th>"
            out += "<th>samples</th><th>req/s</th><th>ok/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>error %</th>"
            out += "<th>TTFA p95 ms</th><th>RTF p95</th><th>audio s/s</th></tr>\n"
            for ra in a.rows {
                guard let rb = b.rows.first(where: { $0.index == ra.index }) else { continue }
                func figures(_ r: StepRow) -> [Double?] {
                    let s = r.stats, empty = s.count == 0
                    func lat(_ p: Double) -> Double? { empty ? nil : Double(s.latency.percentile(p)) / 1_000 }
                    return [Double(s.count), r.requestsPerSecond, r.successesPerSecond, lat(50), lat(95), lat(99),
                            empty ? nil : s.errorRate * 100, s.ttfa.count > 0 ? Double(s.ttfa.percentile(95)) / 1_000 : nil,
                            s.rtf(95), r.audioSecondsPerSecond]
                }
                let fa = figures(ra), fb = figures(rb)
                for (side, f) in [("a", fa), ("b", fb)] {
                    out += "<tr>" + (side == "a" ? "<td class=\"l\" rowspan=\"3\">\(ra.index)</td><td rowspan=\"3\">\(HTMLText.level(ra.level))</td>" : "")
                    out += "<td class=\"l\">\(side)</td>"
                    for (i, v) in f.enumerated() {
                        out += "<td>\(v.map { i == 0 ? HTMLText.grouped(Int64($0)) : HTMLText.number($0) } ?? "-")</td>"
                    }
                    out += "</tr>\n"
                }
                // The error rate's change is in points (a rate near zero has no useful relative change).
                out += "<tr class=\"muted\"><td class=\"l\">b vs a</td>"
                for i in fa.indices {
                    if i == 6, let ea = fa[i], let eb = fb[i] {
                        out += "<td>\(eb - ea >= 0 ? "+" : "")\(HTMLText.number(eb - ea)) pt</td>"
                    } else {
                        out += "<td>\(change(fa[i], fb[i]))</td>"
                    }
                }
                out += "</tr>\n"
            }
            out += "</table></div>\n"
        }
    }
}
