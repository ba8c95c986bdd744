import Foundation
import Results
import Synchronization
import Testing
import TestSupport

/// Monitors recorded beside real runs, held against what the monitored programs say themselves:
/// the embedded TTS server's own /metrics (read by Prometheus' Python client), Debian's
/// prometheus-node-exporter, /proc/meminfo, and the leak knob of the server.
@Suite struct MonitorRunTests {
    /// Every sample of a /metrics page, read by prometheus_client (Tests/Fixtures/prom_read.py).
    static func metrics(_ url: String) throws -> [String: Double] {
        let text = try commandOutput(["/usr/bin/env", "python3", repositoryRoot + "/Tests/Fixtures/prom_read.py", url])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Double])
    }

    static func scratch(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func summary(_ folder: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any])
    }

    static func monitorSection(_ summary: [String: Any]) throws -> [String: Any] {
        try #require(summary["monitors"] as? [String: Any])
    }

    /// Σ value × seconds to the next point: what a rate series adds up to over its points.
    static func integral(_ points: [(micros: Int64, value: Double)]) -> Double {
        zip(points, points.dropFirst()).reduce(0) { $0 + $1.1.value * Double($1.1.micros - $1.0.micros) / 1_000_000 }
    }

    /// One server, one batch at a time (simulated accelerator), batches of up to 4: with 2 and then 8
    /// closed-model users, the queue holds users less those in the batch. The stored series are
    /// checked against the server's own counters and gauges read before and after the run.
    @Test func embeddedServerSeriesAgreeWithItsOwnMetrics() throws {
        let server = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "1", "--max-batch", "4",
                                           "--cache-mb", "0", "--model-latency", "base=100ms,per-item=10ms"])
        let work = try Self.scratch("monitors")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let before = try Self.metrics(server.address + "/metrics")
        let plan = try temporaryFile("""
            name: monitored
            target: { url: "\(server.address)", api: indextts }
            thread_groups:
              - { name: g, request: { text: "hello there, a short sentence" }, load: { steps: [2, 8], ramp_up: 0s, hold: 4s } }
            monitors:
              - { prometheus: "${target}/metrics", interval: 500ms }
            thresholds:
              - "target:tts_queue_depth max < 64"
            """)
        let out = work + "/run", store = work + "/store.sqlite"
        let run = try runTTSLoad(["run", plan, "--out", out, "--store", store])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let after = try Self.metrics(server.address + "/metrics")

        let db = try ResultStore(path: store)
        let id = try #require(try db.latestRun(source: URL(fileURLWithPath: out).standardizedFileURL.path))
        let series = Dictionary(uniqueKeysWithValues: try db.monitorSeries(run: id).map { ($0.name, $0.points) })
        let queue = try #require(series["target:tts_queue_depth"])
        let rss = try #require(series["target:process_resident_memory_bytes"])
        let batchMean = try #require(series["target:tts_batch_size_mean"])
        let batchRate = try #require(series["target:rate(tts_batch_size_count)"])
        let requests = try #require(series["target:rate(tts_requests_total{route=\"/v1/tts\",code=\"200\"})"]
                                    ?? series["target:rate(tts_requests_total{code=\"200\",route=\"/v1/tts\"})"])
        #expect((series["target:up"] ?? []).allSatisfy { $0.value == 1 })

        // Queue depth by the schedule: never more than the users (all 8 are queued for the moment
        // between a batch's answers going out and the worker taking the next batch, a moment a
        // busy machine stretches); at 8 users (step 2, from 4 s on) the queue holds the users the
        // batch of 4 leaves out.
        let t0 = queue.first!.micros
        #expect(queue.allSatisfy { $0.value <= 8 }, "queue depth above the users: \(queue.map(\.value).max() ?? 0)")
        let step2 = queue.filter { $0.micros - t0 >= 5_000_000 && $0.micros - t0 < 8_000_000 }.map(\.value)
        #expect(!step2.isEmpty && step2.reduce(0, +) / Double(step2.count) >= 3, "queue depth at 8 users: \(step2)")

        // Queue depth against the server's own queue-wait total (Little's law): the queue's length
        // integrated over time is the sum of every job's wait in it, which the server counts in
        // tts_queue_wait_seconds_sum. The stored gauge is sampled every 500 ms while batches turn
        // over every ~140 ms, so the integral is an estimate: within 35%.
        let waited = try #require(after["tts_queue_wait_seconds_sum"]) - (before["tts_queue_wait_seconds_sum"] ?? 0)
        let queued = Self.integral(queue)
        #expect(waited > 1 && abs(queued - waited) <= 0.35 * waited, "stored queue depth integrates to \(queued) job-seconds, the server's waits sum to \(waited) s")

        // Batch size: the stored per-interval means weighted by the batches in each interval are the
        // server's Δsum / Δcount over the scraped span, which is nearly all of the run.
        let batches = try #require(after["tts_batch_size_count"]) - (before["tts_batch_size_count"] ?? 0)
        let serverMean = (try #require(after["tts_batch_size_sum"]) - (before["tts_batch_size_sum"] ?? 0)) / batches
        var weighted = 0.0, weight = 0.0
        for (i, p) in batchRate.enumerated() where i > 0 {
            let dt = Double(p.micros - batchRate[i - 1].micros) / 1_000_000
            if let mean = batchMean.first(where: { $0.micros == p.micros })?.value {
                weighted += mean * p.value * dt
                weight += p.value * dt
            }
        }
        #expect(weight > 0 && abs(weighted / weight - serverMean) <= 0.1 * serverMean, "stored \(weighted / weight), server \(serverMean)")
        #expect(weight <= batches + 0.5 && weight >= 0.75 * batches, "batches counted \(weight) of \(batches)")

        // Requests: the stored rate adds up to the server's own count over the scraped span.
        let served = try #require(after["tts_requests_total{code=\"200\",route=\"/v1/tts\"}"])
            - (before["tts_requests_total{code=\"200\",route=\"/v1/tts\"}"] ?? 0)
        let counted = Self.integral(requests)
        #expect(counted <= served + 0.5 && counted >= 0.75 * served, "rate integral \(counted), server counted \(served)")

        // RSS: the last stored value is what the server reports once the load has stopped.
        let lastRSS = rss.last!.value, serverRSS = try #require(after["process_resident_memory_bytes"])
        #expect(abs(lastRSS - serverRSS) <= 0.1 * serverRSS, "stored \(lastRSS), server \(serverRSS)")

        // The same series in the summary (per step), the verdict, the terminal and the dashboard's charts.
        let monitors = try Self.monitorSection(try Self.summary(out))
        let steps = try #require((monitors["steps"] as? [String: Any])?["target:tts_queue_depth"] as? [String: Any])
        #expect(steps.keys.sorted() == ["step 1", "step 2"])
        #expect(run.stdout.contains("target:tts_queue_depth max < 64") && run.stdout.contains("verdict: PASSED"))
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        for title in ["target:tts_queue_depth", "target:process_resident_memory_bytes", "target:tts_batch_size_mean"] {
            #expect(html.contains("aria-label=\"\(title)"), "no chart \(title)")
        }
    }

    /// Debian's node exporter, scraped as any exporter: its series appear, named by the monitor,
    /// and its memory figure is the kernel's (read here from /proc/meminfo).
    @Test func nodeExporterSeriesAppear() throws {
        let exporter = "/usr/bin/prometheus-node-exporter"
        try #require(FileManager.default.isExecutableFile(atPath: exporter), "./setup installs prometheus-node-exporter")
        let port = closedPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exporter)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.cpu",
                             "--collector.meminfo", "--collector.loadavg"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)/metrics"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? Self.metrics(url))?["node_load1"] != nil
            if !ready { usleep(100_000) }
        }
        try #require(ready, "node exporter did not answer on \(url)")
        let target = try ListeningProcess(fixture: "target.py")
        let work = try Self.scratch("node-exporter")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try temporaryFile("""
            name: node
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/20 }, load: { users: 2, duration: 4s } }
            monitors:
              - { prometheus: "\(url)", name: node, match: ["node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_load1"] }
            """)
        let run = try runTTSLoad(["run", plan, "--out", work + "/run", "--no-report"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let availableKB = try #require(meminfo.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }?
            .split(separator: " ").dropFirst().first.flatMap { Double($0) })
        let series = try #require(try Self.monitorSection(try Self.summary(work + "/run"))["series"] as? [String: [String: Any]])
        let available = try #require(series["node:node_memory_MemAvailable_bytes"]?["last"] as? Double)
        #expect(abs(available - availableKB * 1024) <= 0.2 * availableKB * 1024, "exporter \(available), /proc \(availableKB * 1024)")
        #expect(series["node:node_load1"] != nil)
        // Counters become per-second rates: CPU seconds per second of one core, between 0 and 1.
        let idle = try #require(series["node:rate(node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"})"]?["mean"] as? Double)
        #expect(idle >= 0 && idle <= 1.05)
        // Only the matched families.
        #expect(!series.keys.contains { $0.hasPrefix("node:") && !$0.contains("node_cpu_seconds_total") && !$0.contains("node_memory_MemAvailable")
                    && !$0.contains("node_load1") && $0 != "node:up" })
    }

    /// The leak knob of the embedded server against a clean server, run side by side under the
    /// same constant load: the leaking server's RSS is flagged with a slope that matches what it
    /// leaked (its own tts_leaked_bytes), the clean one's is not flagged.
    @Test func leakRehearsalIsFlaggedAndACleanRunIsNot() throws {
        let leaking = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "1", "--cache-mb", "0",
                                            "--leak-kb-per-request", "256"])
        let clean = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "1", "--cache-mb", "0"])
        let work = try Self.scratch("leak")
        defer { try? FileManager.default.removeItem(atPath: work) }
        func plan(_ server: ListeningProcess, _ name: String) throws -> String {
            try temporaryFile("""
                name: \(name)
                target: { url: "\(server.address)", api: indextts }
                defaults: { think_time: { constant: 20ms } }
                thread_groups:
                  - { name: g, request: { text: "a soak test sentence" }, load: { users: 3, duration: 24s } }
                monitors:
                  - { prometheus: "${target}/metrics", match: ["process_resident_memory_bytes", "tts_leaked_bytes"] }
                """)
        }
        let plans = [try plan(leaking, "leaking"), try plan(clean, "clean")]
        let outcomes = Mutex<[CommandResult?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = try? runTTSLoad(["run", plans[i], "--out", work + "/run\(i)", "--no-report"])
            outcomes.withLock { $0[i] = r }
        }
        let results = outcomes.withLock { $0 }
        for r in results { #expect(r?.status == 0, "\(r?.stdout ?? "")\n\(r?.stderr ?? "")") }
        let leakingMonitors = try Self.monitorSection(try Self.summary(work + "/run0"))
        let cleanMonitors = try Self.monitorSection(try Self.summary(work + "/run1"))
        let leaks = try #require(leakingMonitors["leaks"] as? [[String: Any]])
        let rss = try #require(leaks.first { $0["series"] as? String == "target:process_resident_memory_bytes" })
        #expect((cleanMonitors["leaks"] as? [[String: Any]])?.contains { $0["series"] as? String == "target:process_resident_memory_bytes" } == false)
        // The flagged slope is the server's own leak rate: its tts_leaked_bytes grew this fast too.
        let slope = try #require((rss["slope"] as? [String: Any])?["per_hour"] as? Double)
        let leakedGrowth = try #require((leakingMonitors["leaks"] as? [[String: Any]])?.first { $0["series"] as? String == "target:tts_leaked_bytes" })
        let leakedSlope = try #require((leakedGrowth["slope"] as? [String: Any])?["per_hour"] as? Double)
        #expect(abs(slope - leakedSlope) <= 0.3 * leakedSlope, "RSS grows \(slope)/h, the server leaked \(leakedSlope)/h")
        #expect(results[0]?.stdout.contains("possible leak: target:process_resident_memory_bytes") == true)
    }
}
