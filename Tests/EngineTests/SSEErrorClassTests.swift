import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// Every SSE protocol error, from a real misbehaving server (Tests/Fixtures/audio/sse_server.py),
/// gives its own error class, well within the response timeout: a broken stream never hangs a user.
@Suite(.serialized) struct SSEErrorClassTests {
    @Test func brokenStreamsGiveTheirErrorClassesAndNeverHang() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py")
        let port = try #require(Int(server.address))
        // (path, error class, failure message fragment)
        let cases: [(String, ErrorClass, String)] = [
            ("/sse/bad-base64", .badBase64, "HTTP 200, then: sse event 2 (speech.audio.delta): audio is not valid base64 at character 4"),
            ("/sse/malformed", .malformedEvent, "HTTP 200, then: sse event 2: data is not a JSON object"),
            ("/sse/error-event", .errorEvent, "HTTP 200, then: sse error event: model overloaded"),
            ("/sse/no-done", .noDoneEvent, "HTTP 200, then: sse stream ended without speech.audio.done after 2 audio events"),
            ("/sse/cut", .reset, "HTTP 200, then:"),
        ]
        let groups = cases.enumerated().map { i, c in
            "  - { name: g\(i), request: { path: \(c.0), text: hi, model: gpt-4o-mini-tts, format: pcm, stream_format: sse }, load: { users: 1, duration: 1500ms }, think_time: 50ms }"
        }.joined(separator: "\n")
        let yaml = """
        name: sse-errors
        target: { url: "http://127.0.0.1:\(port)", api: openai, audio: { format: pcm, sample_rate: 16000 } }
        defaults: { timeout: { connect: 2s, response: 5s } }
        thread_groups:
        \(groups)
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "sse-errors.yaml").plan
        let sink = CollectingSink()
        let started = Date()
        try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 2, sink: sink).run()
        // 1.5 s of load; a stream waiting for its timeout would hold the run for 5 s more.
        #expect(Date().timeIntervalSince(started) < 4.5)
        let byGroup = Dictionary(grouping: sink.samples, by: \.groupName)
        for (i, (path, errorClass, message)) in cases.enumerated() {
            let samples = byGroup["g\(i)"] ?? []
            #expect(samples.count >= 3, "\(path): \(samples.count) samples")
            for s in samples {
                #expect(!s.success && s.errorClass == errorClass, "\(path): \(String(describing: s.errorClass)) \(s.failureMessage)")
                #expect(s.failureMessage.hasPrefix(message), "\(path): \(s.failureMessage)")
                #expect(s.status == 0 && s.audio == nil)
                #expect(s.elapsed < 1_000_000, "\(path): \(s.elapsed) µs")
            }
        }
        withExtendedLifetime(server) {}
    }

    @Test func anAnswerThatIsNotSSEIsReadAsAudioWithAWarning() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py")
        let port = try #require(Int(server.address))
        let yaml = """
        name: sse-asked
        target: { url: "http://127.0.0.1:\(port)", api: openai }
        thread_groups:
          - { name: g, request: { path: /sse/audio, text: hi, model: gpt-4o-mini-tts, format: wav, stream_format: sse }, load: { users: 1, duration: 1s } }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "sse-asked.yaml").plan
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink)
        engine.run()
        let s = try #require(sink.samples.first)
        #expect(s.success && s.audio?.audioSeconds == 0.6)
        #expect(engine.audioWarnings["g"]?.contains("stream_format: sse was asked, but the answer's Content-Type is 'audio/wav'") == true,
                "\(engine.audioWarnings)")
        // The request carried the field.
        withExtendedLifetime(server) {}
    }

    @Test func theOpenAIPresetSendsStreamFormat() throws {
        let group = ThreadGroup(name: "g", request: RequestSpec(tts: TTSFields(text: "hi", format: "pcm", model: "gpt-4o-mini-tts", streamFormat: .sse)),
                                load: .constant(users: 1, rampUp: .zero, duration: PlanDuration(seconds: 1)))
        let plan = RequestPlan(group: group, target: Target(location: .embedded, api: .openai), baseURL: "http://127.0.0.1:1")
        let body = String(decoding: plan.render { _ in nil }.body!, as: UTF8.self)
        #expect(body == #"{"model":"gpt-4o-mini-tts","input":"hi","voice":"alloy","response_format":"pcm","stream_format":"sse"}"#)
    }
}
