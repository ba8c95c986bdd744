import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// A/B runs on agents (docs/ab.md, docs/distributed.md): real agent processes on loopback (TLS
/// control channel, `--allow-target`), two real TTS servers with the simulated accelerator, side a
/// serial (`--max-batch 1`), side b batching (`--max-batch 8`), as plans/ab-batching.yaml. The
/// controller splits the twin groups so each agent runs user i of both sides on one engine
/// thread, merges the spools and compares the sides as an A/B run in one process does. Measured
/// at the counterparts: each server's own request counter. About 40 s.
@Suite(.serialized) struct ABAgentsTimingTests {
    static let token = "ab-agents-token-0123456789abcdef"
    static let accelerator = ["--cache-mb", "0", "--workers", "2", "--queue", "256", "--model-latency", "base=18ms,per-item=2ms"]

    final class Lab {
        let work = NSTemporaryDirectory() + "ttsload-ab-agents-\(UUID().uuidString)"
        let tokenFile: String
        let certificates: AgentCertificates
        var agents: [ListeningProcess] = []

        init(allow: [String] = ["127.0.0.1"]) throws {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            tokenFile = work + "/token"
            try ABAgentsTimingTests.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            certificates = try AgentCertificates(hosts: ["127.0.0.1"], in: work + "/certs")
            agents = try (1...2).map { n in
                try ListeningProcess([ttsloadBinary, "agent", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--name", "a\(n)",
                                      "--spool-dir", work + "/spool\(n)"] + allow.flatMap { ["--allow-target", $0] } + certificates.agentArguments)
            }
        }

        var agentList: String { agents.enumerated().map { "a\($0.offset + 1)=" + $0.element.address }.joined(separator: ",") }

