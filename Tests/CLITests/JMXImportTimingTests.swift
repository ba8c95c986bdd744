import Foundation
import Testing
import TestSupport

/// The stepped TTS fixture run twice against one embedded server (simulated accelerator, on
/// 127.0.0.1): by real JMeter 2.13, then as `ttsload import-jmx` converted it, pointed at the
/// same server with `--set target.url`. `ttsload compare` of JMeter's own JTL and ttsload's must
/// find the same steps (2, 4, 6 users), request rates per step within tolerance, and the same
/// labels. About 70 s: two 24 s runs and JMeter's start.
@Suite(.serialized) struct JMXImportTimingTests {
    /// Request rates per step may differ this much (closed model: rate = users / (latency +
    /// think time), and JMeter and ttsload each see their own latencies on a shared 2-core host).
    static let rateTolerance = 0.15

    @Test(.timeLimit(.minutes(4))) func jmeterAndTheConvertedPlanLoadTheServerAlike() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jmx-timing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Batches of up to 8 on one simulated accelerator: the rate grows with the users, so
        // the steps differ and a step misaligned between the two runs would show.
        let server = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "2", "--cache-mb", "0",
                                           "--max-batch", "8", "--model-latency", "base=150ms,per-item=10ms"])
        let url = server.address
        let port = try #require(url.split(separator: ":").last.map(String.init))
        #expect(url.hasPrefix("http://127.0.0.1:"))

        let fixture = repositoryRoot + "/Tests/Fixtures/jmx/tts-stepped.jmx"
        let jmeterJTL = folder + "/jmeter.jtl"
        try JMeterProcess.run(plan: fixture, jtl: jmeterJTL, properties: ["host": "127.0.0.1", "port": port], folder: folder)

        let plan = folder + "/tts-stepped.yaml"
        let imported = try runTTSLoad(["import-jmx", fixture, "-o", plan, "--report", folder + "/report.json"])
        #expect(imported.status == 0, "\(imported.stdout)\n\(imported.stderr)")
        let run = try runTTSLoad(["run", plan, "--set", "target.url=\(url)", "--out", folder + "/run", "--no-report", "--quiet"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        // Same labels, from each tool's own file.
        let jmeterRows = ImportCommandTests.csvRows(try String(contentsOfFile: jmeterJTL, encoding: .utf8))
        let ttsloadRows = ImportCommandTests.csvRows(try String(contentsOfFile: folder + "/run/results.jtl", encoding: .utf8))
        func labels(_ rows: [[String]]) -> Set<String> {
            guard let header = rows.first, let at = header.firstIndex(of: "label") else { return [] }
            return Set(rows.dropFirst().map { $0[at] })
        }
        #expect(labels(jmeterRows) == ["POST speech"])
        #expect(labels(ttsloadRows) == labels(jmeterRows))
        #expect(jmeterRows.count > 50, "JMeter sent \(jmeterRows.count - 1) requests")

        let compared = try runTTSLoad(["compare", jmeterJTL, folder + "/run/results.jtl", "--format", "json"])
        #expect(compared.status == 0 || compared.status == 1, "\(compared.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as? [String: Any])
        let entries = (json["entries"] as? [[String: Any]]) ?? []
        let rates = entries.filter { $0["metric"] as? String == "rps" && $0["kind"] as? String == "step" }
            .sorted { ($0["step"] as? Int ?? 0) < ($1["step"] as? Int ?? 0) }
        #expect(rates.map { $0["base_level"] as? Int } == [2, 4, 6], "JMeter's steps: \(rates)")
        #expect(rates.map { $0["candidate_level"] as? Int } == [2, 4, 6], "ttsload's steps: \(rates)")
        for rate in rates {
            let base = rate["base"] as? Double ?? 0, candidate = rate["candidate"] as? Double ?? 0
            print("JMXImportTimingTests: step \(rate["step"] ?? "?") (\(rate["base_level"] ?? "?") users): JMeter \(base) req/s, ttsload \(candidate) req/s")
            #expect(base > 0 && abs(candidate - base) / base <= Self.rateTolerance,
                    "step \(rate["step"] ?? "?"): JMeter \(base) req/s, ttsload \(candidate) req/s")
        }
        // The rate grows with the users, so the three steps are told apart.
        if rates.count == 3, let first = rates[0]["base"] as? Double, let last = rates[2]["base"] as? Double {
            #expect(last > first * 1.3, "JMeter's rates per step: \(rates.map { $0["base"] ?? 0 })")
        }
        #expect((json["unmatched"] as? [Any])?.isEmpty ?? true, "labels or steps only one side has: \(json["unmatched"] ?? "")")
        try? FileManager.default.removeItem(atPath: folder)
    }
}
