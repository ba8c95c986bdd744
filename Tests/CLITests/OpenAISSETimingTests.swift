import Foundation
import Testing
import TestSupport

/// `stream_format: sse` through `ttsload run` against the embedded server: the events arrive as
/// synthesis goes (time to first audio well below elapsed for a long text), and the audio inside
/// them is exactly what a whole body holds. Named *TimingTests: it times things, so `make test`
/// runs it in the serialized pass.
@Suite(.serialized) struct OpenAISSETimingTests {
    static let text = String(repeating: "A long sentence, spoken slowly and clearly, so that synthesis takes a while. ", count: 6)

    /// The JTL rows of a 4 s run of one user with this request, as (ttfa ms, elapsed ms, audio seconds, success).
    static func run(request: String) throws -> [(ttfa: Double?, elapsed: Double, seconds: Double?, success: Bool, message: String)] {
        let plan = try temporaryFile("""
            name: openai-sse
            target: { url: embedded, api: openai, server_args: [--cache-mb, "0", --workers, "1"] }
            thread_groups:
              - { name: g, request: \(request), load: { users: 1, duration: 4s } }
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-sse-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try runTTSLoad(["run", plan, "--out", out, "--no-report"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        let lines = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let elapsedAt = try #require(header.firstIndex(of: "elapsed")), ttfaAt = try #require(header.firstIndex(of: "ttfa_ms"))
        let secondsAt = try #require(header.firstIndex(of: "audio_seconds")), successAt = try #require(header.firstIndex(of: "success"))
        let messageAt = try #require(header.firstIndex(of: "failureMessage"))
        return try lines.dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let elapsed = try #require(Double(f[elapsedAt]))
            return (Double(f[ttfaAt]), elapsed, Double(f[secondsAt]), f[successAt] == "true", String(f[messageAt]))
        }
    }

    @Test func eventsStreamEarlyAndCarryTheWholeAudio() throws {
        let sse = try Self.run(request: #"{ text: "\#(Self.text)", model: gpt-4o-mini-tts, voice: alloy, format: wav, stream_format: sse }"#)
        try #require(sse.count >= 3, "rows: \(sse.count)")
        #expect(sse.allSatisfy { $0.success }, "\(sse.map(\.message))")
        let ratios = sse.compactMap { row in row.ttfa.map { $0 / row.elapsed } }
        let median = ratios.sorted()[ratios.count / 2]
        #expect(ratios.count == sse.count && median < 0.5, "TTFA / elapsed median \(median): \(ratios)")
        // The same requests as whole bodies, on a fresh server: espeak-ng's output depends on what
        // the worker spoke before (a few samples), so row k of each run is the same synthesis
        // (the probe, then the samples in order) and the durations must match exactly.
        let whole = try Self.run(request: #"{ json: { model: gpt-4o-mini-tts, input: "\#(Self.text)", voice: alloy, response_format: wav, stream: false } }"#)
        try #require(!whole.isEmpty)
        for (k, (a, b)) in zip(sse, whole).enumerated() {
            #expect(a.seconds != nil && a.seconds == b.seconds, "row \(k): sse \(a.seconds ?? -1) s, whole body \(b.seconds ?? -1) s")
        }
        #expect((sse.first?.seconds ?? 0) > 10, "the whole text was spoken")
        let ttfa = sse.compactMap(\.ttfa).sorted(), elapsed = sse.map(\.elapsed).sorted()
        print("embedded sse: \(sse.count) rows, ttfa median \(ttfa[ttfa.count / 2]) ms, elapsed median \(elapsed[elapsed.count / 2]) ms, ttfa/elapsed median \(median), audio \(sse.first?.seconds ?? 0) s; whole-body rows \(whole.count)")
    }
}
