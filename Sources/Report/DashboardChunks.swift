import Plan
import Results

/// The dashboard's chunk-level section (docs/report.md): the distribution of every gap between
/// chunks, time to the nth chunk and time until the first seconds of audio had arrived, per step
/// and per label. Only when some sample was streamed in more than one chunk or had enough audio.
extension DashboardPage {
    mutating func chunkSection() {
        let t = model.total
        guard t.chunkGap.count > 0 || t.audioReady.count > 0 || t.nthChunk.count > 0 else { return }
        let n = model.input.measures.map { String($0.nthChunk) } ?? "n"
        let ready = model.input.measures.map { HTMLText.number($0.readySeconds) + " s" } ?? "the first seconds"
        out += "<h2 id=\"chunks\">Chunks</h2>\n"
        out += "<p class=\"muted\">Gaps: every interval between two chunks of every streamed sample (deliveries under 2 ms "
        out += "apart are one chunk), not each sample's largest. Chunk \(n): time from the request's start to the start of "
        out += "chunk \(n) (the plan's measures.nth_chunk). Ready: time until \(HTMLText.escape(ready)) of audio had arrived "
        out += "(when a player buffering that much could start). Samples with fewer chunks or less audio have none.</p>\n"
        let head = "<th>gaps</th><th>gap p50 ms</th><th>gap p95 ms</th><th>gap p99 ms</th><th>chunk \(n) p50 ms</th>"
            + "<th>chunk \(n) p95 ms</th><th>ready p50 ms</th><th>ready p95 ms</th><th>ready p99 ms</th></tr>\n"
        if model.steps.missingReason == nil {
            for group in model.steps.groups {
                out += "<h3>Per step (hold only)\(model.steps.groups.count > 1 ? ": " + HTMLText.escape(group.name) : "")</h3>"
                out += "<div class=\"scroll\"><table><tr><th class=\"l\">step</th><th>\(HTMLText.escape(group.rows.first?.unit ?? "users"))</th>" + head
                for row in group.rows {
                    out += "<tr><td class=\"l\">\(row.index)</td><td>\(HTMLText.level(row.level))</td>" + cells(row.stats) + "</tr>\n"
                }
                out += "</table></div>\n"
            }
        }
        out += "<h3>Per label</h3><div class=\"scroll\"><table><tr><th class=\"l\">label</th>" + head
        for row in model.labels {
            out += "<tr><td class=\"l\">\(row.label.isEmpty ? "<i>(empty)</i>" : HTMLText.escape(row.label))</td>" + cells(row.stats) + "</tr>\n"
        }
        out += "<tr class=\"total\"><td class=\"l\">TOTAL</td>" + cells(t) + "</tr>\n</table></div>\n"
    }

    /// The row's figures: gap count, gap p50/p95/p99, chunk n p50/p95, ready p50/p95/p99.
    func cells(_ s: SampleStats) -> String {
        func p(_ h: LatencyHistogram, _ q: Double) -> String { h.count > 0 ? HTMLText.ms(h.percentile(q)) : "-" }
        var row = "<td>\(HTMLText.grouped(Int64(s.chunkGap.count)))</td>"
        for q in [50.0, 95, 99] { row += "<td>\(p(s.chunkGap, q))</td>" }
        for q in [50.0, 95] { row += "<td>\(p(s.nthChunk, q))</td>" }
        for q in [50.0, 95, 99] { row += "<td>\(p(s.audioReady, q))</td>" }
        return row
    }
}
