import Foundation
import Testing
import TestSupport

/// Real A/B runs (plans/ab-batching.yaml): two embedded servers with the simulated accelerator,
/// the same load sent to both at the same moments, b judged against a at the end of `ttsload run`
/// and again by `ttsload compare RUNFOLDER`. `make test` runs this suite alone and serialized;
/// about 2 minutes.
@Suite(.serialized) struct ABRunTimingTests {
    static let plan = "plans/ab-batching.yaml"
    static let serialB = #"targets.b.server_args=["--cache-mb","0","--workers","2","--queue","256","--model-latency","base=18ms,per-item=2ms","--max-batch","1"]"#

    static func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-ab-\(UUID().uuidString)").path + "/" + name
    }

    /// `ttsload compare RUNFOLDER --format json`: its exit status and entries.
    func sides(_ folder: String) throws -> (Int32, [[String: Any]]) {
        let r = try runTTSLoad(["compare", folder, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (r.status, object?["entries"] as? [[String: Any]] ?? [])
    }

    func figure(_ list: [[String: Any]], _ scope: String, _ metric: String) -> [String: Any]? {
        list.first { $0["scope"] as? String == scope && $0["metric"] as? String == metric }
    }

    @Test func batchingOnSideBIsBetterOnThroughputAndP95AtTheHighSteps() throws {
        let out = Self.folder("batching")
        let r = try runTTSLoad(["run", Self.plan, "--out", out, "--no-store", "--no-report", "--quiet"])
        // No thresholds: exit 1 would be a regression of b, which batching never is here.
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("A/B: b against a"))
        #expect(r.stdout.contains("verdict: IMPROVEMENT"))
        #expect(FileManager.default.fileExists(atPath: out + "/compare.html"))
        #expect(FileManager.default.fileExists(atPath: out + "/server-b.log"))
        let (status, list) = try sides(out)
        #expect(status == 0)
        for metric in ["rps", "p95"] {
            let e = figure(list, "tts step 3 (8 users)", metric)
            print("A/B batching: step 3 (8 users) \(metric) a \(e?["base"] ?? "-") b \(e?["candidate"] ?? "-") "
                  + "\(e?["relative"].map { "\($0)" } ?? "-") \(e?["verdict"] ?? "-")")
            #expect(e?["verdict"] as? String == "improvement", "\(String(describing: e))")
        }
        // At 4 users batching wins on throughput; its p95 gain may sit inside the tolerance.
        let rps4 = figure(list, "tts step 2 (4 users)", "rps")
        print("A/B batching: step 2 (4 users) rps a \(rps4?["base"] ?? "-") b \(rps4?["candidate"] ?? "-") \(rps4?["verdict"] ?? "-")")
        #expect(rps4?["verdict"] as? String == "improvement")
    }

    @Test func theSameSettingsOnBothSidesAreUnchangedInThreeRunsOfThree() throws {
        for i in 1...3 {
            let out = Self.folder("aa\(i)")
            let r = try runTTSLoad(["run", Self.plan, "--out", out, "--no-store", "--no-report", "--quiet", "--set", Self.serialB])
            #expect(r.status == 0, "A/A run \(i): \(r.stdout)\(r.stderr)")
            let (status, list) = try sides(out)
            let changes = list.compactMap { e -> String? in
                let verdict = e["verdict"] as? String ?? "?"
                let line = "A/A run \(i): \(e["scope"] ?? "?") \(e["metric"] ?? "?") a \(e["base"] ?? "-") b \(e["candidate"] ?? "-") "
                    + "\(e["relative"].map { "\($0)" } ?? "-") \(verdict)"
                if ["rps", "p95"].contains(e["metric"] as? String ?? "") { print(line) }
                return verdict == "regression" || verdict == "improvement" ? line : nil
            }
            #expect(list.count > 30)
            #expect(changes.isEmpty, "\(changes)")
            #expect(status == 0)
        }
    }
}
