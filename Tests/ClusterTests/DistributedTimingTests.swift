import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// A distributed run across hosts: network namespaces joined by a bridge (198.18.0.0/15), one per
/// agent, one for the embedded TTS server, one for the controller; where namespaces cannot be made
/// (not root), the same test on 127.0.0.x. One agent's wall clock is shifted +2.5 s by libfaketime.
/// The control channel is TLS, as by default: one pair from `ttsload agent-cert` for the three
/// agents' addresses, the controller given its CA and bare `host:port` addresses.
/// Measured at the real counterparts: the server's own gauges and counters, the JTL's rows.
/// Named *TimingTests: `make test` runs it alone (--no-parallel).
@Suite(.serialized) struct DistributedTimingTests {
    static let token = "cluster-test-token-0123456789abcdef"
    static let steps = [4, 7, 10]
    static let rampSeconds = 1.0
    static let holdSeconds = 4.0

    /// The lab: a server, a controller and three agents, each on its own host.
    final class Cluster {
        let lab: NetworkLab
        let server: LabProcess
        let serverURL: String
        var agents: [String: LabProcess] = [:]
        let agentURLs: [String: String]
        let work: String
        let tokenFile: String
        let certificates: AgentCertificates

        init(fakeShift: Double) throws {
            let lab = try NetworkLab(hosts: ["server", "controller", "agent1", "agent2", "agent3"])
            self.lab = lab
            print("cluster test: \(lab.description)")
            work = NSTemporaryDirectory() + "ttsload-cluster-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            tokenFile = work + "/token"
            try DistributedTimingTests.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let serverAddress = lab.address(of: "server")
            var urls: [String: String] = [:]
            for name in ["agent1", "agent2", "agent3"] { urls[name] = "\(lab.address(of: name)):7070" }
            agentURLs = urls
            certificates = try AgentCertificates(hosts: ["agent1", "agent2", "agent3"].map(lab.address(of:)), in: work + "/certs")
            // Every address each host will send to must resolve to an interface the lab made, before any load.
            try lab.checkRoutes(from: "controller", to: ["agent1", "agent2", "agent3"].map { lab.address(of: $0) })
            for name in ["agent1", "agent2", "agent3"] { try lab.checkRoutes(from: name, to: [serverAddress]) }

            // Sleep-dominated service (simulated model latency, batches of up to 16): every user
            // always has its request inside the server, so the server's gauges count users.
            let server = try lab.spawn(host: "server", arguments: [ttsloadBinary, "server", "--host", serverAddress, "--port", "18080",
                                                                "--workers", "2", "--cache-mb", "0", "--max-batch", "16",
                                                                "--batch-wait-ms", "2", "--model-latency", "base=150ms"])
            self.server = server
            serverURL = "http://" + (try server.waitForLine(startingWith: "listening on http://"))
            for name in ["agent1", "agent2", "agent3"] { try startAgent(name, fakeShift: name == "agent3" ? fakeShift : 0) }
        }

        func startAgent(_ name: String, fakeShift: Double) throws {
            let command = [ttsloadBinary, "agent", "--listen", agentURLs[name]!, "--token-file", tokenFile,
                           "--name", name, "--spool-dir", work + "/spool-" + name] + certificates.agentArguments
            let prefix = fakeShift == 0 ? [] : try NetworkLab.fakeTimeArguments(shift: fakeShift)
            let agent = try lab.spawn(host: name, arguments: prefix + command)
            try agent.waitForLine(startingWith: "listening on ")
            agents[name] = agent
        }

