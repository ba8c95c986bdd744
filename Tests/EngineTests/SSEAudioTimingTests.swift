import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// OpenAI-style SSE speech through the whole engine, against a server whose event schedule is
/// known (Tests/Fixtures/audio/sse_server.py): the figures are those of the decoded audio, to
/// within 5 ms of the schedule. Named *TimingTests so `make test` runs it in the serialized pass.
@Suite(.serialized) struct SSEAudioTimingTests {
    /// Samples of one user asking `path` with the openai preset and stream_format sse for 2 s.
    static func samples(path: String, format: String, audio: String = "", port: Int) throws -> ([Sample], LoadEngine) {
        let yaml = """
        name: sse-timing
        target: { url: "http://127.0.0.1:\(port)", api: openai\(audio) }
        thread_groups:
          - name: g
            request: { path: \(path), text: hello, model: gpt-4o-mini-tts, format: \(format), stream_format: sse }
            load: { users: 1, duration: 2s }
            checks: { status: 200, audio: { min_seconds: 0.5, max_seconds: 0.7 } }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "sse.yaml").plan
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink)
        engine.run()
        return (sink.samples, engine)
    }

    /// The schedule's figures: first audio 120 ms after the first byte, the 600 ms gap, 350 ms of
    /// underrun in one stall (400 ms of audio from 120 ms runs dry at 520; the next comes at 870).
    static func expectSchedule(_ all: [Sample], chunks: Int, format: String) throws {
        try #require(!all.isEmpty)
        for s in all {
            #expect(s.success, "\(s.failureMessage)")
            let a = try #require(s.audio, "no audio figures: \(s.failureMessage)")
            #expect(a.format == format)
            #expect(a.audioSeconds == 0.6, "audio \(a.audioSeconds ?? -1) s")
            let ttfa = try #require(a.ttfa)
            #expect(abs(Double(ttfa - s.latency) / 1_000 - 120) <= 5, "ttfa \(ttfa) µs, first byte \(s.latency) µs")
            #expect(abs(Double(a.maxGap) / 1_000 - 600) <= 5, "max gap \(a.maxGap) µs")
            #expect(abs(Double(a.underrun) / 1_000 - 350) <= 5, "underrun \(a.underrun) µs")
            #expect(a.stalls == 1 && a.chunks == chunks, "stalls \(a.stalls), chunks \(a.chunks)")
            #expect(!a.truncated)
            print("sse \(format): first byte \(s.latency) µs, ttfa \(ttfa) µs (\(ttfa - s.latency) after), max gap \(a.maxGap) µs, underrun \(a.underrun) µs, elapsed \(s.elapsed) µs")
        }
    }

    @Test func wavInEventsIsMeasuredToTheSchedule() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py")
        let port = try #require(Int(server.address))
        let (all, engine) = try Self.samples(path: "/sse/wav", format: "wav", port: port)
        // The WAV header is an event of its own, sent at once: 7 deliveries as in the chunked stream.
        try Self.expectSchedule(all, chunks: 7, format: "wav")
        #expect(engine.audioWarnings.isEmpty, "\(engine.audioWarnings)")
        withExtendedLifetime(server) {}
    }

    @Test func pcmInEventsIsMeasuredToTheSchedule() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py")
        let port = try #require(Int(server.address))
        let (all, _) = try Self.samples(path: "/sse/pcm", format: "pcm", audio: ", audio: { format: pcm, sample_rate: 16000 }", port: port)
        try Self.expectSchedule(all, chunks: 6, format: "pcm")
        withExtendedLifetime(server) {}
    }
}
