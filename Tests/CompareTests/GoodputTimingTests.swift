import Foundation
import Testing
import TestSupport

/// Goodput against a real counterpart: the fixture target answers every fourth request under
/// `/fail-every/4/` with 500 after the same wait as the others (and counts them), so the
/// candidate sends requests at the same rate and a quarter of them fail. `ttsload compare` of
/// two runs, and an A/B run whose side b is that prefix, both name `ok req/s` a regression
/// while req/s is unchanged. Sleep-dominated (100 ms per request, 8 users): about 40 s.
@Suite(.serialized) struct GoodputTimingTests {
    static func plan(target: String, targetB: String? = nil) throws -> String {
        let targets = targetB.map { "targets: { a: \"\(target)\", b: \"\($0)\" }\n" } ?? ""
        return try temporaryFile("""
            name: goodput
            target: { url: "\(target)", api: raw }
            \(targets)defaults: { checks: { status: 200 } }
            thread_groups:
              - { name: tts, request: { method: GET, path: /delay/100 }, load: { users: 8, duration: 12s } }
            """, name: "goodput-\(UUID().uuidString).yaml")
    }

    static func folder() -> String { NSTemporaryDirectory() + "ttsload-goodput-\(UUID().uuidString)" }

    func stats(_ fixture: ListeningProcess) throws -> [String: Int] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: fixture.address + "/stats")!)) as? [String: Int] ?? [:]
    }

    /// The label scope's entry for `metric` in `ttsload compare ... --format json`.
    func labelEntry(_ json: String, _ metric: String) throws -> [String: Any]? {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["entries"] as? [[String: Any]])?.first { $0["kind"] as? String == "label" && $0["metric"] as? String == metric }
    }

    /// Errors in a run's summary.json.
    func errors(_ folder: String) throws -> Int {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any]
        let total = summary?["total"] as? [String: Any]
        return try #require(total?["errors"] as? Int)
    }

    func expectGoodputRegression(_ json: String, _ what: String) throws {
        let good = try labelEntry(json, "ok_rps"), rps = try labelEntry(json, "rps")
        print("\(what): ok req/s \(good?["base"] ?? "-") -> \(good?["candidate"] ?? "-") (\(good?["relative"] ?? "-")) \(good?["verdict"] ?? "-"); "
              + "req/s \(rps?["base"] ?? "-") -> \(rps?["candidate"] ?? "-") (\(rps?["relative"] ?? "-")) \(rps?["verdict"] ?? "-")")
        #expect(good?["verdict"] as? String == "regression", "\(String(describing: good))")
        let relative = try #require(good?["relative"] as? Double)
        #expect(abs(relative + 0.25) < 0.03, "goodput fell by \(relative), a quarter failed")
        #expect(rps?["verdict"] as? String == "unchanged", "\(String(describing: rps))")
    }

    @Test func twoRunsCandidateFailingAQuarterIsAGoodputRegressionAtTheSameRate() throws {
        let fixture = try ListeningProcess(fixture: "target.py")
        let base = Self.folder(), candidate = Self.folder()
        defer { for f in [base, candidate] { try? FileManager.default.removeItem(atPath: f) } }
        let rb = try runTTSLoad(["run", try Self.plan(target: fixture.address), "--out", base, "--no-store", "--no-report", "--quiet"])
        #expect(rb.status == 0, "\(rb.stdout)\(rb.stderr)")
        let rc = try runTTSLoad(["run", try Self.plan(target: fixture.address + "/fail-every/4"), "--out", candidate, "--no-store", "--no-report", "--quiet"])
        #expect(rc.status == 0, "\(rc.stdout)\(rc.stderr)")
        // The candidate's failures are exactly those the target answered with 500 on schedule.
        let failed = try #require(try stats(fixture)["failed_on_schedule"])
        #expect(try errors(candidate) == failed && failed > 100)
        #expect(try errors(base) == 0)

        let json = try runTTSLoad(["compare", base, candidate, "--format", "json"])
        #expect(json.status == 1, "a regression exits 1: \(json.stderr)")
        try expectGoodputRegression(json.stdout, "two runs")
        let text = try runTTSLoad(["compare", base, candidate])
        #expect(text.stdout.contains("ok req/s: successful requests per second (the plan has no per-request bound)"))
        #expect(text.stdout.contains("ok req/s"))
    }

    @Test func abRunWithSideBFailingAQuarterIsAGoodputRegressionAtTheSameRate() throws {
        let fixture = try ListeningProcess(fixture: "target.py")
        let out = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runTTSLoad(["run", try Self.plan(target: fixture.address, targetB: fixture.address + "/fail-every/4"),
                                "--out", out, "--no-store", "--no-report", "--quiet"])
        #expect(r.status == 1 && r.stderr.contains("b regressed against a"), "\(r.stdout)\(r.stderr)")
        let failed = try #require(try stats(fixture)["failed_on_schedule"])
        #expect(try errors(out) == failed && failed > 100)
        let json = try runTTSLoad(["compare", out, "--format", "json"])
        try expectGoodputRegression(json.stdout, "A/B run")
        #expect(FileManager.default.contents(atPath: out + "/compare.html").map { String(decoding: $0, as: UTF8.self).contains("ok req/s") } == true)
    }
}
