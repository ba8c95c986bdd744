import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// TTS measures through the whole engine against a server whose timing is known
/// (Tests/Fixtures/audio/stream_server.py). Named *TimingTests so `make test` runs it in the
/// serialized pass.
@Suite(.serialized) struct AudioTimingTests {
    func startStreamServer() throws -> (ListeningProcess, Int) {
        let server = try ListeningProcess(fixture: "audio/stream_server.py")
        return (server, try #require(Int(server.address)))
    }

    func samples(path: String, port: Int) throws -> [Sample] {
        let yaml = """
        name: audio-timing
        target: { url: "http://127.0.0.1:\(port)", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: \(path) }, load: { users: 1, duration: 1500ms }, checks: { audio: { min_seconds: 0.1 } } }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "audio.yaml").plan
        let sink = CollectingSink()
        try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink).run()
        return sink.samples
    }

    @Test func streamingScheduleIsMeasuredWithinFiveMilliseconds() throws {
        let (server, port) = try startStreamServer()
        defer { withExtendedLifetime(server) {} }
        let all = try samples(path: "/stream", port: port)
        try #require(!all.isEmpty)
        for s in all {
            let a = try #require(s.audio, "no audio figures: \(s.failureMessage)")
            #expect(a.format == "wav")
            #expect(abs((a.audioSeconds ?? 0) - 0.6) < 0.001)
            // The header is sent at once, the first PCM 120 ms later: TTFA - time to first byte = 120 ms.
            let ttfa = try #require(a.ttfa)
            #expect(abs(Double(ttfa - s.latency) / 1_000 - 120) <= 5, "ttfa \(ttfa) µs, first byte \(s.latency) µs")
            #expect(abs(Double(a.maxGap) / 1_000 - 600) <= 5, "max gap \(a.maxGap) µs")
            // 400 ms of audio from 120 ms plays until 520 ms; the next chunk comes at 870 ms: 350 ms stall.
            #expect(abs(Double(a.underrun) / 1_000 - 350) <= 5, "underrun \(a.underrun) µs")
            #expect(a.stalls == 1)
            #expect(s.success)
        }
    }

    @Test func wholeReplyIsOneChunkWithoutUnderrun() throws {
        let (server, port) = try startStreamServer()
        defer { withExtendedLifetime(server) {} }
        let all = try samples(path: "/whole", port: port)
        try #require(!all.isEmpty)
        for s in all {
            let a = try #require(s.audio)
            #expect(abs((a.audioSeconds ?? 0) - 1.0) < 0.001)
            #expect(a.chunks == 1, "chunks \(a.chunks)")
            #expect(a.underrun == 0 && a.stalls == 0)
            #expect(a.rtf.map { $0 > 0 && $0 < 1 } == true)
        }
    }
}
