import Foundation
import Results
import Testing
import TestSupport

/// `ttsload capacity` against services whose capacity is known in advance:
///
/// - The embedded server with its simulated accelerator (one per server, one batch at a time,
///   `base + per-item x batch` per batch; docs/server.md). In a closed loop of N users each request
///   waits for every batch ahead of it, so with batches of one a request takes N x (base +
///   per-item), and with batches of B (N >= 2B keeps them full) ceil(N / B) x (base + B x per-item).
///   The SLO `p95 < 1.25s` then allows 11 users serially (11 x 110 ms = 1.21 s; 12 -> 1.32 s) and 48
///   with batches of 8 (6 x 180 ms = 1.08 s; 7 batches -> 1.26 s): batching multiplies capacity by 48/11.
///   Open model, evenly spaced arrivals, serially: a rate under 1 / 110 ms = 9.09 req/s is served
///   at once, a higher one builds a backlog without end: 9 req/s. And the serial search again with
///   its levels on two agents (over TLS) against a server of its own: 11 users, split 6 + 5.
/// - A target whose service time drifts: never settles, so no answer.
/// - Ctrl-C, then `--resume`: every level kept, the JTL's rows equal to what the target served.
///
/// Named *TimingTests: `make test` runs it alone (--no-parallel).
@Suite(.serialized) struct CapacityTimingTests {
    static let quick = ["--window", "1s", "--warmup", "1s", "--min-samples", "10", "--tolerance", "20%"]

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "ttsload-capacity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func report(_ folder: String) throws -> CapacityReport {
        try JSONDecoder().decode(CapacityReport.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/capacity.json")))
    }

