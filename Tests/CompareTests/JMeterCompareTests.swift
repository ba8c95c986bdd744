import Foundation
import Testing
import TestSupport

/// A real JMeter 2.13 result file (Tests/Fixtures/jmeter-2.13, written by JMeter itself) compared
/// with a real `ttsload run` whose label has the same name.
@Suite(.serialized) struct JMeterCompareTests {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/jmeter-2.13/"
    static let jmeterLabels = ["tts ok", "say \"hi\" twice", "busy, retry later", "truncated body", "stalled", "wav as html", "refused"]

    /// A short run against the embedded server, labelled like the JMeter file's good requests.
    static let runFolder: String? = {
        let plan = """
        name: jmeter-peer
        target: { url: embedded, api: indextts, server_args: ["--workers", "1"] }
        defaults: { timeout: 10s, checks: { status: 200 } }
        thread_groups:
          - name: tts
            request: { label: "tts ok", text: "Hello there.", emotion: neutral }
            load: { users: 3, ramp_up: 1s, duration: 4s }
        """
        guard let path = try? temporaryFile(plan) else { return nil }
        let out = (path as NSString).deletingLastPathComponent + "/run"
        let r = try? runTTSLoad(["run", path, "--out", out, "--no-store", "--no-report", "--quiet"])
        return r?.status == 0 ? out : nil
    }()

    @Test(arguments: ["jmeter-2.13-default.jtl", "jmeter-2.13-header.jtl"])
    func labelsMatchByName(file: String) throws {
        let run = try #require(Self.runFolder, "the ttsload run failed")
        let r = try runTTSLoad(["compare", Self.fixtures + file, run, "--format", "json"])
        // 0 or 1 are verdicts; 2 (unreadable) or 3 would be failures of the comparison itself.
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        let ok = entries.filter { $0["scope"] as? String == "label tts ok" }
        #expect(ok.count == 10, "every metric of the shared label")
        let p50 = try #require(ok.first { $0["metric"] as? String == "p50" })
        #expect((p50["base_count"] as? Int ?? 0) >= 5 && (p50["candidate_count"] as? Int ?? 0) >= 20, "\(p50)")
        #expect((p50["base"] as? Double ?? 0) > 0 && (p50["candidate"] as? Double ?? 0) > 0)
        // JMeter has no audio columns: the TTS metrics are n/a, not errors.
        #expect(ok.first { $0["metric"] as? String == "ttfa" }?["verdict"] as? String == "n/a")
        let unmatched = object["unmatched"] as? [String] ?? []
        for label in Self.jmeterLabels.dropFirst() { #expect(unmatched.contains("label \(label) only in the base"), "\(unmatched)") }
        #expect(!unmatched.contains("label tts ok only in the base"))
        let base = object["base"] as? [String: Any]
        #expect(base?["samples"] as? Int == 78, "both files hold the same 78 samples")
    }
}
