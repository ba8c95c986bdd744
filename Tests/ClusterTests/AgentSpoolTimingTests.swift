import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// Agents' spools end to end: three agents from one folder, spools that are not what the agent
/// counted, an agent sent SIGTERM mid-run, and an open model's arrivals split over agents. Real
/// agents, a real controller and the Python target on loopback (127.0.0.x); every count is
/// checked against the target's own request counter (`/stats`), which the agents cannot see.
/// Named *TimingTests: `make test` runs it alone (--no-parallel).
@Suite(.serialized) struct AgentSpoolTimingTests {
    static let token = "spool-test-token-0123456789abcdef"
    static let agentNames = ["agent1", "agent2", "agent3"]

    /// A target, three agents and the controller's command line, in one scratch folder.
    final class Rig {
        let lab: NetworkLab
        let target: ListeningProcess
        let work: String
        let tokenFile: String
        var agents: [String: LabProcess] = [:]
        var urls: [String: String] = [:]
        /// Each agent's spool directory (absolute).
        var spools: [String: String] = [:]

        init() throws {
            try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
            lab = try NetworkLab(hosts: AgentSpoolTimingTests.agentNames + ["controller"], namespaces: false)
            target = try ListeningProcess(fixture: "target.py")
            work = NSTemporaryDirectory() + "ttsload-spool-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            tokenFile = work + "/token"
            try AgentSpoolTimingTests.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }

        deinit {
            lab.close()
            try? FileManager.default.removeItem(atPath: work)
        }

        /// The agent's command, run in `cwd` (through `env -C`) with `extra` flags; not waited for.
        func spawnAgent(_ name: String, cwd: String, port: String = "0", extra: [String] = []) throws -> LabProcess {
            try lab.spawn(host: name, arguments: ["env", "-C", cwd, ttsloadBinary, "agent", "--plain-http", "--listen", lab.address(of: name) + ":" + port,
                                                  "--token-file", tokenFile, "--name", name] + extra)
        }

        /// Starts an agent with its own spool directory (`spool` relative to `work`) and waits until it listens.
        @discardableResult
        func startAgent(_ name: String, spool: String) throws -> LabProcess {
            let agent = try spawnAgent(name, cwd: work, extra: ["--spool-dir", spool])
            urls[name] = try agent.waitForLine(startingWith: "listening on ", timeout: 60)
            agents[name] = agent
            spools[name] = work + "/" + spool
            return agent
        }

        func writePlan(_ yaml: String) throws -> String {
            let path = work + "/plan.yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// `agent1=URL,agent2=URL,agent3=URL`, as --agents takes it.
        var agentList: String { AgentSpoolTimingTests.agentNames.map { "\($0)=\(urls[$0]!)" }.joined(separator: ",") }

        /// `ttsload run PLAN --agents agent1=...,agent2=...,agent3=...`, not waited for.
        func controller(plan: String, out: String, threads: Int) throws -> LabProcess {
            try lab.spawn(host: "controller", arguments: [ttsloadBinary, "run", plan, "--agents", agentList, "--token-file", tokenFile,
                                                                 "--out", out, "--threads", String(threads), "--no-store", "--no-report"])
        }

        /// Requests the target received (any route but /stats), by its own counter.
        func targetRequests() throws -> Int {
            let reply = try HTTPCall.perform(url: target.address + "/stats")
            let stats = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Int]
            return try #require(stats?["requests"])
        }

        func status(_ name: String) throws -> AgentProtocol.Status {
            let reply = try HTTPCall.perform(url: urls[name]! + "/v1/status", headers: [("Authorization", "Bearer \(AgentSpoolTimingTests.token)")])
            return try AgentProtocol.decode(AgentProtocol.Status.self, from: reply.body)
        }

        /// Polls the agent's status every 100 ms until `condition` holds; false after `timeout` seconds.
        func waitForStatus(_ name: String, timeout: Double, _ condition: (AgentProtocol.Status) -> Bool) throws -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition(try status(name)) { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }
    }

