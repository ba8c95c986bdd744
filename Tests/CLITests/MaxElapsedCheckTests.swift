import Foundation
import Testing
import TestSupport

/// `checks.max_elapsed` (JMeter's Duration Assertion, which `import-jmx` converts into it): a
/// sample slower than the limit fails with a message saying so. The embedded server's simulated
/// accelerator makes every answer take at least 200 ms (cache off: the same text would come from it), so a 50 ms limit fails each sample and a
/// 20 s one none; the figures are read back from the run's own results.jtl.
@Suite struct MaxElapsedCheckTests {
    func run(limit: String) throws -> [[String]] {
        let plan = try temporaryFile("""
            name: max-elapsed
            target: { url: embedded, server_args: ["--workers", "1", "--cache-mb", "0", "--model-latency", "base=200ms"] }
            thread_groups:
              - name: slow
                request: { text: "Slow enough." }
                load: { users: 1, duration: 2s }
                checks: { max_elapsed: \(limit) }
            """)
        let out = parentDirectory(plan) + "/run"
        let result = try runTTSLoad(["run", plan, "--out", out, "--no-report", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        return ImportCommandTests.csvRows(try String(contentsOfFile: out + "/results.jtl", encoding: .utf8))
    }

    func parentDirectory(_ path: String) -> String { (path as NSString).deletingLastPathComponent }

    @Test func slowerSamplesFailAndOthersPass() throws {
        let failing = try run(limit: "50ms")
        let header = try #require(failing.first)
        let success = try #require(header.firstIndex(of: "success")), message = try #require(header.firstIndex(of: "failureMessage"))
        let elapsed = try #require(header.firstIndex(of: "elapsed"))
        #expect(failing.count > 1)
        for row in failing.dropFirst() {
            #expect(Int(row[elapsed]) ?? 0 > 50)
            #expect(row[success] == "false")
            #expect(row[message].hasPrefix("max_elapsed: took "), "\(row[message])")
        }
        let passing = try run(limit: "20s")
        #expect(passing.count > 1)
        #expect(passing.dropFirst().allSatisfy { $0[success] == "true" })
    }
}