        func plan(_ targets: String, load: String) throws -> String {
            let path = work + "/ab-\(UUID().uuidString).yaml"
            try """
                name: ab-agents
                target: { api: indextts }
                targets: \(targets)
                defaults: { timeout: 10s, checks: { status: 200 } }
                thread_groups:
                  - { name: tts, request: { text: "Hello there.", emotion: neutral }, load: \(load) }
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func run(_ plan: String, out: String, report: Bool = false) throws -> CommandResult {
            try runTTSLoad(["run", plan, "--agents", agentList, "--token-file", tokenFile, "--ca", certificates.ca, "--out", out,
                            "--no-store"] + (report ? [] : ["--no-report"]))
        }

        deinit { try? FileManager.default.removeItem(atPath: work) }
    }

    /// A server's own count of synthesis requests (any status), from its /metrics.
    static func served(_ server: ListeningProcess) throws -> Int {
        let text = String(decoding: try HTTPCall.perform(url: server.address + "/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").filter { $0.hasPrefix("tts_requests_total{") && $0.contains("route=\"/v1/tts\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
    }

    static func entry(_ json: String, _ scope: String, _ metric: String) throws -> [String: Any]? {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["entries"] as? [[String: Any]])?.first { $0["scope"] as? String == scope && $0["metric"] as? String == metric }
    }

    @Test func batchingOnSideBIsBetterAtTheTopStepOverTwoAgents() throws {
        let serverA = try ListeningProcess([ttsloadBinary, "server", "--port", "0"] + Self.accelerator + ["--max-batch", "1"])
        let serverB = try ListeningProcess([ttsloadBinary, "server", "--port", "0"] + Self.accelerator + ["--max-batch", "8"])
        let lab = try Lab()
        let out = lab.work + "/run"
        let plan = try lab.plan("{ a: \"\(serverA.address)\", b: \"\(serverB.address)\" }", load: "{ steps: [2, 4, 8], ramp_up: 1s, hold: 6s }")
        let r = try lab.run(plan, out: out, report: true)
        // No thresholds: exit 1 would be a regression of b, which batching never is here.
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("A/B: b against a"), "\(r.stdout)")
        #expect(r.stdout.contains("verdict: IMPROVEMENT"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: out + "/compare.html"))

        // Every merged row once, each side's rows exactly the requests its server counted, less the
        // one probe per agent and side at prepare.
        let rows = try JTLSampleReader.read(path: out + "/results.jtl").samples
        let rowsA = rows.filter { $0.groupName.hasSuffix("tts [a]") }.count, rowsB = rows.filter { $0.groupName.hasSuffix("tts [b]") }.count
        let servedA = try Self.served(serverA), servedB = try Self.served(serverB)
        print("A/B on 2 agents: rows a \(rowsA) b \(rowsB); served a \(servedA) b \(servedB)")
        #expect(rowsA + rowsB == rows.count)
        #expect(rowsA + 2 == servedA && rowsB + 2 == servedB)
        #expect(rowsB > rowsA)

        // Each agent ran both twins of its share: the same user numbers on both sides, and the
        // users of slot i of 2 only.
        for (i, name) in ["a1", "a2"].enumerated() {
            let spool = try JTLSampleReader.read(path: out + "/agents/\(name).jtl").samples
            let users = { (side: String) in Set(spool.filter { $0.groupName.hasSuffix("tts [\(side)]") }.map(\.userNumber)) }
            #expect(!users("a").isEmpty && users("a") == users("b"), "\(name): a \(users("a").sorted()) b \(users("b").sorted())")
            #expect(users("a").allSatisfy { ($0 - 1) % 2 == i })
        }

        let compare = try runTTSLoad(["compare", out, "--format", "json"])
        #expect(compare.status == 0, "\(compare.stderr)")
        for metric in ["rps", "p95", "ok_rps"] {
            let e = try Self.entry(compare.stdout, "tts step 3 (8 users)", metric)
            print("A/B on 2 agents: step 3 (8 users) \(metric) a \(e?["base"] ?? "-") b \(e?["candidate"] ?? "-") "
                  + "\(e?["relative"].map { "\($0)" } ?? "-") \(e?["verdict"] ?? "-")")
            #expect(e?["verdict"] as? String == "improvement", "\(String(describing: e))")
        }
        // The dashboard pairs each step's a and b (agents' prefixes taken off: every step has
        // samples on both sides) and links the comparison.
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.contains("A/B: side b beside side a") && page.contains("<a href=\"compare.html\">compare.html</a>"))
        let pairs = try Regex(#"<td class="l">([ab])</td><td>([0-9\x{2009}]+)</td>"#)
        let counts = page.matches(of: pairs).map { (String($0.output[1].substring ?? ""), Int(($0.output[2].substring ?? "").replacingOccurrences(of: "\u{2009}", with: "")) ?? 0) }
        print("A/B on 2 agents: dashboard step samples \(counts)")
        #expect(counts.map(\.0) == ["a", "b", "a", "b", "a", "b"] && counts.allSatisfy { $0.1 > 0 }, "\(counts)")

        // The sides hold the whole run's samples, the agents' prefixes taken off.
        let object = try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any]
        #expect((object?["base"] as? [String: Any])?["samples"] as? Int == rowsA)
        #expect((object?["candidate"] as? [String: Any])?["samples"] as? Int == rowsB)
    }

    /// Embedded sides: the controller starts both servers (on loopback, where these agents reach
    /// them) and ships their addresses. Short: what is checked is that both sides ran on both agents.
    @Test func embeddedSidesAreStartedByTheController() throws {
        let lab = try Lab()
        let out = lab.work + "/embedded"
        let args = Self.accelerator.map { "\"\($0)\"" }.joined(separator: ", ")
        let plan = try lab.plan("{ a: { url: embedded, server_args: [\(args), \"--max-batch\", \"1\"] }, b: { url: embedded, server_args: [\(args), \"--max-batch\", \"8\"] } }",
                                load: "{ users: 4, duration: 4s }")
        let r = try lab.run(plan, out: out)
        // The verdict of so short a run is not the subject here (exit 0 or 1); a failed or degraded run is.
        #expect(r.status == 0 || r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("embedded server a at http://127.0.0.1:") && r.stdout.contains("embedded server b at http://127.0.0.1:"), "\(r.stdout)")
        #expect(r.stdout.contains("A/B: b against a (a: embedded"), "\(r.stdout)")
        for file in ["server.log", "server-b.log", "compare.html", "agents/a1.jtl", "agents/a2.jtl"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        for name in ["a1", "a2"] {
            let spool = try JTLSampleReader.read(path: out + "/agents/\(name).jtl").samples
            #expect(spool.contains { $0.groupName.hasSuffix("tts [a]") && $0.success } && spool.contains { $0.groupName.hasSuffix("tts [b]") && $0.success },
                    "\(name): \(spool.count) rows")
        }
    }

    /// An agent's `--allow-target` must cover both sides: one allowing only side a's server
    /// refuses the prepare, naming side b, before any request to either.
    @Test func allowTargetMustCoverBothSides() throws {
        let serverA = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--cache-mb", "0", "--workers", "1"])
        let serverB = try ListeningProcess([ttsloadBinary, "server", "--port", "0", "--cache-mb", "0", "--workers", "1"])
        let portA = try #require(serverA.address.split(separator: ":").last.map(String.init))
        let lab = try Lab(allow: ["127.0.0.1:\(portA)"])
        let plan = try lab.plan("{ a: \"\(serverA.address)\", b: \"\(serverB.address)\" }", load: "{ users: 1, duration: 1s }")
        let r = try lab.run(plan, out: lab.work + "/refused")
        #expect(r.status != 0 && r.stderr.contains("targets.b:") && r.stderr.contains("not allowed by this agent's --allow-target"), "\(r.stdout)\(r.stderr)")
        #expect(try Self.served(serverA) == 0 && Self.served(serverB) == 0)
    }
}