        func plan() throws -> String {
            let yaml = """
                name: cluster
                target: { url: "\(serverURL)" }
                thread_groups:
                  - name: tts
                    request: { text: "Distributed load, one profile." }
                    load: { steps: \(DistributedTimingTests.steps), ramp_up: \(Int(DistributedTimingTests.rampSeconds * 1000))ms, hold: \(Int(DistributedTimingTests.holdSeconds))s }
                """
            let path = work + "/cluster.yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func controller(out: String, extra: [String] = []) throws -> LabProcess {
            let list = ["agent1", "agent2", "agent3"].map { "\($0)=\(agentURLs[$0]!)" }.joined(separator: ",")
            return try lab.spawn(host: "controller", arguments: [ttsloadBinary, "run", try plan(), "--agents", list,
                                                                  "--token-file", tokenFile, "--ca", certificates.ca, "--out", out, "--threads", "2",
                                                                  "--no-store", "--no-report"] + extra)
        }

        /// The server's own figures from /metrics (fetched from inside the lab, through the controller's host).
        func metrics() throws -> [String: Double] {
            let text = try insideLab(["curl", "-fsS", serverURL + "/metrics"])
            var out: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0]), default: 0] += v }
            }
            return out
        }

        /// An agent's status, asked from inside the lab (the controller's host) with the token.
        func agentStatus(_ name: String) throws -> AgentProtocol.Status {
            let reply = try insideLab(["curl", "-fsS", "--cacert", certificates.ca, "-H", "Authorization: Bearer \(DistributedTimingTests.token)",
                                       "https://\(agentURLs[name]!)/v1/status"])
            return try AgentProtocol.decode(AgentProtocol.Status.self, from: Array(reply.utf8))
        }

        /// Runs a command on the controller's host (the test process itself cannot reach the lab's
        /// addresses) and returns its stdout; throws with its stderr when it fails.
        func insideLab(_ command: [String]) throws -> String {
            let result = try runCommand((lab.namespace(of: "controller").map { ["ip", "netns", "exec", $0] } ?? []) + command)
            guard result.succeeded else {
                throw NetworkLab.LabError(description: "\(command.joined(separator: " ")): exit \(result.status): \(result.stderr)")
            }
            return result.stdout
        }

        /// Requests the server answered on the synthesis route (any status).
        func servedRequests() throws -> Int {
            Int(try metrics().filter { $0.key.hasPrefix("tts_requests_total{route=\"/v1/tts\"") }.values.reduce(0, +))
        }

        /// Client connections open at the server now: one per virtual user (each user keeps its own).
        func inServer() throws -> Int {
            let m = try metrics()
            return Int(m["tts_open_connections"] ?? 0) - 1  // less this scrape's own connection
        }

        deinit {
            lab.close()
            try? FileManager.default.removeItem(atPath: work)
        }
    }

    /// Reads a run's JTL back: rows with agent, user, start (ms) and elapsed (ms).
    static func rows(_ path: String) throws -> [(agent: String, thread: String, start: Int64, elapsed: Int64)] {
        try JTLSampleReader.read(path: path).samples.map { s in
            (String(s.threadName.split(separator: "-").first ?? ""), s.threadName, s.start / 1_000, s.elapsed / 1_000)
        }
    }

    /// The common start instant the controller announced ("... starting at 2026-...Z"), seconds since the epoch.
    static func startInstant(_ controller: LabProcess) throws -> Double {
        let line = try controller.waitForLine(startingWith: "running cluster on 3 agent(s)", timeout: 60)
        let iso = try #require(line.components(separatedBy: "starting at ").last)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return try #require(formatter.date(from: iso)).timeIntervalSince1970
    }

    static func summary(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func exactPercentile(_ sorted: [Int64], _ p: Double) -> Int64 {
        // HdrHistogram's definition: the smallest value with at least p% of values at or below it.
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    @Test func threeAgentsMakeOneProfileWithExactMergedPercentilesAndAlignedClocks() throws {
        let cluster = try Cluster(fakeShift: 2.5)
        let out = cluster.work + "/run"
        let served0 = try cluster.servedRequests()
        let controller = try cluster.controller(out: out)
        let startAt = try Self.startInstant(controller)

        // At mid-hold of each step, the server holds the step's users: the plan's profile once, not three copies.
        var seen: [Int] = []
        for (i, users) in Self.steps.enumerated() {
            let midHold = startAt + Double(i) * (Self.rampSeconds + Self.holdSeconds) + Self.rampSeconds + Self.holdSeconds / 2
            let wait = midHold - Date().timeIntervalSince1970
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }  // waiting for a point of the schedule, not for a result
            // Three reads 100 ms apart, the median: one read may fall between a response and the next request.
            var reads: [Int] = []
            for k in 0..<3 {
                if k > 0 { Thread.sleep(forTimeInterval: 0.1) }
                reads.append(try cluster.inServer())
            }
            let median = reads.sorted()[1]
            seen.append(median)
            #expect(abs(median - users) <= 1, "step \(i + 1): server held \(reads), plan says \(users)")
        }
        let lines = try controller.allOutput(timeout: 60)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 0, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")

        let rows = try Self.rows(out + "/results.jtl")
        // The server answered every row's request once (plus one probe per agent at prepare).
        #expect(try cluster.servedRequests() - served0 == rows.count + 3)
        // Every sample exactly once: no (thread, start) twice; the rows equal what the agents streamed.
        #expect(Set(rows.map { "\($0.thread)|\($0.start)" }).count == rows.count)
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "complete")
        let distributed = try #require(summary["distributed"] as? [String: Any])
        let agents = try #require(distributed["agents"] as? [[String: Any]])
        #expect(agents.reduce(0) { $0 + ($1["samples_streamed"] as? Int ?? -1) } == rows.count)

        // Every agent ran its share: at the last step (10 users) 4 + 3 + 3 distinct users.
        for (name, share) in [("agent1", 4), ("agent2", 3), ("agent3", 3)] {
            let users = Set(rows.filter { $0.agent == name }.map(\.thread))
            #expect(users.count == share, "\(name): \(users.sorted())")
        }

        // Merged live percentiles equal those of all raw samples together, within HdrHistogram's
        // precision (0.1%) plus the JTL's millisecond rounding.
        let streamed = try #require((distributed["streamed"] as? [String: Any])?["tts"] as? [String: Any])
        let sorted = rows.map(\.elapsed).sorted()
        for (key, p) in [("p50_ms", 50.0), ("p95_ms", 95.0), ("p99_ms", 99.0)] {
            let merged = try #require(streamed[key] as? Double)
            let exact = Double(Self.exactPercentile(sorted, p))
            #expect(abs(merged - exact) <= exact / 1_000 + 1, "\(key): merged \(merged) ms, exact \(exact) ms")
        }

        // The clock offset was measured (agent3 runs 2.5 s ahead) ...
        for agent in agents {
            let offset = try #require(agent["clock_offset_ms"] as? Double)
            let expected = agent["name"] as? String == "agent3" ? 2_500.0 : 0
            #expect(abs(offset - expected) <= 10, "\(agent["name"] ?? "?"): offset \(offset) ms")
        }
        // ... and used: each agent's first request went out when its first user's place in the
        // ramp says (user u of the first step at (u-1) x ramp / users), on the controller's clock.
        let startMs = Int64((startAt * 1_000).rounded())
        for (name, firstUser) in [("agent1", 1), ("agent2", 2), ("agent3", 3)] {
            let first = try #require(rows.filter { $0.agent == name }.map(\.start).min())
            let expected = startMs + Int64(Double(firstUser - 1) * Self.rampSeconds * 1_000 / Double(Self.steps[0]))
            #expect(abs(first - expected) <= 10, "\(name): first request at \(first - startMs) ms, expected \(expected - startMs) ms")
        }
        print("cluster test: server held \(seen) at mid-hold of \(Self.steps); \(rows.count) rows")
    }

    @Test func aKilledAgentLeavesADegradedRunWithTheOthersComplete() throws {
        let cluster = try Cluster(fakeShift: 0)
        let out = cluster.work + "/run"
        let controller = try cluster.controller(out: out)
        let startAt = try Self.startInstant(controller)
        // kill -9 agent2 in the middle of the second step's hold.
        let killAt = startAt + (Self.rampSeconds + Self.holdSeconds) + Self.rampSeconds + Self.holdSeconds / 2
        let wait = killAt - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }  // a point of the schedule, not a result
        try cluster.agents["agent2"]!.kill()
        let lines = try controller.allOutput(timeout: 90)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 3, "\(lines.suffix(20).joined(separator: "\n"))")
        #expect(controller.errors.contains("run degraded: lost agent2"), "\(controller.errors)")

        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "degraded")
        let agents = try #require((summary["distributed"] as? [String: Any])?["agents"] as? [[String: Any]])
        let rows = try Self.rows(out + "/results.jtl")
        for agent in agents {
            let name = try #require(agent["name"] as? String)
            if name == "agent2" {
                #expect(agent["status"] as? String == "lost")
                continue
            }
            // The survivors' samples are complete: the merged JTL has every sample they streamed.
            #expect(agent["status"] as? String == "ok")
            let streamed = try #require(agent["samples_streamed"] as? Int)
            #expect(rows.filter { $0.agent == name }.count == streamed, "\(name)")
            #expect(agent["rows_collected"] as? Int == streamed)
            // They ran to the end of the plan.
            let last = try #require(rows.filter { $0.agent == name }.map { $0.start + $0.elapsed }.max())
            #expect(Double(last) / 1_000 > startAt + 3 * (Self.rampSeconds + Self.holdSeconds) - 1)
        }
    }

    @Test func agentsStopByThemselvesWhenTheControllerDiesAndCollectFetchesTheirSamples() throws {
        let cluster = try Cluster(fakeShift: 0)
        let out = cluster.work + "/run"
        let controller = try cluster.controller(out: out, extra: ["--controller-timeout", "2"])
        let startAt = try Self.startInstant(controller)
        let wait = startAt + 3 - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }  // a point of the schedule, not a result
        try controller.kill()
        let killedAt = Date()

        // Every agent stops its load within the timeout (2 s) plus its check interval and the
        // plan's graceful stop; polled, bounded at 20 s.
        var statuses: [String: AgentProtocol.Status] = [:]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            statuses = try Dictionary(uniqueKeysWithValues: ["agent1", "agent2", "agent3"].map { ($0, try cluster.agentStatus($0)) })
            if statuses.values.allSatisfy({ $0.state == "finished" }) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let stoppedAfter = Date().timeIntervalSince(killedAt)
        for (name, status) in statuses {
            #expect(status.state == "finished", "\(name): \(status.state)")
            #expect(status.stoppedBecause?.hasPrefix("controller silent") == true, "\(name): \(status.stoppedBecause ?? "-")")
        }
        #expect(stoppedAfter < 8, "agents stopped \(stoppedAfter) s after the controller died")
        // No orphaned load: the server's counter no longer moves.
        let served = try cluster.servedRequests()
        Thread.sleep(forTimeInterval: 1)  // an interval to observe, not a synchronisation
        #expect(try cluster.servedRequests() == served)

        // `ttsload collect` fetches every spool and rebuilds the JTL with every sample.
        let collect = try cluster.lab.spawn(host: "controller", arguments: [ttsloadBinary, "collect", out, "--token-file", cluster.tokenFile,
                                                                          "--ca", cluster.certificates.ca])
        let lines = try collect.allOutput(timeout: 60)
        #expect(collect.waitForExit(timeout: 10))
        #expect(collect.exitStatus == 0, "\(lines.joined(separator: "\n"))\n\(collect.errors)")
        let rows = try Self.rows(out + "/results.jtl")
        #expect(rows.count == statuses.values.reduce(0) { $0 + $1.samples })
        #expect(Set(rows.map(\.agent)) == ["agent1", "agent2", "agent3"])
    }
}
