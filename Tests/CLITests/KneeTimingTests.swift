import Foundation
import Testing
import TestSupport
@testable import Results

/// The knee found on a real run whose capacity is set by the embedded server's simulated
/// accelerator: one batch of one request at a time, `base` each, so the service cannot deliver
/// more than 1 / base requests per second, whatever the load (docs/server.md). Timing-dependent,
/// so in a `TimingTests` suite (`make test` runs those alone, serialized).
@Suite(.serialized) struct KneeTimingTests {
    /// 100 ms per request on the one simulated accelerator: capacity 10 req/s. (50 ms made the
    /// capacity itself move with the machine's load: a few ms of scheduling delay per request was
    /// 10%, and a CI run under load 6 saw 18.0 then 19.8 ok/s at two saturated steps: "no knee".)
    static let modelMillis = 100.0
    static var capacity: Double { 1_000 / modelMillis }

    @Test func kneeIsMarkedWhereTheModelLatencySaturatesTheServer() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-knee-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Closed model, 500 ms think time: a user asks about once per (500 ms + response time), so
        // with an idle response of ~110-140 ms the server saturates at U* = 10 x ~0.62 s, about 6
        // users. Steps 1 and 2 are well under it, 20 far over (throughput at capacity), 40 adds only
        // waiting: req/s stays at capacity while p95 grows about (40/10 - 0.5) / (20/10 - 0.5) = 2.3x.
        // The knee rule (ok/s under 1.1x the previous step's, p95 at least 1.5x) must mark step 4
        // and nothing before it.
        let plan = """
            name: knee
            target:
              url: embedded
              api: indextts
              server_args: ["--model-latency", "base=\(Int(Self.modelMillis))ms", "--max-batch", "1", "--workers", "2",
                            "--cache-mb", "0", "--queue", "256"]
            defaults:
              timeout: 20s
              think_time: 500ms
              checks: { status: 200 }
            thread_groups:
              - name: knee
                request: { text: "A short sentence to speak.", emotion: neutral }
                load: { steps: [1, 2, 20, 40], ramp_up: 1s, hold: 5s }
            """
        let planPath = try temporaryFile(plan, name: "knee.yaml")
        let started = Date()
        let result = try runTTSLoad(["run", planPath, "--out", out, "--store", out + "/store.sqlite", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        // The step table's figures, read back from the page's rows (req/s and ok/s columns).
        let rows = Self.stepRows(html)
        #expect(rows.count == 4, "\(rows)")
        guard rows.count == 4 else { return }
        // The knob works: nothing beyond capacity (5% for timing noise), and the saturated steps are at it.
        for row in rows { #expect(row.okPerSecond <= Self.capacity * 1.05, "\(row)") }
        #expect(rows[2].okPerSecond >= Self.capacity * 0.75 && rows[3].okPerSecond >= Self.capacity * 0.75, "\(rows)")
        // Below the knee, throughput follows the users.
        #expect(rows[1].okPerSecond >= 1.6 * rows[0].okPerSecond, "\(rows)")
        #expect(html.contains("<b>Knee at step 4</b>"), "\(rows)")
        #expect(rows.map(\.isKnee) == [false, false, false, true])
    }

    struct Row: CustomStringConvertible {
        var okPerSecond: Double
        var p95: Double
        var isKnee: Bool
        var description: String { "ok/s \(okPerSecond) p95 \(p95)\(isKnee ? " knee" : "")" }
    }

    /// The per-step table's rows: columns step, users, hold, samples, req/s, ok/s, p50, p90, p95, ...
    static func stepRows(_ html: String) -> [Row] {
        guard let start = html.range(of: "id=\"steps\""), let end = html.range(of: "id=\"labels\"") else { return [] }
        let section = html[start.upperBound..<end.lowerBound]
        var rows: [Row] = []
        for line in section.split(separator: "\n") where line.hasPrefix("<tr") && line.contains("<td") {
            let cells = line.components(separatedBy: "<td").dropFirst().map { cell -> String in
                let text = cell.drop { $0 != ">" }.dropFirst()
                // Numbers are grouped with a space ("1 913"): keep digits and the decimal point.
                return String(text.prefix { $0 != "<" }.filter { $0.isASCII && ($0.isNumber || $0 == ".") })
            }
            guard cells.count > 8, let ok = Double(cells[5]), let p95 = Double(cells[8]) else { continue }
            rows.append(Row(okPerSecond: ok, p95: p95, isKnee: line.hasPrefix("<tr class=\"knee\"")))
        }
        return rows
    }
}
