import Foundation
import Testing
import TestSupport

/// The `openai` preset against the embedded server's `/v1/audio/speech`, which streams its body
/// by default as OpenAI's does: for long texts the first audio arrives well before the end.
@Suite struct OpenAIStreamTests {
    @Test func longTextsStreamTheirFirstAudioEarly() throws {
        let text = String(repeating: "A long sentence, spoken slowly and clearly, so that synthesis takes a while. ", count: 6)
        let plan = try temporaryFile("""
            name: openai-stream
            target: { url: embedded, api: openai, server_args: [--cache-mb, "0", --workers, "1"] }
            thread_groups:
              - { name: g, request: { text: "\(text)", voice: alloy, format: wav }, load: { users: 1, duration: 4s } }
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-openai-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try runTTSLoad(["run", plan, "--out", out, "--no-report"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let lines = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let elapsedAt = try #require(header.firstIndex(of: "elapsed")), ttfaAt = try #require(header.firstIndex(of: "ttfa_ms"))
        let secondsAt = try #require(header.firstIndex(of: "audio_seconds"))
        var ratios: [Double] = []
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let elapsed = try #require(Double(f[elapsedAt])), ttfa = try #require(Double(f[ttfaAt]))
            #expect((Double(f[secondsAt]) ?? 0) > 10, "the whole text was spoken: \(f[secondsAt]) s")
            ratios.append(ttfa / elapsed)
        }
        try #require(ratios.count >= 3, "rows: \(ratios.count)")
        let median = ratios.sorted()[ratios.count / 2]
        #expect(median < 0.5, "TTFA / elapsed median \(median): \(ratios)")
    }
}
