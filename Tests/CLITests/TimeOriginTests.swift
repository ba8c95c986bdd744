import Foundation
import Results
import Testing
import TestSupport

/// Every time of a sample counts from one origin: on a busy engine loop (many users, one engine
/// thread, a cached embedded server answering in about a millisecond) time to first audio and
/// time to first byte never exceed the sample's elapsed time, in the store's µs and in the JTL.
@Suite struct TimeOriginTests {
    @Test func ttfaAndLatencyNeverExceedElapsed() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-origin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try temporaryFile("""
            name: origin
            target: { url: embedded, api: indextts }
            thread_groups:
              - { name: g, request: { text: "one short sentence, cached after the first time" }, load: { users: 12, duration: 12s } }
            """)
        let out = work + "/run", store = work + "/store.sqlite"
        let run = try runTTSLoad(["run", plan, "--out", out, "--store", store, "--threads", "1", "--no-report"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        let db = try ResultStore(path: store)
        let total = try db.query("SELECT COUNT(*) AS n, SUM(ttfa_us IS NOT NULL) AS audio FROM samples").first
        let rows = Int(total?["n"].flatMap { $0 } ?? "0") ?? 0
        let audio = Int(total?["audio"].flatMap { $0 } ?? "0") ?? 0
        #expect(rows > 3_000 && audio == rows, "rows \(rows), with audio \(audio)")
        let bad = try db.query("""
            SELECT elapsed_us, latency_us, ttfa_us, connect_us FROM samples
            WHERE ttfa_us > elapsed_us OR latency_us > elapsed_us OR connect_us > elapsed_us OR ttfa_us < latency_us LIMIT 5
            """)
        #expect(bad.isEmpty, "rows whose times do not share an origin: \(bad)")

        // The JTL rounds elapsed to whole ms and prints TTFA to 0.1 ms: TTFA is never more than that rounding above.
        let lines = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let elapsedAt = try #require(header.firstIndex(of: "elapsed")), ttfaAt = try #require(header.firstIndex(of: "ttfa_ms"))
        var worse: [String] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard let elapsed = Double(fields[elapsedAt]), let ttfa = Double(fields[ttfaAt]) else { continue }
            if ttfa > elapsed + 0.55 { worse.append(String(line)) }
        }
        #expect(lines.count - 1 == rows)
        #expect(worse.isEmpty, "JTL rows with ttfa_ms above elapsed: \(worse.prefix(3))")
    }
}
