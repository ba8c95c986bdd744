import Foundation
import Testing
import TestSupport

/// Goodput against a real counterpart: the fixture target answers every fourth request under
/// `/fail-every/4/` with 500 after the same wait as the others (and counts them), so the
/// candidate sends requests at the same rate and a quarter of them fail. `ttsload compare` of
/// two runs, and an A/B run whose side b is that prefix, both name `ok req/s` a regression
/// while req/s is unchanged. Sleep-dominated (100 ms per request, 8 users, 16 s held): about 60 s. A run whose load
/// generator was saturated (a CPU hog beside it) gets no verdict by design: the test then checks
/// it says so, and that the interval still excludes 0.
@Suite(.serialized) struct GoodputTimingTests {
    static func plan(target: String, targetB: String? = nil) throws -> String {
        let targets = targetB.map { "targets: { b: \"\($0)\" }\n" } ?? ""
        return try temporaryFile("""
            name: goodput
            target: { url: "\(target)", api: raw }
            \(targets)defaults: { checks: { status: 200 } }
            thread_groups:
              - { name: tts, request: { method: GET, path: /delay/100 }, load: { steps: [8], ramp_up: 1s, hold: 16s } }
            """, name: "goodput-\(UUID().uuidString).yaml")
    }

    static func folder() -> String { NSTemporaryDirectory() + "ttsload-goodput-\(UUID().uuidString)" }

    func stats(_ fixture: ListeningProcess) throws -> [String: Int] {
        let r = try runCommand(["curl", "-fsS", fixture.address + "/stats"])
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Int] ?? [:]
    }

    /// The step's entry for `metric` in `ttsload compare ... --format json`.
    func stepEntry(_ json: String, _ metric: String) throws -> [String: Any]? {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["entries"] as? [[String: Any]])?.first { $0["scope"] as? String == "tts step 1 (8 users)" && $0["metric"] as? String == metric }
    }

    /// Whether the comparison names a side whose load generator was saturated (its own
    /// monitors recorded it): then no change may be called a regression (docs/compare.md), by design.
    func noisy(_ json: String) throws -> Bool {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return !((object?["noisy"] as? [String]) ?? []).isEmpty
    }

    /// Errors in a run's summary.json.
    func errors(_ folder: String) throws -> Int {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any]
        let total = summary?["total"] as? [String: Any]
        return try #require(total?["errors"] as? Int)
    }

    /// Returns whether the goodput regression was called (false: a noisy run, said as such).
    @discardableResult
    func expectGoodputRegression(_ json: String, _ what: String) throws -> Bool {
        let good = try stepEntry(json, "ok_rps"), rps = try stepEntry(json, "rps")
        let noisy = try noisy(json)
        print("\(what): ok req/s \(good?["base"] ?? "-") -> \(good?["candidate"] ?? "-") (\(good?["relative"] ?? "-")) \(good?["verdict"] ?? "-"); "
              + "req/s \(rps?["base"] ?? "-") -> \(rps?["candidate"] ?? "-") (\(rps?["relative"] ?? "-")) \(rps?["verdict"] ?? "-")"
              + (noisy ? " (a load generator was saturated: no verdicts, by design)" : ""))
        #expect(good?["verdict"] as? String == (noisy ? "inconclusive (noisy run)" : "regression"), "\(String(describing: good))")
        // The interval excludes 0 whether or not the run was noisy.
        #expect((good?["ci_high"] as? Double).map { $0 < 0 } == true, "\(String(describing: good))")
        let relative = try #require(good?["relative"] as? Double)
        #expect(abs(relative + 0.25) < 0.03, "goodput fell by \(relative), a quarter failed")
        #expect(rps?["verdict"] as? String == "unchanged", "\(String(describing: rps))")
        return !noisy
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
        let called = try expectGoodputRegression(json.stdout, "two runs")
        #expect(json.status == (called ? 1 : 0), "a regression exits 1: \(json.stderr)")
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
        let failed = try #require(try stats(fixture)["failed_on_schedule"])
        #expect(try errors(out) == failed && failed > 100)
        let json = try runTTSLoad(["compare", out, "--format", "json"])
        let called = try expectGoodputRegression(json.stdout, "A/B run")
        #expect(called ? r.status == 1 && r.stderr.contains("b regressed against a") : r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/compare.html").map { String(decoding: $0, as: UTF8.self).contains("ok req/s") } == true)
    }
}
