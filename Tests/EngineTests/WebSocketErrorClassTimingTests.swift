import Foundation
import Plan
import Results
import Testing
@testable import Engine

/// Each way a session can break gives its own error class, and none of them hangs the run. A
/// timing test (run alone): sessions are tasks on the cooperative pool, which the parallel
/// phase's blocking tests can hold for seconds, and the run time is part of the claim.
@Suite(.serialized) struct WebSocketErrorClassTimingTests {
    @Test(arguments: [
        ("/ws/err/bad-base64", "json", ErrorClass.badBase64, "not valid base64"),
        ("/ws/err/malformed", "binary", .malformedEvent, "is not a JSON object"),
        ("/ws/err/close-1011", "binary", .closeError, "closed with code 1011"),
        ("/ws/err/cut", "binary", .closedMidAudio, "after 2 audio messages"),
        ("/ws/err/no-done", "binary", .closedMidAudio, "before the done message"),
        ("/ws/err/error-message", "binary", .errorEvent, "voice not found"),
        ("/ws/err/silent", "binary", .timeout, "timed out after 1s"),
        ("/ws/nowhere", "binary", .checkFailed, "status 400: WebSocket upgrade refused"),
    ])
    func sessionFailsWithItsClass(path: String, frames: String, expected: ErrorClass, message: String) async throws {
        let server = try await ScheduledWebSocketServer.start()
        defer { server.stop() }
        let sink = CollectingSink()
        let plan = try WebSocketSessionTimingTests.plan(port: server.port, path: path, frames: frames, duration: "500ms",
                                                        think: "300ms", timeout: "1s")
        let began = ContinuousClock.now
        let engine = try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(server.port)", threads: 1, sink: sink)
        await runOnThread(engine)
        let took = ContinuousClock.now - began
        let all = sink.samples
        try #require(!all.isEmpty)
        for s in all {
            #expect(!s.success)
            #expect(s.errorClass == expected, "\(path): \(String(describing: s.errorClass)) \(s.failureMessage)")
            #expect(s.failureMessage.contains(message), "\(path): \(s.failureMessage)")
        }
        // At most two sessions of at most the 1 s timeout each, plus the 300 ms think time.
        #expect(took < .seconds(4), "\(path) took \(took)")
        print("\(path): \(all.count) samples, \(String(describing: all[0].errorClass)): \(all[0].failureMessage) (run \(took))")
    }

    @Test func refusedConnectionIsConnectRefused() async throws {
        let plan = try WebSocketSessionTimingTests.plan(port: 1, path: "/ws/pcm", duration: "300ms", think: "300ms", timeout: "1s")
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:1", threads: 1, sink: sink)
        await runOnThread(engine)
        let s = try #require(sink.samples.first)
        #expect(s.errorClass == .connectRefused, "\(s.failureMessage)")
    }
}
