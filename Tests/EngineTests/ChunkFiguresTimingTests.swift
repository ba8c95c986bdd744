import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// The chunk-level figures through the whole engine, against servers whose chunk schedule the
/// test knows: a close-delimited WAV stream (Tests/Fixtures/audio/stream_server.py) and OpenAI
/// SSE over chunked HTTP/1.1 (sse_server.py). Every gap of every sample, the time to the 5th
/// chunk and to 0.3 s of audio, and their percentiles in a tally, within 5 ms of the schedule.
/// Named *TimingTests so `make test` runs it in the serialized pass.
@Suite(.serialized) struct ChunkFiguresTimingTests {
    static let tolerance = 5.0

    static func run(_ yaml: String, port: Int) throws -> [Sample] {
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "chunks.yaml").plan
        #expect(plan.measures == Measures(readySeconds: 0.3, nthChunk: 5))
        let sink = CollectingSink()
        try LoadEngine(plan: plan, baseURL: "http://127.0.0.1:\(port)", threads: 1, sink: sink).run()
        return sink.samples
    }

    /// Checks each sample against the schedule (ms after the first response byte: `gaps`, the 5th
    /// chunk, 0.3 s of audio) and the tally's percentiles against the schedule's. Returns the
    /// largest deviation seen, in ms.
    @discardableResult
    static func expect(_ all: [Sample], gaps: [Double], fifthChunk: Double, ready: Double, label: String) throws -> Double {
        try #require(!all.isEmpty)
        var worst = 0.0
        func near(_ measured: Double, _ expected: Double, _ what: String) {
            worst = max(worst, abs(measured - expected))
            #expect(abs(measured - expected) <= tolerance, "\(label) \(what): \(measured) ms, schedule \(expected) ms")
        }
        var tally = SampleStats()
        for s in all {
            #expect(s.success, "\(s.failureMessage)")
            let a = try #require(s.audio, "no audio figures: \(s.failureMessage)")
            let firstByte = Double(s.latency) / 1_000
            try #require(a.chunkGaps.count == gaps.count, "\(label) gaps \(a.chunkGaps)")
            for (k, (g, e)) in zip(a.chunkGaps, gaps).enumerated() { near(Double(g) / 1_000, e, "gap \(k + 1)") }
            near(Double(try #require(a.nthChunk)) / 1_000 - firstByte, fifthChunk, "chunk 5")
            near(Double(try #require(a.audioReady)) / 1_000 - firstByte, ready, "ready 0.3 s")
            tally.add(s)
        }
        // The distribution of every gap of every sample: the schedule's own nearest-rank percentiles.
        let schedule = gaps.sorted()
        for p in [50.0, 95, 99] {
            let rank = Int((p / 100 * Double(schedule.count)).rounded(.up))
            near(try #require(tally.ms(\.chunkGap, p)), schedule[rank - 1], "gap p\(Int(p))")
        }
        #expect(tally.chunkGap.count == gaps.count * all.count)
        // From the request's start: the schedule plus the time to the first byte (under 1 ms on loopback).
        let latencies = all.map { Double($0.latency) / 1_000 }
        let readyP95 = try #require(tally.ms(\.audioReady, 95))
        #expect(readyP95 >= ready - tolerance && readyP95 <= ready + latencies.max()! + tolerance, "\(label) ready p95 \(readyP95) ms")
        print("\(label): \(all.count) samples, worst deviation \(String(format: "%.2f", worst)) ms; gap p50/p95/p99 "
              + "\(tally.ms(\.chunkGap, 50)!)/\(tally.ms(\.chunkGap, 95)!)/\(tally.ms(\.chunkGap, 99)!) ms, chunk 5 p95 "
              + "\(tally.ms(\.nthChunk, 95)!) ms, ready p95 \(readyP95) ms, first byte max \(latencies.max()!) ms")
        return worst
    }

    @Test func closeDelimitedWAVStream() throws {
        let server = try ListeningProcess(fixture: "audio/stream_server.py")
        defer { withExtendedLifetime(server) {} }
        let port = try #require(Int(server.address))
        let all = try Self.run("""
            name: chunks
            target: { url: "http://127.0.0.1:\(port)", api: raw }
            measures: { ready_seconds: 0.3, nth_chunk: 5 }
            thread_groups:
              - { name: g, request: { method: GET, path: /stream }, load: { users: 1, duration: 2500ms }, checks: { audio: { min_seconds: 0.1 } } }
            """, port: port)
        // The header with the response head, then PCM at 120, 170, 220, 270, 870, 900 ms: chunk 5
        // is the PCM at 270 (the header is chunk 1), 0.3 s of audio is there at 220.
        try Self.expect(all, gaps: [120, 50, 50, 50, 600, 30], fifthChunk: 270, ready: 220, label: "wav stream")
    }

    @Test func sseOverChunkedHTTP() throws {
        let server = try ListeningProcess(fixture: "audio/sse_server.py")
        defer { withExtendedLifetime(server) {} }
        let port = try #require(Int(server.address))
        let all = try Self.run("""
            name: chunks
            target: { url: "http://127.0.0.1:\(port)", api: openai, audio: { format: pcm, sample_rate: 16000 } }
            measures: { ready_seconds: 0.3, nth_chunk: 5 }
            thread_groups:
              - name: g
                request: { path: /sse/pcm, text: hello, model: gpt-4o-mini-tts, format: pcm, stream_format: sse }
                load: { users: 1, duration: 2500ms }
                checks: { status: 200, audio: { min_seconds: 0.5 } }
            """, port: port)
        // Deltas at 120, 170, 220, 270, 870, 900 ms: the first delta is chunk 1, chunk 5 the one at 870.
        try Self.expect(all, gaps: [50, 50, 50, 600, 30], fifthChunk: 870, ready: 220, label: "sse pcm")
    }
}
