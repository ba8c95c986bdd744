import Foundation
import Plan
import Results
import Testing
@testable import Engine

/// WebSocket sessions through the whole engine against `ScheduledWebSocketServer`, whose frame
/// schedule is known: TTFA, the largest gap and the underrun within 5 ms of it, the audio seconds
/// exact. Named *TimingTests so `make test` runs it in the serialized pass.
@Suite(.serialized) struct WebSocketSessionTimingTests {
    static func plan(port: Int, path: String, frames: String = "binary", duration: String = "1500ms",
                     think: String = "none", timeout: String = "5s") throws -> Plan {
        let yaml = """
        name: ws-timing
        target: { url: "http://127.0.0.1:\(port)", api: raw, audio: { format: pcm, sample_rate: 16000 } }
        thread_groups:
          - name: g
            request:
              websocket:
                path: \(path)
                messages:
                  - json: { type: config, format: pcm }
                  - json: { type: text, text: "${piece}" }
                    split: { text: "one two three", by: words, pace: 20ms }
                  - json: { type: end }
                audio: { frames: \(frames) }
                done: { field: type, equals: done }
                timeout: \(timeout)
            load: { users: 1, duration: \(duration) }
            think_time: \(think)
        """
        return try PlanLoader.parse(data: Data(yaml.utf8), file: "ws.yaml").plan
    }

    static func expectSchedule(_ all: [Sample]) throws {
        try #require(!all.isEmpty)
        for s in all {
            #expect(s.success, "\(s.failureMessage)")
            #expect(s.status == 101)
            let a = try #require(s.audio, "no audio figures: \(s.failureMessage)")
            #expect(a.format == "pcm")
            #expect(a.audioSeconds == 0.6, "audio \(a.audioSeconds ?? -1) s")
            let ttfa = try #require(a.ttfa)
            // The schedule starts when the server's handler starts: the client's connect, to well under 1 ms.
            #expect(abs(Double(ttfa - s.connect) / 1_000 - 120) <= 5, "ttfa \(ttfa) µs, connect \(s.connect) µs")
            #expect(abs(Double(a.maxGap) / 1_000 - 600) <= 5, "max gap \(a.maxGap) µs")
            #expect(abs(Double(a.underrun) / 1_000 - 350) <= 5, "underrun \(a.underrun) µs")
            #expect(a.stalls == 1 && a.chunks == 6, "stalls \(a.stalls), chunks \(a.chunks)")
            // done arrives right after the last chunk, 900 ms into the session.
            #expect(abs(Double(s.elapsed - s.connect) / 1_000 - 900) <= 5, "elapsed \(s.elapsed) µs")
            // Five messages sent (config, three words 20 ms apart, end), each listed.
            let sent = s.responseMessage.split(separator: ";")[0].split(separator: " ").dropFirst(2).dropLast().compactMap { Double($0) }
            #expect(sent.count == 5, "\(s.responseMessage)")
            if sent.count == 5 {
                #expect(abs(sent[2] - sent[1] - 20) <= 5 && abs(sent[3] - sent[2] - 20) <= 5, "\(s.responseMessage)")
            }
            print("ws: connect \(s.connect) µs, ttfa \(ttfa) µs (\(ttfa - s.connect) after), max gap \(a.maxGap) µs, underrun \(a.underrun) µs, elapsed \(s.elapsed) µs; \(s.responseMessage)")
        }
    }

    @Test func binaryFramesAreMeasuredToTheSchedule() async throws {
        let server = try await ScheduledWebSocketServer.start()
        defer { server.stop() }
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: Self.plan(port: server.port, path: "/ws/pcm"), baseURL: "http://127.0.0.1:\(server.port)", threads: 1, sink: sink)
        await runOnThread(engine)
        try Self.expectSchedule(sink.samples)
    }

    @Test func base64JSONFramesAreMeasuredToTheSchedule() async throws {
        let server = try await ScheduledWebSocketServer.start()
        defer { server.stop() }
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: Self.plan(port: server.port, path: "/ws/json", frames: "json"), baseURL: "http://127.0.0.1:\(server.port)", threads: 1, sink: sink)
        await runOnThread(engine)
        try Self.expectSchedule(sink.samples)
    }
}

/// Each way a session can break gives its own error class, and none of them hangs the run.
@Suite(.serialized) struct WebSocketErrorClassTests {
    @Test(arguments: [
        ("/ws/err/bad-base64", "json", ErrorClass.badBase64, "not valid base64"),
        ("/ws/err/malformed", "binary", .malformedEvent, "is not a JSON object"),
        ("/ws/err/close-1011", "binary", .closeError, "closed with code 1011"),
        ("/ws/err/cut", "binary", .closedMidAudio, "after 2 audio messages"),
        ("/ws/err/no-done", "binary", .closedMidAudio, "before the done message"),
        ("/ws/err/error-message", "binary", .errorEvent, "voice not found"),
        ("/ws/err/silent", "binary", .timeout, "timed out after 1s"),
        ("/ws/nowhere", "binary", .other, "upgrade refused"),
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
