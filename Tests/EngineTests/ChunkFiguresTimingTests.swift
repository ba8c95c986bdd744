import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// The chunk-level figures through the whole engine, against servers whose chunk schedule the
/// test knows: a close-delimited WAV stream (Tests/Fixtures/audio/stream_server.py) and OpenAI
/// SSE over chunked HTTP/1.1 (sse_server.py). Every gap of every sample, the time to the 5th
/// chunk and to 0.3 s of audio, and their percentiles in a tally, within 5 ms of the schedule
/// as the server ran it: the fixtures log when each send returned (`--log-sends`), since on a
/// loaded machine a sleeping Python server wakes tens of ms late and the schedule moves with it.
/// The deviation from the nominal schedule is printed beside. Named *TimingTests so `make test`
/// runs it in the serialized pass.
@Suite(.serialized) struct ChunkFiguresTimingTests {
    static let tolerance = 5.0

    /// The samples, and how late a thread of this process woke meanwhile (ms; `WakeLateness`).
    static func run(_ yaml: String, port: Int) throws -> ([Sample], Double) {
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "chunks.yaml").plan
        #expect(plan.measures == Measures(readySeconds: 0.3, nthChunk: 5))
        let sink = CollectingSink()
        let lateness = WakeLateness()
        try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink).run()
        return (sink.samples.sorted { $0.start < $1.start }, lateness.stop())
    }

    /// Checks each sample against what the server sent for it (`sent`, in request order), with the
    /// audio starting at send `audioAt` in 100 ms pieces (0.3 s ready at send audioAt + 2), and
    /// the tally's gap percentiles against those of every gap sent. `nominal` is the plan's own
    /// schedule of sends, for the printed deviation. The window is 5 ms plus `lateness`, how late
    /// a thread of this process woke during the run: a reader descheduled that long reads that
    /// late (and may read two sends at once, as one chunk, when it exceeds their gap).
    static func expect(_ all: [Sample], sent: [ChunkSchedule], audioAt: Int, nominal: ChunkSchedule, label: String,
                       lateness: Double) throws {
        try #require(!all.isEmpty)
        let tolerance = Self.tolerance + lateness
        try #require(sent.count == all.count, "\(label): \(all.count) samples, \(sent.count) logged responses")
        var worst = 0.0, worstNominal = 0.0
        func near(_ measured: Double, _ expected: Double, _ nominal: Double, _ what: String) {
            worst = max(worst, abs(measured - expected))
            worstNominal = max(worstNominal, abs(measured - nominal))
            #expect(abs(measured - expected) <= tolerance, "\(label) \(what): \(measured) ms, sent at \(expected) ms (schedule \(nominal))")
        }
        var tally = SampleStats()
        var sentGaps: [Double] = []
        for (s, schedule) in zip(all, sent) {
            #expect(s.success, "\(s.failureMessage)")
            let a = try #require(s.audio, "no audio figures: \(s.failureMessage)")
            let firstByte = Double(s.latency) / 1_000
            if a.chunkGaps.count == schedule.gaps.count {
                for (k, g) in a.chunkGaps.enumerated() {
                    near(Double(g) / 1_000, schedule.gaps[k], nominal.gaps[min(k, nominal.gaps.count - 1)], "gap \(k + 1)")
                }
            } else {
                // Sends read together: only a reader late by more than the gap between them does that.
                #expect(lateness + 2 >= (schedule.gaps.min() ?? 0), "\(label) gaps \(a.chunkGaps), sends \(schedule.sends), woke \(lateness) ms late")
            }
            if schedule.chunkStarts.count >= 5 && a.chunkGaps.count == schedule.gaps.count {
                near(Double(try #require(a.nthChunk)) / 1_000 - firstByte, schedule.chunkStarts[4], nominal.chunkStarts[4], "chunk 5")
            }
            near(Double(try #require(a.audioReady)) / 1_000 - firstByte, schedule.sends[audioAt + 2], nominal.sends[audioAt + 2], "ready 0.3 s")
            sentGaps += schedule.gaps
            tally.add(s)
        }
        // The distribution of every gap of every sample against that of every gap sent.
        #expect(tally.chunkGap.count == sentGaps.count || lateness + 2 >= (sentGaps.min() ?? 0))
        for p in [50.0, 95, 99] {
            let measured = try #require(tally.ms(\.chunkGap, p))
            near(measured, ChunkSchedule.percentile(sentGaps, p), ChunkSchedule.percentile(nominal.gaps, p), "gap p\(Int(p))")
        }
        // From the request's start: the send plus the time to the first byte.
        let readies = zip(all, sent).map { s, schedule in Double(s.latency) / 1_000 + schedule.sends[audioAt + 2] }
        near(try #require(tally.ms(\.audioReady, 95)), ChunkSchedule.percentile(readies, 95), nominal.sends[audioAt + 2], "ready p95")
        print("\(label): \(all.count) samples, woke up to \(String(format: "%.2f", lateness)) ms late, worst deviation from the sends \(String(format: "%.2f", worst)) ms, from the nominal schedule "
              + "\(String(format: "%.2f", worstNominal)) ms; gap p50/p95/p99 \(tally.ms(\.chunkGap, 50)!)/\(tally.ms(\.chunkGap, 95)!)/"
              + "\(tally.ms(\.chunkGap, 99)!) ms, chunk 5 p95 \(tally.ms(\.nthChunk, 95).map { "\($0)" } ?? "-") ms, ready p95 "
              + "\(tally.ms(\.audioReady, 95)!) ms")
    }

    static func sent(_ server: ListeningProcess, count: Int) -> [ChunkSchedule] {
        server.lines(count: count, timeout: 10).compactMap(ChunkSchedule.init(line:))
    }

    @Test func closeDelimitedWAVStream() throws {
        let server = try ListeningProcess(fixture: "audio/stream_server.py", arguments: ["--log-sends"])
        defer { withExtendedLifetime(server) {} }
        let port = try #require(Int(server.address))
        let (all, lateness) = try Self.run("""
            name: chunks
            target: { url: "http://127.0.0.1:\(port)", api: raw }
            measures: { ready_seconds: 0.3, nth_chunk: 5 }
            thread_groups:
              - { name: g, request: { method: GET, path: /stream }, load: { users: 1, duration: 2500ms }, checks: { audio: { min_seconds: 0.1 } } }
            """, port: port)
        // The header with the response head (chunk 1), then PCM at 120, 170, 220, 270, 870, 900 ms:
        // gaps 120, 50, 50, 50, 600, 30; chunk 5 at 270; 0.3 s of audio at 220.
        try Self.expect(all, sent: Self.sent(server, count: all.count), audioAt: 1,
                        nominal: ChunkSchedule(sends: [0, 120, 170, 220, 270, 870, 900]), label: "wav stream", lateness: lateness)
    }

    @Test func sseOverChunkedHTTP() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py", arguments: ["--log-sends"])
        defer { withExtendedLifetime(server) {} }
        let port = try #require(Int(server.address))
        let (all, lateness) = try Self.run("""
            name: chunks
            target: { url: "http://127.0.0.1:\(port)", api: openai, audio: { format: pcm, sample_rate: 16000 } }
            measures: { ready_seconds: 0.3, nth_chunk: 5 }
            thread_groups:
              - name: g
                request: { path: /sse/pcm, text: hello, model: gpt-4o-mini-tts, format: pcm, stream_format: sse }
                load: { users: 1, duration: 2500ms }
                checks: { status: 200, audio: { min_seconds: 0.5 } }
            """, port: port)
        // Deltas at 120, 170, 220, 270, 870, 900 ms: gaps 50, 50, 50, 600, 30; chunk 5 at 870; ready at 220.
        try Self.expect(all, sent: Self.sent(server, count: all.count), audioAt: 0,
                        nominal: ChunkSchedule(sends: [120, 170, 220, 270, 870, 900]), label: "sse pcm", lateness: lateness)
    }
}
