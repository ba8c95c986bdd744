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

    /// 200 prepare, start and stop calls from four threads at once, over five run ids, each run a
    /// 30-second load: afterwards, stopping the run `/status` names stops every load the agent
    /// has (the target's counter stands still), and no call got a server error or no answer.
    @Test func twoHundredInterleavedCallsLeaveNoUnreachableLoad() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let spool = NSTemporaryDirectory() + "ttsload-state-storm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--name", "state-storm", "--spool-dir", spool])
        let base = agent.address + "/v1"
        let headers = [("Authorization", "Bearer " + token)]
        func stats() throws -> [String: Int] {
            try #require(try JSONSerialization.jsonObject(with: Data(HTTPCall.perform(url: target.address + "/stats").body)) as? [String: Int])
        }
        // A long load, and a controller timeout beyond the test: only a /stop can end a run.
        func prepareBody(_ id: String) -> [UInt8] {
            AgentProtocol.encode(AgentProtocol.Prepare(runID: id, agentName: "a", slot: .whole, threads: 1, seed: 1, planName: "storm", planYAML: """
                name: storm
                target: { url: "\(target.address)", api: raw }
                thread_groups:
                  - { name: g, request: { method: GET, path: /delay/20 }, load: { users: 2, duration: 30s } }
                """, files: [], controllerTimeout: 120))
        }
        let bodies = Dictionary(uniqueKeysWithValues: (0..<5).map { ("r\($0)", prepareBody("r\($0)")) })
        let statuses = LockedStatuses()
        let threads = (0..<4).map { t in
            Thread {
                var rng = SystemRandomNumberGenerator()
                var options = HTTPCall.Options()
                options.timeoutMs = 20_000
                for _ in 0..<50 {
                    let id = "r\(Int.random(in: 0..<5, using: &rng))"
                    let reply: HTTPCall.Reply?
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0:
                        reply = try? HTTPCall.perform(method: "POST", url: base + "/prepare", headers: headers, body: bodies[id]!, options: options)
                    case 1:
                        let start = AgentProtocol.Start(runID: id, atMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), offsetMicros: 0)
                        reply = try? HTTPCall.perform(method: "POST", url: base + "/start", headers: headers, body: AgentProtocol.encode(start), options: options)
                    default:
                        reply = try? HTTPCall.perform(method: "POST", url: base + "/stop?run=" + id, headers: headers, body: [], options: options)
                    }
                    statuses.add(reply?.status ?? -1)
                }
                statuses.done(thread: t)
            }
        }
        threads.forEach { $0.start() }
        try #require(statuses.waitForThreads(4, timeout: 180), "the calls did not finish")
        let seen = statuses.all
        #expect(seen.count == 200)
        #expect(seen.allSatisfy { [200, 202, 404, 409].contains($0) }, "unexpected answers: \(Set(seen).sorted())")
        print("agent state storm: answers \(Dictionary(grouping: seen, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key })")

        // Stop the one run the agent reports, wait until it says so, then watch the target.
        let status = try AgentProtocol.decode(AgentProtocol.Status.self, from: HTTPCall.perform(url: base + "/status", headers: headers).body)
        if status.state == "running", let id = status.runID {
            _ = try HTTPCall.perform(method: "POST", url: base + "/stop?run=" + id, headers: headers, body: [])
        }
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            let now = try AgentProtocol.decode(AgentProtocol.Status.self, from: HTTPCall.perform(url: base + "/status", headers: headers).body)
            if now.state != "running", try stats()["in_flight"] == 0 { break }
            usleep(50_000)
        }
        #expect(try stats()["in_flight"] == 0, "requests still in flight after the reported run stopped")
        let before = try stats()["requests"]
        Thread.sleep(forTimeInterval: 1.5)  // an interval to observe (a 20 ms request loop would add ~150), not a synchronisation
        #expect(try stats()["requests"] == before, "a load the agent no longer reports keeps running")
    }
}

/// Answers' statuses from several threads, and which threads are done.
final class LockedStatuses: @unchecked Sendable {
    private let condition = NSCondition()
    private var statuses: [Int] = []
    private var finished = Set<Int>()

    func add(_ status: Int) {
        condition.lock(); statuses.append(status); condition.unlock()
    }

    func done(thread: Int) {
        condition.lock(); finished.insert(thread); condition.broadcast(); condition.unlock()
    }

    var all: [Int] { condition.lock(); defer { condition.unlock() }; return statuses }

    func waitForThreads(_ count: Int, timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while finished.count < count { if !condition.wait(until: deadline) { return false } }
        return true
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
