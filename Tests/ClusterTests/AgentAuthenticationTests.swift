import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// The agent's control API refuses every request without the shared token, and such a request
/// starts nothing: measured at the target, which counts what it serves.
struct AgentAuthenticationTests {
    let token = "0123456789abcdef0123456789abcdef"

    func startAgent(spool: String) throws -> ListeningProcess {
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        return try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                     "--name", "auth-test", "--spool-dir", spool])
    }

    func targetRequests(_ target: ListeningProcess) throws -> Int {
        let reply = try HTTPCall.perform(url: target.address + "/stats")
        let stats = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Int]
        return try #require(stats?["requests"])
    }

    @Test func requestsWithoutTheTokenGet401AndStartNoLoad() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let spool = NSTemporaryDirectory() + "ttsload-auth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let agent = try startAgent(spool: spool)
        let base = agent.address + "/v1"
        let plan = """
            name: auth
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/1 }, load: { users: 2, duration: 2s } }
            """
        let prepare = AgentProtocol.Prepare(runID: "r1", agentName: "a", slot: .whole, threads: 1, seed: 1, planName: "auth",
                                            planYAML: plan, files: [], controllerTimeout: 10)
        let start = AgentProtocol.Start(runID: "r1", atMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), offsetMicros: 0)
        let calls: [(String, String, [UInt8]?)] = [
            ("GET", "/info", nil), ("GET", "/clock", nil), ("GET", "/status", nil), ("GET", "/stream?run=r1", nil),
            ("GET", "/runs/r1/spool", nil), ("POST", "/prepare", AgentProtocol.encode(prepare)),
            ("POST", "/start", AgentProtocol.encode(start)), ("POST", "/stop", []), ("GET", "/no-such-endpoint", nil),
        ]
        let wrongHeaders: [[(String, String)]] = [
            [],
            [("Authorization", "Bearer wrong-token-wrong-token-wrong")],
            [("Authorization", "Bearer " + token.dropLast())],
            [("Authorization", token)],  // no "Bearer "
            [("Authorization", "Basic " + token)],
        ]
        for headers in wrongHeaders {
            for (method, path, body) in calls {
                let reply = try HTTPCall.perform(method: method, url: base + path, headers: headers, body: body)
                #expect(reply.status == 401, "\(method) \(path) with \(headers): \(reply.status) \(reply.text)")
            }
        }
        #expect(try targetRequests(target) == 0)
        let right = [("Authorization", "Bearer " + token)]
        let status = try AgentProtocol.decode(AgentProtocol.Status.self,
                                              from: HTTPCall.perform(url: base + "/status", headers: right).body)
        #expect(status.state == "idle")
        #expect(!FileManager.default.fileExists(atPath: spool + "/r1"))

        // The same prepare with the token is accepted and probes the target once: the count above could have moved.
        let accepted = try HTTPCall.perform(method: "POST", url: base + "/prepare", headers: right, body: AgentProtocol.encode(prepare))
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(try targetRequests(target) == 1)
    }

    @Test func aBadPrepareNamesTheField() throws {
        let spool = NSTemporaryDirectory() + "ttsload-auth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let agent = try startAgent(spool: spool)
        let right = [("Authorization", "Bearer " + token)]
        let missing = try HTTPCall.perform(method: "POST", url: agent.address + "/v1/prepare", headers: right,
                                           body: Array(#"{"run_id": "x"}"#.utf8))
        #expect(missing.status == 400)
        #expect(missing.text.contains("missing"), "\(missing.text)")
        let escape = AgentProtocol.Prepare(runID: "r2", agentName: "a", slot: .whole, threads: 1, seed: 1, planName: "p",
                                           planYAML: "name: p", files: [.init(path: "../../etc/x", base64: "")], controllerTimeout: 10)
        let refused = try HTTPCall.perform(method: "POST", url: agent.address + "/v1/prepare", headers: right,
                                           body: AgentProtocol.encode(escape))
        #expect(refused.status == 400)
        let message = try AgentProtocol.decode(AgentProtocol.ErrorBody.self, from: refused.body).error
        #expect(message.hasPrefix("files: ../../etc/x:"), "\(message)")
    }

    @Test func aControllerWithTheWrongTokenIsRefusedBeforeAnyLoad() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let spool = NSTemporaryDirectory() + "ttsload-auth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let agent = try startAgent(spool: spool)
        let plan = try temporaryFile("""
            name: refused
            target: { url: "\(target.address)", api: raw }
            agents: ["\(agent.address)"]
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/1 }, load: { users: 2, duration: 2s } }
            """)
        let wrong = try temporaryFile("another-token-another-token-000", name: "wrong-token")
        let out = NSTemporaryDirectory() + "ttsload-refused-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try runTTSLoad(["run", plan, "--token-file", wrong, "--out", out, "--no-store"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("agent agent1 (\(agent.address)) refused the token"), "\(result.stderr)")
        #expect(try targetRequests(target) == 0)
        // Without a token file at all: a usage error naming the flag.
        let missing = try runTTSLoad(["run", plan, "--out", out, "--no-store"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--token-file"), "\(missing.stderr)")
    }
}
