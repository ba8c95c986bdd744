import Foundation
import Testing
import TestSupport

/// `ttsload report FILE.jtl --plan PLAN` judges the plan's thresholds on a run made by another
/// tool (JMeter 2.13's own file): the values are those of the file's rows read by Python's csv
/// module, and the JUnit file is read by junitparser.
@Suite struct ReportThresholdTests {
    @Test func aJMeterFileIsJudgedAfterTheFact() throws {
        let jtl = repositoryRoot + "/Tests/Fixtures/jmeter-2.13/jmeter-2.13-header.jtl"
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-report-thr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let plan = try temporaryFile("""
            name: judged-after
            target: { url: "http://127.0.0.1:9", api: raw }
            thread_groups:
              - { name: TTS users, request: { method: GET, path: /ok }, load: { users: 2, duration: 10s } }
            thresholds:
              - "p95 < 1ms"
              - "max < 1h"
              - "rc5xx <= 100%"
            """)
        let result = try runTTSLoad(["report", jtl, "--plan", plan, "--out", out, "--junit", out + "/junit.xml"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("verdict: FAILED: 1 of 3 thresholds failed"), "\(result.stdout)")
        // p95 of the file's rows, nearest rank, against the value the page and the JUnit file show.
        let p95 = try commandOutput(["/usr/bin/env", "python3", "-c", """
            import csv, math, sys
            v = sorted(int(r['elapsed']) for r in csv.DictReader(open(sys.argv[1], newline='')))
            print(v[max(1, math.ceil(0.95 * len(v))) - 1])
            """, jtl]).trimmingCharacters(in: .whitespacesAndNewlines)
        let cases = try junitCases(out + "/junit.xml")
        #expect(cases.count == 3, "\(cases)")
        // The failure message is "<value> ms|s over the whole run".
        let message = try #require(cases.first?.split(separator: "|").last.map(String.init))
        #expect(cases.first?.hasPrefix("fail|p95 < 1ms|") == true && message.hasSuffix("over the whole run"), "\(cases)")
        let words = message.split(separator: " ")
        let shown = try #require(Double(words[0])) * (words[1] == "s" ? 1_000 : 1)
        let exact = try #require(Double(p95))
        #expect(abs(shown - exact) <= exact / 1_000 + 1 + (words[1] == "s" ? 10 : 0), "judged \(message), rows' p95 \(exact) ms")
        #expect(cases.dropFirst().allSatisfy { $0.hasPrefix("pass|") }, "\(cases)")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("Thresholds: <span class=\"fail\">failed</span>"))
    }
}

/// The testcases of a JUnit file as junitparser (PyPI) reads it, the way a CI system would: one
/// line per case, `pass|NAME|` or `fail|NAME|MESSAGE;...`.
func junitCases(_ path: String) throws -> [String] {
    try commandOutput(["/usr/bin/env", "python3", "-c", """
        import sys
        from junitparser import JUnitXml
        for suite in JUnitXml.fromfile(sys.argv[1]):
            for case in suite:
                print(('fail' if case.result else 'pass') + '|' + case.name + '|' + ';'.join(r.message or '' for r in case.result))
        """, path]).split(separator: "\n").map(String.init)
}
