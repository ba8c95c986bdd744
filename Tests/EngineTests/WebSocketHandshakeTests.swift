import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// Our own upgrade (`WebSocketConnection`) holds servers to RFC 6455: the accept value is the
/// key's, a 101 must say websocket and upgrade, a refusal keeps its HTTP status, and a server's
/// frame must not be masked. The checks against the RFC's own example, then sessions against
/// the Python `websockets` library made to break the rule (Tests/Fixtures/ws_greeting_server.py).
@Suite struct WebSocketHandshakeTests {
    typealias Handshake = WebSocketConnection.HandshakeHandler

    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    static func head(_ fields: [String], status: String = "HTTP/1.1 101 Switching Protocols") -> String {
        ([status] + fields).joined(separator: "\r\n")
    }

    /// RFC 6455 1.3's example: key "dGhlIHNhbXBsZSBub25jZQ==", accept "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
    @Test func acceptValueIsTheRFCs() {
        #expect(WebSocketConnection.acceptValue(key: Self.key) == Self.accept)
    }

    @Test func aValid101Passes() {
        let head = Self.head(["upgrade: WebSocket", "Connection: keep-alive, Upgrade", "Sec-WebSocket-Accept: \(Self.accept)"])
        #expect(Handshake.check(head: head, expectedAccept: Self.accept) == nil)
    }

    @Test(arguments: [
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: AAAA"], "wrong Sec-WebSocket-Accept"),
        (["Upgrade: websocket", "Connection: Upgrade"], "wrong Sec-WebSocket-Accept"),
        (["Connection: Upgrade", "Sec-WebSocket-Accept: \(accept)"], "without 'Upgrade: websocket'"),
        (["Upgrade: websocket", "Sec-WebSocket-Accept: \(accept)"], "without 'Connection: upgrade'"),
        (["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: \(accept)", "Sec-WebSocket-Extensions: permessage-deflate"],
         "extensions that were not offered"),
    ])
    func a101ThatBreaksTheRFCIsRefused(fields: [String], reason: String) throws {
        let refusal = try #require(Handshake.check(head: Self.head(fields), expectedAccept: Self.accept))
        #expect(refusal.description.contains(reason), "\(refusal)")
        #expect(refusal.status == nil)
    }

    @Test func anHTTPAnswerKeepsItsStatus() throws {
        let refusal = try #require(Handshake.check(head: Self.head(["Retry-After: 1"], status: "HTTP/1.1 429 Too Many Requests"),
                                                   expectedAccept: Self.accept))
        #expect(refusal.status == 429)
        #expect(refusal.description.contains("429 Too Many Requests"))
        #expect(Handshake.check(head: "SSH-2.0-OpenSSH_9.2", expectedAccept: Self.accept)?.status == nil)
    }

    /// A whole session against a server that breaks one rule: the sample fails with its class
    /// (and, for an HTTP answer, its status) and the session does not run into its timeout.
    @Test(arguments: [
        ("wrong-accept", ErrorClass.other, 0, "101 with a wrong Sec-WebSocket-Accept"),
        ("masked", .malformedEvent, 0, "a masked frame"),
        ("reject", .checkFailed, 429, "status 429: WebSocket upgrade refused"),
    ])
    func aSessionAgainstABrokenServerFails(mode: String, expected: ErrorClass, status: Int, message: String) async throws {
        let server = try ListeningProcess(fixture: "ws_greeting_server.py", arguments: [mode])
        let port = try #require(Int(server.address))
        let yaml = """
        name: ws-broken
        target: { url: "http://127.0.0.1:\(port)", api: raw, audio: { format: pcm, sample_rate: 16000 } }
        thread_groups:
          - name: g
            request:
              websocket:
                path: /
                messages: [ { json: { type: hello } } ]
                done: { field: type, equals: done }
                timeout: 30s
            load: { users: 1, duration: 300ms }
            think_time: 100ms
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "ws.yaml").plan
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink)
        await runOnThread(engine)
        let all = sink.samples
        try #require(!all.isEmpty)
        for s in all {
            #expect(!s.success)
            #expect(s.errorClass == expected, "\(mode): \(String(describing: s.errorClass)) \(s.failureMessage)")
            #expect(s.status == status, "\(mode): status \(s.status)")
            #expect(s.failureMessage.contains(message), "\(mode): \(s.failureMessage)")
        }
        print("\(mode): \(all.count) samples, \(String(describing: all[0].errorClass)) \(all[0].status): \(all[0].failureMessage)")
    }
}
