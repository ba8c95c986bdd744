import Foundation
import Testing
import TestSupport

/// Real runs against the embedded server's simulated accelerator (plans/model-latency.yaml:
/// sleep-dominated latency, so the shared machine's noise matters little), compared for real.
/// `make test` runs this suite alone and serialized; about 2.5 minutes.
@Suite(.serialized) struct CompareTimingTests {
    static let plan = "plans/model-latency.yaml"
    static let batching = #"target.server_args=["--cache-mb","0","--workers","2","--queue","256","--model-latency","base=18ms,per-item=2ms","--max-batch","8"]"#

    /// The store run id `ttsload run` printed.
    func runID(_ stdout: String) -> String? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("store: ") }),
              let open = line.lastIndex(of: "(") else { return nil }
        return String(line[open...].dropFirst(5).dropLast())
    }

    /// `ttsload compare --format json` entries.
    func entries(_ base: String, _ candidate: String, store: String) throws -> (Int32, [[String: Any]]) {
        let r = try runTTSLoad(["compare", base, candidate, "--format", "json", "--store", store])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (r.status, object?["entries"] as? [[String: Any]] ?? [])
    }

    @Test func aaPairsAreNotChangesAndBatchingIsAnImprovementAtTheHighSteps() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-compare-\(UUID().uuidString)").path
        let store = dir + "/ttsload.sqlite"
        var ids: [String] = []
        for i in 1...6 {
            let r = try runTTSLoad(["run", Self.plan, "--out", "\(dir)/aa\(i)", "--store", store, "--no-report", "--quiet"])
            try #require(r.status == 0, "\(r.stderr)")
            ids.append(try #require(runID(r.stdout)))
        }
        // Two A/A comparisons of three runs a side, interleaved (odd against even runs), the first from
        // run folders, the second from the store by run id. Other work shares these two cores and comes
        // and goes between runs: a single pair of separate runs can meet a real change of the machine
        // (a build starting between them made one pair's p95 at 4 users +13.6%, beyond its interval).
        // Replicates a side are the documented answer (docs/compare.md): the spread between runs widens
        // the interval, so neither comparison may show a change, and none is run again.
        let pairs = [("\(dir)/aa1,\(dir)/aa3,\(dir)/aa5", "\(dir)/aa2,\(dir)/aa4,\(dir)/aa6"),
                     ("\(ids[1]),\(ids[3]),\(ids[5])", "\(ids[0]),\(ids[2]),\(ids[4])")]
        for (k, (a, b)) in pairs.enumerated() {
            let (status, list) = try entries(a, b, store: store)
            // Every metric counts, as it does for the exit status (a p90 change alone makes it 1).
            let changes = list.compactMap { e -> String? in
                let verdict = e["verdict"] as? String ?? "?"
                let line = "A/A \(k + 1): \(e["scope"] ?? "?") \(e["metric"] ?? "?") \(e["relative"].map { "\($0)" } ?? "-") \(verdict)"
                print(line)
                return verdict == "regression" || verdict == "improvement" ? line : nil
            }
            #expect(list.count > 30)
            #expect(changes.isEmpty, "\(changes)")
            #expect(status == 0)
        }
        // Batching on (max-batch 8) against the first run as a named baseline, in one `run --compare-to`.
        let set = try runTTSLoad(["baseline", "set", ids[0], "--name", "serial", "--store", store])
        #expect(set.status == 0, "\(set.stderr)")
        let out = "\(dir)/batched"
        let r = try runTTSLoad(["run", Self.plan, "--out", out, "--store", store, "--no-report", "--quiet", "--set", Self.batching,
                                "--compare-to", "serial"])
        // Exit 0, or 1 only together with a listed regression (a spike of the shared machine at the low step).
        #expect(r.status == 0 || r.status == 1 && r.stdout.contains("verdict: REGRESSION"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("compared with baseline serial:"))
        #expect(r.stdout.contains("IMPROVEMENT"))
        #expect(FileManager.default.fileExists(atPath: out + "/compare.html"))
        let (_, list) = try entries("serial", out, store: store)
        // At 8 users batching wins on every figure. At 4 users it wins on throughput and median; its
        // p95 gain depends on the serial run's tail: on a quiet machine serial p95 sits at its p50
        // (83 vs 82 ms seen) and batching's -6% is inside the 10% tolerance, so there it must only
        // not be a regression.
        for step in ["tts step 2 (4 users)", "tts step 3 (8 users)"] {
            for metric in ["rps", "p50", "p95"] {
                let e = list.first { $0["scope"] as? String == step && $0["metric"] as? String == metric }
                let allowed = step.hasPrefix("tts step 2") && metric == "p95" ? ["improvement", "unchanged"] : ["improvement"]
                #expect(allowed.contains(e?["verdict"] as? String ?? "-"), "\(step) \(metric): \(String(describing: e))")
                print("batching vs serial: \(step) \(metric) \(e?["relative"].map { "\($0)" } ?? "-") \(e?["verdict"] ?? "-")")
            }
        }
    }
}
