import Foundation
import Results
import Testing
import TestSupport

/// A distributed run judges its thresholds on the controller from every agent's samples: the p95
/// it judges is that of all raw rows together, while each agent's own p95 is different (the target
/// answers each agent at its own speed), and an abort is judged on the controller from the agents'
/// merged per-second figures. Real agents on loopback (127.0.0.x) and the Python target.
/// Named *TimingTests: `make test` runs it alone (--no-parallel).
@Suite(.serialized) struct DistributedThresholdTimingTests {
    static let token = "threshold-test-token-0123456789abcdef"
    static let agentNames = ["agent1", "agent2", "agent3"]

    @Test func theGlobalP95IsJudgedOnEveryAgentsSamplesNotOnTheirOwnP95s() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
        let lab = try NetworkLab(hosts: Self.agentNames + ["controller"], namespaces: false)
        defer { lab.close() }
        let target = try ListeningProcess(fixture: "target.py")
        let work = NSTemporaryDirectory() + "ttsload-dthresholds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tokenFile = work + "/token"
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var urls: [String] = []
        var agents: [LabProcess] = []
        for name in Self.agentNames {
            let agent = try lab.spawn(host: name, arguments: [ttsloadBinary, "agent", "--plain-http", "--listen", lab.address(of: name) + ":0",
                                                              "--token-file", tokenFile, "--name", name, "--spool-dir", work + "/spool-" + name])
            urls.append("\(name)=" + (try agent.waitForLine(startingWith: "listening on ", timeout: 60)))
            agents.append(agent)
        }
        // ${__agent} makes each agent's requests take 30, 60 or 90 ms at the target.
        let plan = work + "/plan.yaml"
        try """
            name: judged-globally
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: "/by-client/${__agent}" }, load: { users: 6, duration: 20s } }
            thresholds:
              - "p95 < 10s"
              - "p50 < 10s"
              # Every request takes 30 ms or more: fails in every second, on figures only the
              # agents' stream records carry (successful samples' latency).
              - { expr: "ok_p50 < 20ms", abort: true, after: 2s, for: 2s }
            """.write(toFile: plan, atomically: true, encoding: .utf8)
        let out = work + "/run"
        let controller = try lab.spawn(host: "controller", arguments: [ttsloadBinary, "run", plan, "--agents", urls.joined(separator: ","),
                                                                       "--token-file", tokenFile, "--out", out, "--threads", "1",
                                                                       "--no-store", "--no-report"])
        let lines = try controller.allOutput(timeout: 120)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 1, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")

        let samples = try JTLSampleReader.read(path: out + "/results.jtl").samples
        var byAgent: [String: [Int64]] = [:]
        for s in samples { byAgent[String(s.threadName.split(separator: "-").first ?? ""), default: []].append(s.elapsed / 1_000) }
        #expect(Set(byAgent.keys) == Set(Self.agentNames))
        func p(_ values: [Int64], _ q: Double) -> Double {
            let sorted = values.sorted()
            return Double(sorted[min(sorted.count, max(1, Int((q / 100 * Double(sorted.count)).rounded(.up)))) - 1])
        }
        let own95 = Self.agentNames.map { p(byAgent[$0] ?? [0], 95) }
        let own50 = Self.agentNames.map { p(byAgent[$0] ?? [0], 50) }
        // The agents' own figures differ, so no average or maximum of them is the global figure.
        #expect(own95.max()! - own95.min()! >= 40, "agents' p95: \(own95)")
        let all = samples.map { $0.elapsed / 1_000 }
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // The abort fired on the controller at 2 s + 2 s (whole seconds: up to 1 s earlier, 2 s later),
        // long before the 20 s the plan asks for, and every agent's samples were still collected.
        #expect(summary["status"] as? String == "aborted")
        let stop = try #require((summary["verdict"] as? [String: Any])?["stop"] as? [String: Any])
        let at = try #require(stop["at_seconds"] as? Double)
        #expect(at >= 3 && at <= 6, "aborted at \(at) s")
        let judged = try #require((summary["verdict"] as? [String: Any])?["thresholds"] as? [[String: Any]])
        for (i, q, own) in [(0, 95.0, own95), (1, 50.0, own50)] {
            let exact = p(all, q)
            let value = try #require(judged[i]["value"] as? Double) * 1_000
            // HdrHistogram's 0.1%, and the JTL's whole milliseconds.
            #expect(abs(value - exact) <= exact / 1_000 + 1, "p\(Int(q)): judged \(value) ms, all rows \(exact) ms")
            let mean = own.reduce(0, +) / Double(own.count)
            print("distributed thresholds: p\(Int(q)) judged \(value) ms; all rows \(exact) ms; agents \(own); their mean \(mean)")
            // Averaging the agents' percentiles (what a per-agent judge would do) gives another figure.
            if q == 95 { #expect(abs(value - mean) >= 15, "judged \(value) ms, mean of the agents' p95 \(mean) ms") }
        }
        for agent in agents { agent.terminate() }
    }
}