    func embeddedPlan(maxBatch: Int, in work: String) throws -> String {
        let path = work + "/batch-\(maxBatch).yaml"
        try """
            name: batch-\(maxBatch)
            target:
              url: embedded
              server_args: ["--workers", "2", "--cache-mb", "0", "--max-batch", "\(maxBatch)", "--model-latency", "base=100ms,per-item=10ms"]
            thread_groups:
              - name: tts
                request: { text: "Capacity." }
                load: { users: 1, duration: 10s }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func serialAndBatchedCapacityMatchQueueingTheory() throws {
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        var found: [Int: CapacityReport] = [:]
        // The two searches run side by side, each against its own server: both wait on their
        // simulated accelerators far more than they use a core.
        var searches: [(batch: Int, process: RunningTTSLoad)] = []
        for (batch, start) in [(1, 8), (8, 32)] {
            searches.append((batch, try RunningTTSLoad(["capacity", try embeddedPlan(maxBatch: batch, in: work), "--slo", "p95 < 1.25s, error_rate < 1%",
                                                        "--start", "\(start)", "--out", work + "/r\(batch)", "--no-report"] + Self.quick)))
        }
        let open = try RunningTTSLoad(["capacity", try embeddedPlan(maxBatch: 1, in: work), "--open", "--slo", "p95 < 1s, error_rate < 1%",
                                       "--start", "8", "--max-windows", "6", "--out", work + "/open", "--no-report"] + Self.quick)
        // The same serial service behind two agents.
        let server = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--workers", "2", "--cache-mb", "0", "--max-batch", "1",
                                           "--model-latency", "base=100ms,per-item=10ms"])
        let certificates = try AgentCertificates(hosts: ["127.0.0.1"], in: work + "/certs")
        let tokenFile = work + "/token"
        try "capacity-agents-token-0123456789".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let agents = try (1...2).map { n in
            try ListeningProcess([ttsloadBinary, "agent", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--name", "a\(n)",
                                  "--spool-dir", work + "/spool\(n)"] + certificates.agentArguments)
        }
        let agentPlan = work + "/agents.yaml"
        try """
            name: agents
            target: { url: "\(server.address)" }
            thread_groups:
              - { name: tts, request: { text: "Capacity." }, load: { users: 1, duration: 10s } }
            """.write(toFile: agentPlan, atomically: true, encoding: .utf8)
        let onAgents = try RunningTTSLoad(["capacity", agentPlan, "--slo", "p95 < 1.25s, error_rate < 1%", "--start", "8",
                                           "--agents", agents.enumerated().map { "a\($0.offset + 1)=" + $0.element.address }.joined(separator: ","),
                                           "--token-file", tokenFile, "--ca", certificates.ca, "--out", work + "/agents", "--no-report"] + Self.quick)
        for (batch, process) in searches {
            let out = work + "/r\(batch)"
            let result = try #require(process.wait(timeout: 300), "the search with batches of \(batch) did not end")
            print("capacity, max batch \(batch):\n\(result.stdout)")
            #expect(result.status == 0, "\(result.stderr)")
            let report = try report(out)
            found[batch] = report
            #expect(report.answer.kind == .found, "\(report.answer.text)")
            // The answer was measured twice, the second time last.
            #expect(report.levels.last?.confirmation == true && report.levels.last?.users == report.answer.maxUsers)
            // The JTL holds every level's samples.
            let rows = try JTLSampleReader.read(path: out + "/results.jtl").samples.count
            #expect(rows >= report.levels.reduce(0) { $0 + $1.samples })
        }
        let serial = try #require(found[1]?.answer.maxUsers), batched = try #require(found[8]?.answer.maxUsers)
        #expect(abs(Double(serial) - 11) <= 1.1, "serial capacity \(serial), theory 11")
        #expect(abs(Double(batched) - 48) <= 4.8, "batched capacity \(batched), theory 48")
        let factor = Double(batched) / Double(serial)
        // Within 10%, inclusive: 48 / 10 users (both answers within their own tolerance) is 10.0000...01%
        // off in floating point.
        #expect(abs(factor - 48.0 / 11) <= 0.1 * 48 / 11 + 1e-9, "batching multiplied capacity by \(factor), theory \(48.0 / 11)")
        // The open model: the most evenly spaced arrivals a second the accelerator keeps up with.
        let openResult = try #require(open.wait(timeout: 300), "the open-model search did not end")
        print("capacity, open model:\n\(openResult.stdout)")
        #expect(openResult.status == 0, "\(openResult.stderr)")
        let openReport = try report(work + "/open")
        let rate = try #require(openReport.answer.maxUsers, "\(openReport.answer.text)")
        #expect(abs(Double(rate) - 1 / 0.11) <= 0.1 / 0.11, "open-model capacity \(rate) req/s, theory 9.09")
        #expect(openReport.answer.text.hasPrefix("max rate within SLO: \(rate) req/s"))
        // On agents: the same answer as in one process, and every level's samples came from both.
        let agentsResult = try #require(onAgents.wait(timeout: 300), "the search on agents did not end")
        print("capacity on agents:\n\(agentsResult.stdout)")
        #expect(agentsResult.status == 0, "\(agentsResult.stderr)")
        let agentsReport = try report(work + "/agents")
        let onAgentsUsers = try #require(agentsReport.answer.maxUsers, "\(agentsReport.answer.text)")
        #expect(abs(Double(onAgentsUsers) - 11) <= 1.1, "capacity on agents \(onAgentsUsers), theory 11")
        let agentRows = try JTLSampleReader.read(path: work + "/agents/results.jtl").samples
        #expect(Set(agentRows.map { String($0.threadName.split(separator: "-").first ?? "") }) == ["a1", "a2"])  // "a1-tts 1-1"
        #expect(agentRows.count >= agentsReport.levels.reduce(0) { $0 + $1.samples })
        // Throughput at the answer is the accelerator's: 1 / 110 ms serially, 8 / 180 ms batched.
        for (batch, expected) in [(1, 1 / 0.11), (8, 8 / 0.18)] {
            let answer = try #require(found[batch]?.levels.last)
            #expect(abs(answer.requestsPerSecond - expected) <= 0.1 * expected, "batch \(batch): \(answer.requestsPerSecond) req/s, theory \(expected)")
        }
    }

    @Test func aDriftingTargetIsReportedUnstableNotAnswered() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try temporaryFile("""
            name: drift
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /drift/20 }, load: { users: 1, duration: 10s } }
            """)
        let result = try runTTSLoad(["capacity", plan, "--slo", "p95 < 10s", "--window", "1s", "--warmup", "1s", "--min-samples", "3",
                                     "--tolerance", "10%", "--max-windows", "5", "--out", work + "/r", "--no-report"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        let report = try report(work + "/r")
        #expect(report.answer.kind == .unstable && report.answer.unstableAt == 1 && report.answer.maxUsers == nil, "\(report.answer)")
        #expect(result.stdout.contains("no answer: 1 user did not settle in 5 windows"), "\(result.stdout)")
        #expect(report.levels.map(\.verdict) == [.unstable])
    }

    @Test func ctrlCKeepsEveryLevelAndResumeFinishesTheSearch() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try temporaryFile("""
            name: resume
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/20 }, load: { users: 1, duration: 10s } }
            """)
        let out = work + "/r"
        let arguments = ["capacity", plan, "--slo", "p95 < 1s", "--max-level", "2", "--out", out, "--no-report"] + Self.quick
        func served() throws -> Int {
            let stats = try JSONSerialization.jsonObject(with: Data(runCommand(["curl", "-fsS", target.address + "/stats"]).stdout.utf8)) as? [String: Int]
            return try #require(stats?["requests"])
        }
        let first = try RunningTTSLoad(arguments)
        // capacity.json appears when the first level has been judged: interrupt the second.
        let deadline = Date(timeIntervalSinceNow: 60)
        while !FileManager.default.fileExists(atPath: out + "/capacity.json") && Date() < deadline { usleep(50_000) }
        first.process.interrupt()
        let interrupted = try #require(first.wait(timeout: 60))
        #expect(interrupted.status == 130, "\(interrupted.stdout)\n\(interrupted.stderr)")
        let kept = try report(out)
        #expect(kept.answer.kind == .incomplete && kept.levels.first?.users == 1 && kept.levels.first?.verdict == .good, "\(kept.levels.map(\.verdict))")
        #expect(kept.levels.last?.verdict == .interrupted)
        // Every request the target served (but the probe) is a row of the JTL.
        let rowsThen = try JTLSampleReader.read(path: out + "/results.jtl").samples.count
        #expect(rowsThen == (try served()) - 1)

        let resumed = try runTTSLoad(Array(arguments.prefix(4)) + ["--resume", out, "--no-report"])
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        let done = try report(out)
        #expect(done.answer.kind == .atLeast && done.answer.maxUsers == 2, "\(done.answer.text)")
        #expect(done.levels.map(\.users) == [1, 2, 2] && done.levels.allSatisfy { $0.verdict == .good })
        #expect(try JTLSampleReader.read(path: out + "/results.jtl").samples.count == (try served()) - 2)  // two probes
    }
}
