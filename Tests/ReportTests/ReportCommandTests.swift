import Foundation
import Testing
import TestSupport

/// `ttsload report` through the real binary, on a real (short) run against the embedded server.
@Suite(.serialized) struct ReportCommandTests {
    @Test func reportOfARunFolderWritesIndexHTML() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-report-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try runTTSLoad(["run", "plans/smoke.yaml", "--out", folder, "--quiet", "--set", "thread_groups[0].load.duration=2s"])
        try #require(run.status == 0, "run failed: \(run.stderr)")

        let report = try runTTSLoad(["report", folder])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: folder + "/index.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<h1>smoke</h1>"))
        #expect(html.contains("Per step (hold only)") && html.contains("Statistics per label") && html.contains("<svg"))
        #expect(html.contains("error_rate &lt; 1%"))
        #expect(!html.contains("No plan is known"))

        // The same JTL alone: steps inferred, page written where --out says.
        let elsewhere = folder + "/alone"
        let alone = try runTTSLoad(["report", folder + "/results.jtl", "--out", elsewhere])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/index.html"))
    }

    @Test func unreadableInputIsExit2() throws {
        let missing = try runTTSLoad(["report", "/nonexistent/run-folder"])
        #expect(missing.status == 2)
        let bad = try temporaryFile("timeStamp,elapsed\n1,\"2\n", name: "bad.jtl")
        let malformed = try runTTSLoad(["report", bad])
        #expect(malformed.status == 2, "\(malformed.stderr)")
        #expect(malformed.stderr.contains("bad.jtl"))
    }
}
