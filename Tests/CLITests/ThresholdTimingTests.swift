import Foundation
import Testing
import TestSupport

/// Thresholds judged on real runs against the embedded server whose capacity is set by its
/// simulated accelerator: one request at a time, 100 ms each (docs/server.md), so U users without
/// think time wait about U x 100 ms. Verdicts are checked against that known capacity, against
/// the run's own results.jtl read by Python's csv module, and JUnit files are read by junitparser
/// (PyPI), as a CI system would. Named *TimingTests: `make test` runs them alone, serialized.
@Suite(.serialized) struct ThresholdTimingTests {
    static let serverArgs = #"["--model-latency", "base=100ms", "--max-batch", "1", "--workers", "2", "--cache-mb", "0", "--queue", "256"]"#

    static func plan(_ name: String, load: String, thresholds: String, extra: String = "") -> String {
        """
        name: \(name)
        target: { url: embedded, api: indextts, server_args: \(serverArgs) }
        defaults:
          timeout: 20s
          checks: { status: 200 }
        thread_groups:
          - name: tts
            request: { text: "A short sentence to speak.", emotion: neutral }
            load: \(load)
        thresholds:
        \(thresholds)
        \(extra)
        """
    }

    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-thresholds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func summary(_ out: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func verdict(_ summary: [String: Any]) throws -> [String: Any] {
        try #require(summary["verdict"] as? [String: Any])
    }

    static func thresholds(_ verdict: [String: Any]) throws -> [[String: Any]] {
        try #require(verdict["thresholds"] as? [[String: Any]])
    }

    /// The JTL's rows as Python's csv module reads them: (timeStamp ms, elapsed ms).
    static func jtlRows(_ out: String) throws -> [(start: Int64, elapsed: Int64)] {
        let text = try commandOutput(["/usr/bin/env", "python3", "-c", """
            import csv, sys
            for r in csv.DictReader(open(sys.argv[1], newline='')): print(r['timeStamp'], r['elapsed'])
            """, out + "/results.jtl"])
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let s = Int64(parts[0]), let e = Int64(parts[1]) else { return nil }
            return (s, e)
        }
    }

    /// HdrHistogram's definition: the smallest value with at least p% of the values at or below it.
    static func exactPercentile(_ values: [Int64], _ p: Double) -> Int64 {
        let sorted = values.sorted()
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    @Test func thresholdsTheServiceKeepsExitZero() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        // 1 then 2 users: waits of about 100 and 200 ms, at most 10 successes a second (the accelerator).
        let planPath = try temporaryFile(Self.plan("keeps", load: "{ steps: [1, 2], ramp_up: 1s, hold: 3s }", thresholds: """
              - "p95 < 1s"
              - "each step: ok_p95 < 1s"
              - "error_rate < 1%"
              - "ok_rps <= 10.5"
              - "checks >= 99%"
            """))
        let result = try runTTSLoad(["run", planPath, "--out", work + "/run", "--quiet", "--no-report"])
        #expect(result.status == 0, "\(result.stdout.suffix(1500))\n\(result.stderr)")
        #expect(result.stdout.contains("verdict: PASSED: all 5 thresholds passed"), "\(result.stdout.suffix(800))")
        let verdict = try Self.verdict(try Self.summary(work + "/run"))
        #expect(verdict["passed"] as? Bool == true)
        // Goodput cannot beat the accelerator: the judged value is under its capacity, and not far below it.
        let okRps = try #require(try Self.thresholds(verdict)[3]["value"] as? Double)
        #expect(okRps <= 10.5 && okRps >= 3, "ok_rps \(okRps)")
    }

    @Test func aBrokenThresholdExitsOneWithTheFilesValueAndAJUnitFile() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        // 1 user waits ~100-150 ms; 4 users queue on the one accelerator: at least ~400 ms each.
        let planPath = try temporaryFile(Self.plan("breaks", load: "{ steps: [1, 4], ramp_up: 1s, hold: 3s }", thresholds: """
              - "p95 < 280ms"
              - "each step: p95 < 280ms"
              - "error_rate < 1%"
            """))
        let out = work + "/run", junit = work + "/junit.xml"
        let result = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-report", "--junit", junit])
        #expect(result.status == 1, "\(result.stdout.suffix(1500))\n\(result.stderr)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "complete")
        let verdict = try Self.verdict(summary)
        let judged = try Self.thresholds(verdict)
        #expect(judged.map { $0["passed"] as? Bool } == [false, false, true])
        // The whole run's p95 is that of every row of results.jtl (HdrHistogram: 0.1%; the JTL: whole ms).
        let exact = Double(Self.exactPercentile(try Self.jtlRows(out).map(\.elapsed), 95))
        let judgedMs = try #require(judged[0]["value"] as? Double) * 1_000
        #expect(abs(judgedMs - exact) <= exact / 1_000 + 1, "judged \(judgedMs) ms, rows say \(exact) ms")
        #expect(exact >= 280)
        let within = try #require((verdict["within"] as? [[String: Any]])?.first)
        #expect(within["step"] as? Int == 1)