    /// The merged (or any) JTL's rows: agent prefix, threadName, start µs, user number.
    static func rows(_ path: String) throws -> [(agent: String, thread: String, start: Int64, user: Int)] {
        try JTLSampleReader.read(path: path).samples.map { s in
            (String(s.threadName.split(separator: "-").first ?? ""), s.threadName, s.start, s.userNumber)
        }
    }

    static func summary(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func agentsSection(_ summary: [String: Any]) throws -> [String: [String: Any]] {
        let agents = try #require((summary["distributed"] as? [String: Any])?["agents"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: agents.map { ($0["name"] as? String ?? "?", $0) })
    }

    /// The run id the controller gave the agents (cluster.json, written before the start).
    static func runID(_ out: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/cluster.json"))
        return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["run_id"] as? String)
    }

    /// Waits for the controller's "running ... starting at ISO" line; the instant in seconds since the epoch.
    static func startInstant(_ controller: LabProcess) throws -> Double {
        let line = try controller.waitForLine(startingWith: "running ", timeout: 90)
        let iso = try #require(line.components(separatedBy: "starting at ").last)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return try #require(formatter.date(from: iso)).timeIntervalSince1970
    }

    // MARK: (a) one folder, default flags

    @Test func aSecondAgentOnTheSameSpoolDirectoryRefusesToStartAndNamesIt() throws {
        let rig = try Rig()
        // Three agents started from one folder with default flags, as a new user would.
        let first = try rig.spawnAgent("agent1", cwd: rig.work)
        rig.urls["agent1"] = try first.waitForLine(startingWith: "listening on ", timeout: 60)
        rig.agents["agent1"] = first
        rig.spools["agent1"] = rig.work + "/spool"
        let second = try rig.spawnAgent("agent2", cwd: rig.work)
        #expect(second.waitForExit(timeout: 30))
        #expect(second.exitStatus == 2, "exit \(second.exitStatus ?? -1): \(second.errors)")
        #expect(second.errors.contains("--spool-dir \(rig.work)/spool: another ttsload agent is using it"), "\(second.errors)")
        #expect(second.errors.contains("pid \(first.pid)"), "\(second.errors)")
        #expect(second.errors.contains("give each agent its own --spool-dir"), "\(second.errors)")
        #expect(second.output.allSatisfy { !$0.hasPrefix("listening on") })
        let third = try rig.spawnAgent("agent3", cwd: rig.work)
        #expect(third.waitForExit(timeout: 30))
        #expect(third.exitStatus == 2, "exit \(third.exitStatus ?? -1): \(third.errors)")

        // As told, each of the others gets its own directory; the run is then complete and exact.
        try rig.startAgent("agent2", spool: "spool-2")
        try rig.startAgent("agent3", spool: "spool-3")
        let plan = try rig.writePlan("""
            name: one-folder
            target: { url: "\(rig.target.address)", api: raw }
            thread_groups:
              - { name: tts, request: { method: GET, path: /delay/20 }, load: { users: 4, duration: 3s } }
            """)
        let before = try rig.targetRequests()
        let out = rig.work + "/run"
        let controller = try rig.controller(plan: plan, out: out, threads: 1)
        let lines = try controller.allOutput(timeout: 120)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 0, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")
        let rows = try Self.rows(out + "/results.jtl")
        // Every request the target served is one row (less one probe per agent), and none twice.
        #expect(rows.count == (try rig.targetRequests()) - before - 3)
        #expect(Set(rows.map { "\($0.thread)|\($0.start)" }).count == rows.count)
        // 4 users over 3 agents: 2 + 1 + 1, each agent's rows its own users only.
        for (name, users) in [("agent1", Set([1, 4])), ("agent2", Set([2])), ("agent3", Set([3]))] {
            #expect(Set(rows.filter { $0.agent == name }.map(\.user)) == users, "\(name)")
        }
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "complete")
        let runID = try Self.runID(out)
        for (name, agent) in try Self.agentsSection(summary) {
            #expect(agent["status"] as? String == "ok", "\(name): \(agent)")
            #expect(agent["samples_counted"] as? Int == rows.filter { $0.agent == name }.count, "\(name)")
            #expect(agent["rows_collected"] as? Int == agent["samples_counted"] as? Int, "\(name)")
            // The spool on the agent's disk is keyed by run and agent, and says how many rows it holds.
            let folder = rig.spools[name]! + "/" + runID + "/" + name
            #expect(try JTLSampleReader.read(path: folder + "/results.jtl").samples.count == agent["samples_counted"] as? Int, "\(name)")
            let note = try #require(SpoolFolder.readNote(at: folder + "/agent.json"))
            #expect(note.agent == name && note.runID == runID && note.state == "finished")
            #expect(note.samples == agent["samples_counted"] as? Int)
        }

