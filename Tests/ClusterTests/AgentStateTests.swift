import Foundation
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// The agent's run changes state under one lock: a `/start` that arrives while a `/prepare` is
/// probing the target cannot start the run that prepare is about to replace (which would leave a
/// load no `/stop` could reach). Measured at the target, which counts what it serves.
struct AgentStateTests {
    let token = "state-test-token-0123456789abcdef"

    @Test func aStartDuringAPrepareNeverLeavesAnUnreachableLoad() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let spool = NSTemporaryDirectory() + "ttsload-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--name", "state-test", "--spool-dir", spool])
        let base = agent.address + "/v1"
        let headers = [("Authorization", "Bearer " + token)]
        func stats() throws -> [String: Int] {
            try #require(try JSONSerialization.jsonObject(with: Data(HTTPCall.perform(url: target.address + "/stats").body)) as? [String: Int])
        }
        func prepare(_ id: String, delayMs: Int) -> AgentProtocol.Prepare {
            AgentProtocol.Prepare(runID: id, agentName: "a", slot: .whole, threads: 1, seed: 1, planName: "state", planYAML: """
                name: state
                target: { url: "\(target.address)", api: raw }
                thread_groups:
                  - { name: g, request: { method: GET, path: /delay/\(delayMs) }, load: { users: 4, duration: 3s } }
                """, files: [], controllerTimeout: 10)
        }

        // r1 prepared (its probe: one request).
        let first = try HTTPCall.perform(method: "POST", url: base + "/prepare", headers: headers, body: AgentProtocol.encode(prepare("r1", delayMs: 1)))
        #expect(first.status == 200, "\(first.text)")
        // r2's prepare probes a target that takes 1.5 s to answer; while that probe is in flight, start r1.
        let second = LockedReply()
        let body = AgentProtocol.encode(prepare("r2", delayMs: 1_500))
        var options = HTTPCall.Options()
        options.timeoutMs = 20_000
        let thread = Thread { [options] in
            second.set(try? HTTPCall.perform(method: "POST", url: base + "/prepare", headers: headers, body: body, options: options))
        }
        thread.start()
        let deadline = Date(timeIntervalSinceNow: 15)
        while try stats()["in_flight"] ?? 0 == 0 && Date() < deadline { usleep(10_000) }  // polling the target: r2's probe is in flight
        try #require(try stats()["in_flight"] == 1, "r2's probe never reached the target")
        let start = AgentProtocol.Start(runID: "r1", atMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), offsetMicros: 0)
        let started = try HTTPCall.perform(method: "POST", url: base + "/start", headers: headers, body: AgentProtocol.encode(start))
        let prepared = try #require(second.wait(), "r2's prepare got no answer")

        // One of the two wins, never both.
        #expect(started.status == 409 || prepared.status == 409, "start \(started.status) \(started.text), prepare \(prepared.status) \(prepared.text)")
        let status = try AgentProtocol.decode(AgentProtocol.Status.self, from: HTTPCall.perform(url: base + "/status", headers: headers).body)
        if started.status == 409 {
            // r2 replaced r1, which never ran: the target saw the two probes and nothing else.
            #expect(prepared.status == 200 && status.runID == "r2" && status.state == "prepared", "\(status)")
            #expect(try stats()["requests"] == 2)
        } else {
            // r1 runs and is the run /status and /stop reach.
            #expect(status.runID == "r1" && status.state == "running", "\(status)")
            _ = try HTTPCall.perform(method: "POST", url: base + "/stop", headers: headers, body: [])
        }
    }
}

/// A reply handed over from another thread.
final class LockedReply: @unchecked Sendable {
    private let condition = NSCondition()
    private var reply: HTTPCall.Reply??

    func set(_ value: HTTPCall.Reply?) {
        condition.lock()
        reply = .some(value)
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> HTTPCall.Reply? {
        condition.lock()
        defer { condition.unlock() }
        while reply == nil { condition.wait() }
        return reply!
    }
}
