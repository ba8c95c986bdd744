import Foundation
import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// Each audio check fails exactly the samples it should.
    @Suite struct CheckTests {
        let corpus: Corpus

        init() throws { corpus = try Corpus.shared }

        func measures(_ path: String) throws -> AudioMeasures { analyse(try corpus.bytes(path)) }

        @Test func silenceFailsNonSilentSpeechPasses() throws {
            let checks = AudioChecks(nonSilent: true)
            let silence = try measures(corpus.silenceWAV)
            // sox dithers its 16-bit output: about -96 dBFS, not digital zero.
            #expect((silence.rms ?? 1) < 0.0001)
            let failure = try #require(AudioCheckEvaluator.failure(checks, silence, text: "x", distinct: nil))
            #expect(failure == "non_silent: rms 0 <= 0.001")
            let speech = try measures(corpus.speechWAV)
            #expect((speech.rms ?? 0) > 0.01)
            #expect(AudioCheckEvaluator.failure(checks, speech, text: "x", distinct: nil) == nil)
            // Compressed audio has no level; holding audio is enough.
            #expect(AudioCheckEvaluator.failure(checks, try measures(corpus.cbrMP3), text: "x", distinct: nil) == nil)
        }

        @Test func identicalAudioForDifferentTextsFailsDistinct() throws {
            let checks = AudioChecks(distinct: true)
            let tracker = DistinctAudioTracker(capacity: 100)
            let speech = try measures(corpus.speechWAV)
            let other = try measures(corpus.speech2WAV)
            #expect(AudioCheckEvaluator.failure(checks, speech, text: "first text", distinct: tracker) == nil)
            // Same text again (a cache hit): fine.
            #expect(AudioCheckEvaluator.failure(checks, speech, text: "first text", distinct: tracker) == nil)
            #expect(AudioCheckEvaluator.failure(checks, other, text: "second text", distinct: tracker) == nil)
            // A canned reply: the first audio for a third text.
            let failure = try #require(AudioCheckEvaluator.failure(checks, speech, text: "third text", distinct: tracker))
            #expect(failure == "distinct: audio identical to that of a different text ('first text')")
            // The same PCM sent as MP3 by the same server would differ; a WAV with another header but the
            // same samples is the same audio.
            var rewrapped = try corpus.bytes(corpus.speechWAV)
            rewrapped[4] ^= 0xFF  // RIFF size: not audio
            #expect(analyse(rewrapped).digest == speech.digest)
        }

        @Test func distinctMemoryIsBounded() {
            let tracker = DistinctAudioTracker(capacity: 10)
            for k in 0..<1_000 { _ = tracker.record(digest: UInt64(k) + 1, text: "text \(k)") }
            #expect(tracker.count == 10)
            #expect(tracker.record(digest: 1_000, text: "another") == "text 999")
            #expect(tracker.record(digest: 1, text: "forgotten") == nil)
        }

        @Test func distinctIsThreadSafe() async {
            let tracker = DistinctAudioTracker(capacity: 1_000)
            let conflicts = await withTaskGroup(of: Int.self) { group in
                for t in 0..<4 {
                    group.addTask {
                        var n = 0
                        for k in 0..<2_000 where tracker.record(digest: UInt64(k % 500) + 1, text: "task \(t)") != nil { n += 1 }
                        return n
                    }
                }
                return await group.reduce(0, +)
            }
            // 500 digests, each first recorded by one task; every later record by another task conflicts.
            #expect(tracker.count == 500)
            #expect(conflicts > 0)
        }

        @Test func slowTTFAFailsMaxTTFA() throws {
            let checks = AudioChecks(maxTTFA: PlanDuration(milliseconds: 200))
            let body = SyntheticAudio.wavHeader(rate: 16_000) + SyntheticAudio.pcm(millis: 500, rate: 16_000)
            let fast = analyse(body, chunks: [44, body.count - 44], times: [50_000, 150_000])
            let slow = analyse(body, chunks: [44, body.count - 44], times: [50_000, 250_000])
            #expect(AudioCheckEvaluator.failure(checks, fast, text: nil, distinct: nil) == nil)
            #expect(AudioCheckEvaluator.failure(checks, slow, text: nil, distinct: nil) == "max_ttfa: ttfa 250ms > 200ms")
        }

        @Test func truncatedBodiesAreFlaggedAndFail() throws {
            let checks = AudioChecks(minSeconds: 0.1)
            for path in [corpus.speechWAV, corpus.vbrMP3, corpus.cbrMP3, corpus.speechOpus] {
                let bytes = try corpus.bytes(path)
                let whole = analyse(bytes)
                #expect(!whole.truncated, "\(path)")
                let cut = Array(bytes.prefix(bytes.count * 2 / 3 + 1))
                let m = analyse(cut)
                #expect(m.truncated, "\(path)")
                #expect((m.audioSeconds ?? 0) < (whole.audioSeconds ?? 0), "\(path)")
                let failure = try #require(AudioCheckEvaluator.failure(checks, m, text: nil, distinct: nil))
                #expect(failure.hasPrefix("truncated:"), "\(failure)")
                #expect(AudioCheckEvaluator.failure(checks, whole, text: nil, distinct: nil) == nil)
            }
            // A streaming header claims nothing: a body cut at a sample boundary is not truncated.
            let streaming = SyntheticAudio.wavHeader(rate: 16_000) + SyntheticAudio.pcm(millis: 100, rate: 16_000)
            #expect(!analyse(streaming).truncated)
            #expect(analyse(Array(streaming.dropLast())).truncated)  // half a sample
        }

        @Test func secondsAndRTFChecks() throws {
            let m = analyse(SyntheticAudio.wavHeader(rate: 16_000) + SyntheticAudio.pcm(millis: 500, rate: 16_000),
                            times: [400_000], requestStart: 0)
            #expect(m.rtf == 0.8)
            #expect(AudioCheckEvaluator.failure(AudioChecks(minSeconds: 1), m, text: nil, distinct: nil) == "min_seconds: audio 0.5s < 1s")
            #expect(AudioCheckEvaluator.failure(AudioChecks(maxSeconds: 0.25), m, text: nil, distinct: nil) == "max_seconds: audio 0.5s > 0.25s")
            #expect(AudioCheckEvaluator.failure(AudioChecks(maxRTF: 0.5), m, text: nil, distinct: nil) == "max_rtf: rtf 0.8 > 0.5")
            #expect(AudioCheckEvaluator.failure(AudioChecks(maxRTF: 1), m, text: nil, distinct: nil) == nil)
            #expect(AudioCheckEvaluator.failure(AudioChecks(), m, text: nil, distinct: nil) == nil)
            let unknown = analyse(Array("<html>oops</html>".utf8))
            #expect(unknown.format == .unknown && unknown.audioSeconds == nil)
            #expect(AudioCheckEvaluator.failure(AudioChecks(minSeconds: 1), unknown, text: nil, distinct: nil)
                == "min_seconds: no audio measured (unrecognised audio format, body starts with 3c 68 74 6d)")
        }

        @Test func underrunCheck() {
            let rate = 16_000
            let pieces = [SyntheticAudio.wavHeader(rate: rate), SyntheticAudio.pcm(millis: 100, rate: rate), SyntheticAudio.pcm(millis: 100, rate: rate)]
            let m = analyse(pieces.flatMap { $0 }, chunks: pieces.map(\.count), times: [0, 10_000, 260_000])
            #expect(m.underrunMicros == 150_000 && m.stalls == 1)
            #expect(AudioCheckEvaluator.failure(AudioChecks(maxUnderrun: PlanDuration(milliseconds: 100)), m, text: nil, distinct: nil)
                == "max_underrun: underrun 150ms in 1 stalls > 100ms")
        }
    }
}