        // The lock goes with its process: once agent1 has exited, an agent with default flags starts there.
        first.terminate()
        #expect(!first.isRunning)
        let again = try rig.spawnAgent("agent2", cwd: rig.work)
        _ = try again.waitForLine(startingWith: "listening on ", timeout: 60)
        again.terminate()
    }

    // MARK: (b) doctored spools

    @Test func aSpoolWithRowsRemovedOrAnotherAgentsRowsMakesTheRunDegraded() throws {
        let rig = try Rig()
        for (i, name) in Self.agentNames.enumerated() { try rig.startAgent(name, spool: "spool-\(i + 1)") }
        // One user per agent for 2 s; agent1 alone also has one request of 6 s, so the run (and
        // the collection) waits about 4 s for agent1 after agent2 and agent3 have finished.
        let plan = try rig.writePlan("""
            name: doctored
            target: { url: "\(rig.target.address)", api: raw }
            thread_groups:
              - { name: fast, request: { method: GET, path: /delay/20 }, load: { users: 3, duration: 2s } }
              - { name: slow, request: { method: GET, path: /delay/6000 }, load: { users: 1, duration: 2s } }
            """)
        let out = rig.work + "/run"
        let controller = try rig.controller(plan: plan, out: out, threads: 1)
        _ = try Self.startInstant(controller)
        for name in ["agent2", "agent3"] {
            #expect(try rig.waitForStatus(name, timeout: 30) { $0.state == "finished" }, "\(name) did not finish")
        }
        let runID = try Self.runID(out)
        let spool2 = rig.spools["agent2"]! + "/\(runID)/agent2/results.jtl"
        let spool3 = rig.spools["agent3"]! + "/\(runID)/agent3/results.jtl"
        let original2 = try String(contentsOfFile: spool2, encoding: .utf8)
        var lines2 = original2.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let counted2 = lines2.count - 1
        try #require(counted2 > 10, "agent2 spooled \(counted2) rows")
        // agent2's spool loses its last three rows; agent3's is replaced by agent2's (a spool mixed up).
        lines2.removeLast(3)
        try (lines2.joined(separator: "\n") + "\n").write(toFile: spool2, atomically: true, encoding: .utf8)
        try original2.write(toFile: spool3, atomically: true, encoding: .utf8)
        // Valid only if the controller has not collected yet: agent1 still runs its long request.
        try #require(try rig.status("agent1").state == "running", "agent1 finished before the spools were edited")

        let lines = try controller.allOutput(timeout: 120)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 3, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")
        #expect(controller.errors.contains("run degraded: "), "\(controller.errors)")
        #expect(controller.errors.contains("agent2: its spool has \(counted2 - 3) rows, the agent counted \(counted2)"), "\(controller.errors)")
        #expect(controller.errors.contains("agent3: \(counted2) of its \(counted2) spool rows are other agents' users'"), "\(controller.errors)")
        #expect(controller.errors.contains("agent3: \(counted2 - 3) spool rows repeat rows of another agent's spool"), "\(controller.errors)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "degraded")
        let because = try #require((summary["distributed"] as? [String: Any])?["degraded_because"] as? [String])
        #expect(because.contains { $0.hasPrefix("agent2: its spool has") })
        #expect(because.contains { $0.hasPrefix("agent3: ") })
        #expect(!because.contains { $0.hasPrefix("agent1") }, "\(because)")
        let agents = try Self.agentsSection(summary)
        #expect(agents["agent1"]?["status"] as? String == "ok")
        for name in ["agent2", "agent3"] {
            #expect(agents[name]?["status"] as? String == "spool-mismatch", "\(name): \(agents[name] ?? [:])")
            #expect((agents[name]?["problem"] as? String)?.hasPrefix(name + ":") == true, "\(name): \(agents[name] ?? [:])")
        }
    }

    // MARK: (c) SIGTERM to an agent mid-hold

    @Test func anAgentSentSIGTERMMidHoldHandsOverACompleteSpoolAndTheRunIsDegraded() throws {
        let rig = try Rig()
        for (i, name) in Self.agentNames.enumerated() { try rig.startAgent(name, spool: "spool-\(i + 1)") }
        let plan = try rig.writePlan("""
            name: sigterm
            target: { url: "\(rig.target.address)", api: raw }
            thread_groups:
              - { name: tts, request: { method: GET, path: /delay/50 }, load: { users: 6, duration: 6s } }
            """)
        let before = try rig.targetRequests()
        let out = rig.work + "/run"
        let controller = try rig.controller(plan: plan, out: out, threads: 1)
        let startAt = try Self.startInstant(controller)
        let wait = startAt + 3 - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }  // a point of the schedule (mid-hold), not a result
        let agent2 = try #require(rig.agents["agent2"])
        agent2.signal(SIGTERM)
        #expect(agent2.waitForExit(timeout: 60))
        #expect(agent2.exitStatus == 0, "agent2: exit \(agent2.exitStatus ?? -1): \(agent2.errors)")

        let lines = try controller.allOutput(timeout: 120)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 3, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")
        #expect(controller.errors.contains("run degraded: agent2 stopped its load before the end: agent received SIGTERM"), "\(controller.errors)")
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "degraded")
        let agents = try Self.agentsSection(summary)
        #expect(agents["agent2"]?["status"] as? String == "stopped", "\(agents["agent2"] ?? [:])")
        #expect(agents["agent2"]?["problem"] as? String == "agent2 stopped its load before the end: agent received SIGTERM")
        #expect(agents["agent1"]?["status"] as? String == "ok")
        #expect(agents["agent3"]?["status"] as? String == "ok")

        // Nothing lost: every request the target served (less the probes) is a row, agent2's
        // included, and agent2's spool rows are what it counted (on its disk and as collected).
        let rows = try Self.rows(out + "/results.jtl")
        #expect(rows.count == (try rig.targetRequests()) - before - 3)
        let counted = try #require(agents["agent2"]?["samples_counted"] as? Int)
        #expect(rows.filter { $0.agent == "agent2" }.count == counted)
        #expect(agents["agent2"]?["rows_collected"] as? Int == counted)
        let folder = rig.spools["agent2"]! + "/\(try Self.runID(out))/agent2"
        #expect(try JTLSampleReader.read(path: folder + "/results.jtl").samples.count == counted)
        let note = try #require(SpoolFolder.readNote(at: folder + "/agent.json"))
        #expect(note.state == "finished" && note.samples == counted && note.stoppedBecause == "agent received SIGTERM")
        // agent2 really stopped early (its last request started before the plan's end), the others did not.
        let startMicros = Int64(startAt * 1_000_000)
        let last2 = try #require(rows.filter { $0.agent == "agent2" }.map(\.start).max())
        #expect(last2 < startMicros + 4_500_000, "agent2's last request \(Double(last2 - startMicros) / 1e6) s into the run")
        let last1 = try #require(rows.filter { $0.agent == "agent1" }.map(\.start).max())
        #expect(last1 > startMicros + 5_500_000)

        // agent2 restarted on its address and spool directory serves that spool again (from
        // disk, an earlier process's): `ttsload collect` fetches it, checks it and keeps every row.
        let url = try #require(rig.urls["agent2"])
        let port = try #require(url.split(separator: ":").last.map(String.init))
        let restarted = try rig.spawnAgent("agent2", cwd: rig.work, port: port, extra: ["--spool-dir", "spool-2"])
        #expect(try restarted.waitForLine(startingWith: "listening on ", timeout: 60) == url)
        let collect = try rig.lab.spawn(host: "controller", arguments: [ttsloadBinary, "collect", out, "--token-file", rig.tokenFile,
                                                                      "--agents", rig.agentList])
        let collected = try collect.allOutput(timeout: 60)
        #expect(collect.waitForExit(timeout: 10))
        #expect(collect.exitStatus == 0, "\(collected.joined(separator: "\n"))\n\(collect.errors)")
        #expect(collected.contains("agent2: fetched"), "\(collected)")
        #expect(collected.contains("  agent2: \(counted) rows"), "\(collected)")
        #expect(try Self.rows(out + "/results.jtl").count == rows.count)
    }

    // MARK: (d) open model

    @Test func anOpenModelOnThreeAgentsSendsEveryArrivalOnceEvenWhenAnAgentStallsAcrossTheEnd() throws {
        let rig = try Rig()
        for (i, name) in Self.agentNames.enumerated() { try rig.startAgent(name, spool: "spool-\(i + 1)") }
        let plan = try rig.writePlan("""
            name: open-split
            target: { url: "\(rig.target.address)", api: raw }
            thread_groups:
              - { name: tts, request: { method: GET, path: /delay/5 }, load: { arrival_rate: { rate: 30, duration: 10s } } }
            """)
        let before = try rig.targetRequests()
        let out = rig.work + "/run"
        let controller = try rig.controller(plan: plan, out: out, threads: 2)
        let startAt = try Self.startInstant(controller)
        // agent2 is descheduled from 9.7 s to 10.3 s, as a busy host does to one process of
        // several: its threads wake after the schedule's end owing arrivals 292, 295 and 298.
        // (SIGSTOP/SIGCONT at points of the schedule; nothing waits on a result here.)
        let agent2 = try #require(rig.agents["agent2"])
        let stopAt = startAt + 9.7 - Date().timeIntervalSince1970
        if stopAt > 0 { Thread.sleep(forTimeInterval: stopAt) }
        agent2.signal(SIGSTOP)
        let continueAt = startAt + 10.3 - Date().timeIntervalSince1970
        if continueAt > 0 { Thread.sleep(forTimeInterval: continueAt) }
        agent2.signal(SIGCONT)

        let lines = try controller.allOutput(timeout: 120)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 0, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")
        // 30/s for 10 s is 300 arrivals: the target saw exactly that many (less one probe per agent).
        #expect(try rig.targetRequests() - before - 3 == 300)
        let rows = try Self.rows(out + "/results.jtl")
        #expect(rows.count == 300)
        // Dealt over 3 x 2 global threads, every 6th arrival to each: 100 per agent.
        for name in Self.agentNames { #expect(rows.filter { $0.agent == name }.count == 100, "\(name)") }
        // Agent i sends arrivals i, i+3, i+6, ... meant for start + k/30 s: relative to its own
        // first row (an agent that woke late stamps its start that much later), its rows are
        // arrivals 0, 3, ..., 297 apart, each once (a row's start is its intended instant; the
        // JTL keeps ms, the spacing is 33 ms).
        for name in Self.agentNames {
            let starts = rows.filter { $0.agent == name }.map(\.start).sorted()
            let first = try #require(starts.first)
            let offsets = starts.map { Int((Double($0 - first) / 1e6 * 30).rounded()) }
            #expect(offsets == Array(stride(from: 0, to: 300, by: 3)), "\(name): \(offsets)")
        }
        let summary = try Self.summary(out)
        #expect(summary["status"] as? String == "complete")
        // The agents' counters reach summary.json and the end-of-run text: agent2's three
        // stalled arrivals went out late.
        #expect(lines.contains { $0.hasPrefix("dropped arrivals 0, late arrivals ") }, "\(lines.suffix(20))")
        #expect(summary["dropped"] as? Int == 0, "\(summary)")
        #expect((summary["late"] as? Int ?? 0) >= 3, "late: \(summary["late"] ?? "-")")
    }
}
