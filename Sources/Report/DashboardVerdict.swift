import Results

extension DashboardPage {
    /// The thresholds' verdict under the header: pass or fail of each threshold where it is judged,
    /// the steps x thresholds grid over each step's hold, the answer, and what stopped the run.
    mutating func verdictSection(_ v: ThresholdVerdict) {
        out += "<h3 id=\"thresholds\">Thresholds: <span class=\"\(v.passed ? "pass" : "fail")\">\(v.passed ? "passed" : "failed")</span></h3>\n"
        out += "<p>\(HTMLText.escape(v.answer))</p>\n"
        if let stop = v.stop { out += "<div class=\"note\">\(HTMLText.escape(stop.text))</div>\n" }
        out += "<div class=\"scroll\"><table><tr><th class=\"l\">#</th><th class=\"l\">threshold</th><th class=\"l\">judged on</th><th>value</th><th class=\"l\">verdict</th></tr>\n"
        for (i, j) in v.thresholds.enumerated() {
            out += "<tr><td class=\"l\">\(i + 1)</td><td class=\"l\"><code>\(HTMLText.escape(j.expression))</code>\(j.abort ? " <span class=\"muted\">(abort)</span>" : "")</td>"
            out += "<td class=\"l\">\(HTMLText.escape(j.judgedOn))</td><td>\(HTMLText.escape(j.shown))</td>"
            out += "<td class=\"l\"><span class=\"\(j.passed ? "pass" : "fail")\">\(j.passed ? "pass" : "FAIL")</span>"
            if let note = j.note { out += " <span class=\"muted\">\(HTMLText.escape(note))</span>" }
            out += "</td></tr>\n"
        }
        out += "</table></div>\n"
        guard v.steps.count > 1, !v.thresholds.isEmpty else { return }
        let groups = Set(v.steps.map(\.group)).count
        out += "<div class=\"scroll\"><table><tr><th class=\"l\">step (hold)</th>"
        for i in v.thresholds.indices { out += "<th title=\"\(HTMLText.escape(v.thresholds[i].expression))\">#\(i + 1)</th>" }
        out += "</tr>\n"
        for row in v.steps {
            out += "<tr><td class=\"l\">\(HTMLText.escape(groups > 1 ? "\(row.group): \(row.name)" : row.name))</td>"
            for cell in row.cells {
                guard row.ran else { out += "<td class=\"muted\">not run</td>"; continue }
                guard let cell else { out += "<td class=\"muted\">–</td>"; continue }
                out += "<td class=\"\(cell.passed ? "cpass" : "cfail")\">\(HTMLText.escape(cell.shown))</td>"
            }
            out += "</tr>\n"
        }
        out += "</table></div>\n"
    }
}
