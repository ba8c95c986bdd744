import Foundation
import Testing
import TestSupport

/// `ttsload import-jmx` end to end: the mixed fixture run by real JMeter 2.13 and converted, with
/// nothing JMeter sent missing from both the plan and the report; bad input and exit codes.
@Suite struct JMXImportCommandTests {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/jmx/"

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jmx-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Every label JMeter wrote is a request of the converted plan or a sampler the report skipped:
    /// nothing is dropped without a word.
    @Test(.timeLimit(.minutes(3))) func everySamplerJMeterRanIsConvertedOrReported() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "1", "--cache-mb", "0"])
        let port = try #require(server.address.split(separator: ":").last.map(String.init))
        let fixture = Self.fixtures + "unconvertible.jmx"
        try JMeterProcess.run(plan: fixture, jtl: folder + "/jmeter.jtl", properties: ["port": port, "seconds": "2"], folder: folder)
        let rows = ImportCommandTests.csvRows(try String(contentsOfFile: folder + "/jmeter.jtl", encoding: .utf8))
        let at = try #require(rows.first?.firstIndex(of: "label"))
        let jmeterLabels = Set(rows.dropFirst().map { $0[at] })
        #expect(jmeterLabels == ["speak", "maybe speak"])

        let result = try runTTSLoad(["import-jmx", fixture, "-o", folder + "/mixed.yaml", "--report", folder + "/report.json"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("3 converted, 1 approximated, 7 skipped"), "\(result.stdout)")
        #expect(result.stdout.contains("mixed.yaml: valid"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))) as? [String: Any])
        let entries = (report["entries"] as? [[String: Any]]) ?? []
        let skippedSamplers = Set(entries.filter { $0["outcome"] as? String == "skipped" && $0["element"] as? String == "HTTPSamplerProxy" }
            .compactMap { ($0["path"] as? String)?.split(separator: "/").last.map(String.init) })
        let plan = try String(contentsOfFile: folder + "/mixed.yaml", encoding: .utf8)
        for label in jmeterLabels {
            #expect(plan.contains("label: \"\(label)\"") || skippedSamplers.contains(label), "\(label) is neither converted nor reported")
        }
        #expect(skippedSamplers.contains("maybe speak"))
        for entry in entries {
            #expect(entry["line"] as? Int ?? 0 > 0)
            #expect(["converted", "approximated", "skipped"].contains(entry["outcome"] as? String ?? ""))
        }
        // And the converted plan runs against the same server, sending only what it kept.
        let run = try runTTSLoad(["run", folder + "/mixed.yaml", "--set", "target.url=\(server.address)", "--set", "variables.voice=en",
                                  "--out", folder + "/run", "--no-report", "--quiet"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let ran = ImportCommandTests.csvRows(try String(contentsOfFile: folder + "/run/results.jtl", encoding: .utf8))
        let ranAt = try #require(ran.first?.firstIndex(of: "label"))
        #expect(Set(ran.dropFirst().map { $0[ranAt] }) == ["speak"])
    }

    @Test func badInputGetsAClearErrorAndWritesNothing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bad = folder + "/bad.jmx"
        try "<jmeterTestPlan>\n<hashTree>\n<TestPlan testname=\"p\">\n</hashTree>".write(toFile: bad, atomically: true, encoding: .utf8)
        let broken = try runTTSLoad(["import-jmx", bad, "-o", folder + "/bad.yaml"])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("bad.jmx:4"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad.yaml"))

        let missing = try runTTSLoad(["import-jmx", folder + "/none.jmx", "-o", folder + "/none.yaml"])
        #expect(missing.status == 2)

        // An existing plan is not overwritten without --force.
        let out = folder + "/tts.yaml"
        #expect(try runTTSLoad(["import-jmx", Self.fixtures + "tts-stepped.jmx", "-o", out]).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/tts-data/sentences.csv"))
        let again = try runTTSLoad(["import-jmx", Self.fixtures + "tts-stepped.jmx", "-o", out])
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
        #expect(try runTTSLoad(["import-jmx", Self.fixtures + "tts-stepped.jmx", "-o", out, "--force"]).status == 0)
        #expect(try runTTSLoad(["validate", out]).status == 0)
    }
}
