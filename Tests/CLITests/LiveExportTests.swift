import Foundation
import Testing
import TestSupport

/// A run watched by Debian's Prometheus, both ways at once: Prometheus scrapes the run's
/// `--metrics-listen` endpoint, and the run pushes the same series to Prometheus' remote-write
/// receiver. What Prometheus then answers is held against the run's JTL: the request counter is
/// its row count, and `histogram_quantile(0.95, ...)` lands in the bucket holding its p95. Every
/// query of deploy/grafana/ttsload.json then runs against that Prometheus.
@Suite(.serialized) struct LiveExportTests {
    /// Debian's prometheus on a loopback port, its storage in `folder`, scraping `target` each second.
    final class PrometheusServer: @unchecked Sendable {
        let process = Process()
        let url: String

        init(folder: String, target: String) throws {
            let binary = "/usr/bin/prometheus"
            try #require(FileManager.default.isExecutableFile(atPath: binary), "./setup installs prometheus")
            let config = folder + "/prometheus.yml"
            try """
            global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }
            scrape_configs:
              - job_name: ttsload
                static_configs: [{ targets: ["\(target)"] }]
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let port = closedPort()
            url = "http://127.0.0.1:\(port)"
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(folder)/data", "--web.listen-address=127.0.0.1:\(port)",
                                 "--web.enable-remote-write-receiver", "--log.level=warn"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: { FileManager.default.createFile(atPath: folder + "/prometheus.log", contents: nil); return folder + "/prometheus.log" }()))
            try process.run()
            // Ready once /-/ready answers 200: polled, at most 30 s.
            let deadline = Date(timeIntervalSinceNow: 30)
            var ready = false
            while !ready && Date() < deadline && process.isRunning {
                ready = (try? runCommand(["curl", "-sf", "-o", "/dev/null", url + "/-/ready"]))?.succeeded == true
                if !ready { usleep(100_000) }
            }
            let log = (try? String(contentsOfFile: folder + "/prometheus.log", encoding: .utf8)) ?? ""
            try #require(ready, "prometheus did not become ready on \(url): \(log)")
        }

        /// An instant query's result vector at `time` (epoch seconds).
        func query(_ promql: String, at time: Double) throws -> (status: String, vector: [(labels: [String: String], value: Double)]) {
            let out = try runCommand(["curl", "-s", "--max-time", "10", "--data-urlencode", "query=\(promql)",
                                      "--data-urlencode", "time=\(time)", url + "/api/v1/query"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(promql): \(out.stdout)")
            let status = json["status"] as? String ?? "?"
            guard status == "success" else { return (status + ": " + (json["error"] as? String ?? ""), []) }
            let data = json["data"] as? [String: Any] ?? [:]
            let rows = (data["result"] as? [[String: Any]] ?? []).map { row in
                let pair = row["value"] as? [Any] ?? []
                return (labels: row["metric"] as? [String: String] ?? [:], value: Double(pair.last as? String ?? "") ?? .nan)
            }
            return (status, rows)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Elapsed times (ms) of the JTL's rows.
    static func jtlElapsed(_ path: String) throws -> [Int] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let column = try #require(header.firstIndex(of: "elapsed"))
        return lines.dropFirst().map { Int($0.split(separator: ",", omittingEmptySubsequences: false)[column]) ?? -1 }
    }

    @Test func prometheusSeesWhatTheJTLHolds() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-export-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // The simulated accelerator spreads latencies over several buckets: one batch of up to 4 at a time.
        let server = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "1", "--max-batch", "4",
                                           "--cache-mb", "0", "--model-latency", "base=40ms,per-item=30ms"])
        let metricsPort = closedPort()
        let prometheus = try PrometheusServer(folder: work, target: "127.0.0.1:\(metricsPort)")
        let plan = try temporaryFile("""
            name: exported
            target: { url: "\(server.address)", api: indextts }
            thread_groups:
              - { name: g, request: { label: speak, text: "hello there, a short sentence" }, load: { steps: [2, 6], ramp_up: 0s, hold: 3s } }
            """)
        let folder = work + "/export-run"
        let run = try runTTSLoad(["run", plan, "--out", folder, "--metrics-listen", "127.0.0.1:\(metricsPort)", "--metrics-linger", "20",
                                  "--export", "prometheus-rw=\(prometheus.url)/api/v1/write"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("metrics: http://127.0.0.1:\(metricsPort)/metrics (run=\"export-run\")"), "\(run.stderr)")
        #expect(!run.stderr.contains("no scrape came"), "\(run.stderr)")
        #expect(!run.stderr.contains("lost"), "\(run.stderr)")
        let now = Date().timeIntervalSince1970

        let elapsed = try Self.jtlElapsed(folder + "/results.jtl")
        try #require(elapsed.count > 20, "rows: \(elapsed.count)")
        // Nearest-rank p95 of the JTL, seconds.
        let sorted = elapsed.sorted()
        let p95 = Double(sorted[Int((0.95 * Double(sorted.count)).rounded(.up)) - 1]) / 1_000
        let bounds = [0] + [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60]
        let upper = try #require(bounds.firstIndex { $0 >= p95 })
        // The JTL keeps whole ms and the histogram 3 digits: a p95 within 1 ms of a bound may sit in either neighbour.
        var low = bounds[max(0, upper - 1)], high = bounds[upper]
        if p95 - low <= 0.001 + low * 0.002 { low = bounds[max(0, upper - 2)] }
        if high - p95 <= 0.001 + high * 0.002, upper + 1 < bounds.count { high = bounds[upper + 1] }

        for (job, how) in [("ttsload", "scraped"), ("", "pushed")] {
            let selector = "run=\"export-run\", plan=\"exported\", job=\"\(job)\""
            let requests = try prometheus.query("sum(last_over_time(ttsload_requests_total{\(selector)}[10m]))", at: now)
            #expect(requests.vector.first?.value == Double(elapsed.count), "\(how): requests \(requests) vs \(elapsed.count) JTL rows")
            let errors = try prometheus.query("sum(last_over_time(ttsload_request_errors_total{\(selector)}[10m]))", at: now)
            #expect(errors.vector.first?.value == 0, "\(how): errors \(errors)")
            let quantile = try prometheus.query(
                "histogram_quantile(0.95, sum by (le) (last_over_time(ttsload_request_duration_seconds_bucket{\(selector)}[10m])))", at: now)
            let estimate = try #require(quantile.vector.first?.value, "\(how): \(quantile)")
            #expect(estimate >= low && estimate <= high, "\(how): histogram_quantile \(estimate) s, JTL p95 \(p95) s (bucket \(low)...\(high))")
            let running = try prometheus.query("last_over_time(ttsload_running{\(selector)}[10m])", at: now)
            #expect(running.vector.map(\.value) == [0], "\(how): running \(running)")
            let steps = try prometheus.query("max_over_time(ttsload_step{\(selector)}[10m])", at: now)
            #expect(steps.vector.map(\.value) == [2], "\(how): steps \(steps)")
            let planned = try prometheus.query("max_over_time(ttsload_users_planned{\(selector), group=\"g\"}[10m])", at: now)
            #expect(planned.vector.map(\.value) == [6], "\(how): planned users \(planned)")
        }

        // Every query of the Grafana dashboard runs (variables as Grafana fills them in).
        let dashboard = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/deploy/grafana/ttsload.json"))) as? [String: Any])
        var exprs: [(title: String, expr: String)] = []
        for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                exprs.append((panel["title"] as? String ?? "?", target["expr"] as? String ?? ""))
            }
        }
        for annotation in (dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
            exprs.append(("annotation", annotation["expr"] as? String ?? ""))
        }
        var empty: [String] = []
        for (title, expr) in exprs {
            let filled = expr.replacingOccurrences(of: "$run", with: "export-run").replacingOccurrences(of: "$label", with: ".+")
                .replacingOccurrences(of: "$__rate_interval", with: "1m")
            // At the run's last seconds, where rates over a minute are all defined.
            let result = try prometheus.query(filled, at: now - 2)
            #expect(result.status == "success", "\(title): \(filled): \(result.status)")
            // Errors by class (none in this run), agents and open-model groups (none) and the
            // odd-step annotation (step 2 at the end) may be empty; the rest draws.
            let mayBeEmpty = ["errors_by_class", "agent_users", "arrival_rate", "% 2 == 1"].contains { expr.contains($0) }
            if result.vector.isEmpty && !mayBeEmpty { empty.append("\(title): \(filled)") }
        }
        #expect(empty.isEmpty, "queries with no data: \(empty)")
        withExtendedLifetime(server) {}
    }
}