        // junitparser reads the file: one case per threshold, the `each step` one per step.
        let lines = try junitCases(junit)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("fail|p95 < 280ms|") && $0.contains(judged[0]["shown"] as? String ?? "?") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("pass|each step: p95 < 280ms [step 1: 1 users]") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("fail|each step: p95 < 280ms [step 2: 4 users]") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("pass|error_rate < 1%") }, "\(lines)")
    }

    @Test func anAbortForFiveSecondsFiresWithinTheWindowPlusTwo() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        // 1 user for 4 s (~100-150 ms), then 6 users at once (~600 ms each) for what would be 30 s:
        // p95 < 300ms fails in every second from 4 s on.
        let load = "{ stages: [{ duration: 0s, target: 1 }, { duration: 4s, target: 1 }, { duration: 0s, target: 6 }, { duration: 30s, target: 6 }] }"
        let planPath = try temporaryFile(Self.plan("aborts", load: load, thresholds: """
              - { expr: "p95 < 300ms", abort: true, for: 5s }
            """))
        let out = work + "/run"
        let result = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-report"])
        #expect(result.status == 1, "\(result.stdout.suffix(1500))\n\(result.stderr)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "aborted")
        let stop = try #require(try Self.verdict(summary)["stop"] as? [String: Any])
        #expect(stop["kind"] as? String == "abort")
        #expect(try Self.thresholds(try Self.verdict(summary)).first?["passed"] as? Bool == false)
        // Judged per whole wall second: the first failing second may begin up to 1 s before 4 s.
        let at = try #require(stop["at_seconds"] as? Double)
        #expect(at >= 4 + 5 - 1 && at <= 4 + 5 + 2, "aborted at \(at) s; the condition fails from 4 s, for: 5s")
        // The load really stopped there: no request was sent after the abort (the file's own rows,
        // from the first request, which the schedule sends at 0 s). `at` is the end of the second
        // judged; a second is judged once complete, 300-550 ms after its end, and the stop follows.
        let rows = try Self.jtlRows(out)
        let first = try #require(rows.map(\.start).min()), last = try #require(rows.map(\.start).max())
        #expect(Double(last - first) / 1_000 <= at + 1, "last request sent at \(Double(last - first) / 1_000) s, abort at \(at) s")
    }

    /// One slow sample now and then, between fast ones, fails `max < 1s` for one second at a time:
    /// with `for: 3s` that never aborts; the verdict over the whole run still fails (the sample is there).
    @Test func oneSlowSampleDoesNotAbortAWindowedThreshold() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let planPath = try temporaryFile("""
            name: slow-one
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: fast, request: { method: GET, path: /delay/20 }, load: { users: 1, duration: 10s } }
              - { name: slow, request: { method: GET, path: /delay/1500 }, load: { users: 1, duration: 1s }, delay: 3s }
            thresholds:
              - { expr: "max < 1s", abort: true, for: 3s }
            """)
        let out = work + "/run"
        let result = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-report"])
        #expect(result.status == 1, "\(result.stdout.suffix(1500))\n\(result.stderr)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "complete", "\(summary["verdict"] ?? "")")
        let verdict = try Self.verdict(summary)
        #expect(verdict["stop"] == nil)
        let slow = try Self.jtlRows(out).filter { $0.elapsed >= 1_500 }
        #expect(!slow.isEmpty && slow.count <= 2, "\(slow)")
        let judged = try #require(try Self.thresholds(verdict).first)
        #expect(judged["passed"] as? Bool == false)
        #expect(try #require(judged["value"] as? Double) >= 1.5)
    }

    /// The accelerator predicts each step's p95 (about users x 100 ms): 1 and 2 users stay under
    /// 450 ms, 6 users do not, so `stop_when: p95 > 450ms` must end the run after step 3 of 4.
    @Test func stopWhenEndsASteppedRunAtThePredictedStep() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let planPath = try temporaryFile(Self.plan("stops", load: "{ steps: [1, 2, 6, 8], ramp_up: 1s, hold: 3s }", thresholds: """
              - "each step: p95 < 450ms"
            """, extra: "stop_when: [\"p95 > 450ms\"]"))
        let out = work + "/run"
        let result = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-report"])
        #expect(result.status == 1, "\(result.stdout.suffix(1500))\n\(result.stderr)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "stopped")
        let verdict = try Self.verdict(summary)
        let stop = try #require(verdict["stop"] as? [String: Any])
        #expect(stop["kind"] as? String == "stop_when" && stop["step_index"] as? Int == 3, "\(stop)")
        #expect((verdict["within"] as? [[String: Any]])?.first?["step"] as? Int == 2)
        let steps = try #require(verdict["steps"] as? [[String: Any]])
        #expect(steps.map { $0["ran"] as? Bool } == [true, true, true, false])
        // Step 3 ends at 12 s; step 4 (ramp from 12 s, hold from 13 s) never got going.
        let rows = try Self.jtlRows(out)
        let first = try #require(rows.map(\.start).min()), last = try #require(rows.map(\.start).max())
        #expect(Double(last - first) / 1_000 < 12 + 2, "last request sent at \(Double(last - first) / 1_000) s")
    }
}
