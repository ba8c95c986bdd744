import Foundation
import Testing
import TestSupport
@testable import Results

/// The chunk-level figures through `ttsload run` and back through `ttsload import`, against the
/// WAV stream whose schedule is known (Tests/Fixtures/audio/stream_server.py: the header with the
/// response head, 100 ms of PCM at 120, 170, 220, 270, 870, 900 ms): the JTL columns, summary.json,
/// the terminal's table, the dashboard and the store all within 5 ms of it as the server ran it
/// (the fixture logs each send: on a loaded machine it wakes late, and the schedule moves with it;
/// see ChunkFiguresTimingTests). Named *TimingTests: `make test` runs it in the serialized pass.
@Suite(.serialized) struct ChunkColumnsTimingTests {
    static let nominal = ChunkSchedule(sends: [0, 120, 170, 220, 270, 870, 900])

    @Test func runJTLSummaryDashboardAndImport() throws {
        let server = try ListeningProcess(fixture: "audio/stream_server.py", arguments: ["--log-sends"])
        defer { withExtendedLifetime(server) {} }
        let plan = try temporaryFile("""
            name: chunk-columns
            target: { url: "http://127.0.0.1:\(server.address)", api: raw }
            measures: { ready_seconds: 0.3, nth_chunk: 5 }
            thread_groups:
              - { name: g, request: { method: GET, path: /stream }, load: { users: 1, duration: 3s }, checks: { audio: { min_seconds: 0.1 } } }
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-chunks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // How late a thread at this nice level woke meanwhile: `ttsload run` (niced like this test)
        // reads that late at worst, and the window widens by it (ChunkFiguresTimingTests).
        let wake = WakeLateness()
        let run = try runTTSLoad(["run", plan, "--out", out])
        let lateness = wake.stop()
        let tolerance = 5.5 + lateness
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("chunks per step") && run.stdout.contains("chunk 5 p95") && run.stdout.contains("ready 0.30s p95"),
                "\(run.stdout)")

        // The JTL: three new sample-variable columns after the six TTS ones.
        let lines = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        #expect(Array(header.suffix(9)) == JTLFormat.audioVariables)
        let at = { (name: String) in header.firstIndex(of: name)! }
        let rows = lines.dropFirst()
        try #require(rows.count >= 2, "rows: \(rows.count)")
        // One logged response per row, after the run's probe (the last ones, in request order).
        let sent = Array(server.lines(count: rows.count + 1, timeout: 3).compactMap(ChunkSchedule.init(line:)).suffix(rows.count))
        try #require(sent.count == rows.count, "\(rows.count) rows, \(sent.count) logged responses")
        var worst = 0.0, worstNominal = 0.0
        var allGaps: [Int64] = [], readies: [Int64] = [], sentGaps: [Double] = [], sentReadies: [Double] = []
        for (line, schedule) in zip(rows, sent) {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let latency = try #require(Double(f[at("Latency")]))  // whole ms: within 0.5 ms of the first byte
            func near(_ measured: Double, _ expected: Double, _ nominal: Double, _ what: String) {
                worst = max(worst, abs(measured - expected))
                worstNominal = max(worstNominal, abs(measured - nominal))
                #expect(abs(measured - expected) <= tolerance, "\(what): \(measured) ms, sent at \(expected) ms, schedule \(nominal) (row \(line))")
            }
            let gaps = f[at("chunk_gaps_ms")].split(separator: " ").compactMap { Double($0) }
            if gaps.count == schedule.gaps.count {
                for (k, g) in gaps.enumerated() { near(g, schedule.gaps[k], Self.nominal.gaps[min(k, 5)], "gap") }
            } else {
                // Sends read together: only a reader late by more than the gap between them does that.
                #expect(lateness + 2 >= (schedule.gaps.min() ?? 0), "chunk_gaps_ms '\(f[at("chunk_gaps_ms")])', sends \(schedule.sends), woke \(lateness) ms late")
            }
            if schedule.chunkStarts.count >= 5 && gaps.count == schedule.gaps.count {
                near(try #require(Double(f[at("chunk_n_ms")])) - latency, schedule.chunkStarts[4], 270, "chunk_n_ms - Latency")
            }
            near(try #require(Double(f[at("audio_ready_ms")])) - latency, schedule.sends[3], 220, "audio_ready_ms - Latency")
            allGaps += gaps.map { Int64(($0 * 1_000).rounded()) }
            readies.append(Int64((Double(f[at("audio_ready_ms")])! * 1_000).rounded()))
            sentGaps += schedule.gaps
            sentReadies.append(latency + schedule.sends[3])
        }

        // summary.json: the distribution of every gap, and the settings it was taken with.
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
        let total = try #require(summary["total"] as? [String: Any])
        for (key, p) in [("chunk_gap_p50_ms", 50.0), ("chunk_gap_p95_ms", 95), ("chunk_gap_p99_ms", 99)] {
            let v = try #require(total[key] as? Double, "\(key) in \(total.keys.sorted())")
            let expected = ChunkSchedule.percentile(sentGaps, p)
            #expect(abs(v - expected) <= tolerance, "\(key) \(v), sent \(expected)")
        }
        let readyP95 = try #require(total["audio_ready_p95_ms"] as? Double)
        #expect(abs(readyP95 - ChunkSchedule.percentile(sentReadies, 95)) <= tolerance, "audio_ready_p95_ms \(readyP95), sent \(sentReadies)")
        let measures = try #require(summary["measures"] as? [String: Any])
        #expect(measures["ready_seconds"] as? Double == 0.3 && measures["nth_chunk"] as? Int == 5)
        let steps = try #require(summary["steps"] as? [[String: Any]])
        #expect(steps.contains { ($0["figures"] as? [String: Any])?["chunk_gap_p95_ms"] is Double }, "\(steps)")

        // The dashboard's chunk section.
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.contains("<h2 id=\"chunks\">Chunks</h2>") && page.contains("chunk 5 p95 ms") && page.contains("chunk gap p95 ms"))

        // `ttsload import` of that JTL: per-sample times and per-second gap histograms in the store,
        // percentiles equal to those of the JTL's own values (3 significant digits).
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(UUID().uuidString)/ttsload.sqlite").path
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let imported = try runTTSLoad(["import", out + "/results.jtl", "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        let id = try #require(Int64(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let db = try ResultStore(path: store)
        let gapsByLabel = try db.histogramByLabel(run: id, column: .chunkGap)
        let h = try #require(gapsByLabel["g"])
        #expect(h.count == allGaps.count)
        for p in [50.0, 95, 99] {
            let exact = ImportCommandTests.exact(allGaps, p)
            #expect(abs(h.percentile(p) - exact) <= exact / 500 + 1, "p\(p): store \(h.percentile(p)), JTL \(exact)")
        }
        let ready = try #require(try db.histogramByLabel(run: id, column: .audioReady)["g"])
        #expect(abs(ready.percentile(95) - ImportCommandTests.exact(readies, 95)) <= 300)
        let row = try #require(try db.query("SELECT COUNT(nth_chunk_us) AS n, COUNT(audio_ready_us) AS r FROM samples WHERE run_id = \(id)").first)
        #expect(row["n"] == "\(rows.count)" && row["r"] == "\(rows.count)")
        print("chunk columns: \(rows.count) rows, woke up to \(lateness) ms late, worst deviation from the sends \(worst) ms, from the nominal schedule \(worstNominal) ms "
              + "(JTL whole-ms Latency included); summary gap p50/p95/p99 "
              + "\(total["chunk_gap_p50_ms"]!)/\(total["chunk_gap_p95_ms"]!)/\(total["chunk_gap_p99_ms"]!) ms, ready p95 \(readyP95) ms")
    }
}
