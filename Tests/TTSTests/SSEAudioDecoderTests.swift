import Foundation
import Plan
import Testing
@testable import TTS

/// Base64, the event JSON reader and the SSE audio decoder: audio measured as if it had come as
/// bytes, and every protocol error named.
@Suite struct SSEAudioDecoderTests {
    // MARK: Building streams

    static func delta(_ audio: [UInt8]) -> String {
        #"data: {"type":"speech.audio.delta","audio":"\#(Data(audio).base64EncodedString())"}"# + "\n\n"
    }

    static let done = #"data: {"type":"speech.audio.done","usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12}}"# + "\n\n"

    static let pcmExpectation = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 16_000, channels: 1, sampleWidth: 2),
                                                 requestedFormat: "pcm")

    /// Feeds `pieces` at the given times (µs) and finishes at the last one.
    static func run(_ pieces: [(String, Int64)], expectation: AudioExpectation = pcmExpectation) -> (AudioMeasures, SSEStreamFailure?, SSEAudioDecoder) {
        let analyzer = AudioStreamAnalyzer(expectation: expectation, measureContent: true)
        let decoder = SSEAudioDecoder()
        for (text, at) in pieces {
            Array(text.utf8).withUnsafeBytes { decoder.feed($0, at: at, into: analyzer) }
        }
        let failure = decoder.finish()
        return (analyzer.finish(requestStart: 0, end: pieces.last?.1 ?? 0), failure, decoder)
    }

    // MARK: Base64

    static func decode(_ text: String) -> ([UInt8], Int?) {
        // A used scratch buffer: only its first `count` bytes are the answer.
        var out = [UInt8](repeating: 0xAA, count: 7)
        let (count, bad) = Array(text.utf8).withUnsafeBytes { Base64Decoder.decode($0, into: &out) }
        return (Array(out.prefix(count)), bad)
    }

    @Test func base64TestVectorsOfRFC4648() {
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                                 ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            let (out, bad) = Self.decode(encoded)
            #expect(bad == nil && out == Array(plain.utf8), "\(encoded)")
        }
        let all = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for n in [1, 2, 3, 254, 255, 256, 1_000] {
            let (out, bad) = Self.decode(Data(all.prefix(n)).base64EncodedString())
            #expect(bad == nil && out == Array(all.prefix(n)))
        }
    }

    @Test func base64RefusesWhatIsNotStrictlyBase64() {
        // (text, offset reported)
        for (text, offset) in [("Zg=", 3), ("Zg", 2), ("Z===", 1), ("Zh==", 1), ("Zm9=", 2), ("Zm9v YmFy", 9), ("Zm9v\nYmE=", 9),
                               ("Zm9-", 3), ("Zm9_", 3), ("=Zm9", 0), ("Zm==Zm9v", 2), ("Zm9vYm=y", 7), ("Zg=a", 3), ("é==", 0)] {
            let (_, bad) = Self.decode(text)
            #expect(bad == offset, "\(text.debugDescription): \(String(describing: bad))")
        }
    }

    // MARK: Event JSON

    static func json(_ text: String) -> (Bool, SpeechEventJSON) {
        var reader = SpeechEventJSON()
        let ok = Array(text.utf8).withUnsafeBytes { reader.parse($0) }
        return (ok, reader)
    }

    @Test func eventJSONKeepsTypeAudioAndErrors() {
        var (ok, r) = Self.json(#" { "usage": {"a": [1, -2.5e3, true, null, {"x": "y"}]}, "type" : "speech.audio.delta", "audio": "QU\/B\u0043" } "#)
        #expect(ok && String(decoding: r.type, as: UTF8.self) == "speech.audio.delta" && String(decoding: r.audio, as: UTF8.self) == "QU/BC")
        #expect(!r.hasError && r.wrongTypeField == nil)
        (ok, r) = Self.json(#"{"type":"error","error":{"message":"model \"overloaded\" \ud83d\ude00","code":"server_error"}}"#)
        #expect(ok && r.hasError && String(decoding: r.message, as: UTF8.self) == "model \"overloaded\" 😀")
        (ok, r) = Self.json(#"{"type":"speech.audio.done","error":null}"#)
        #expect(ok && !r.hasError)
        (ok, r) = Self.json(#"{"type":7,"audio":["x"]}"#)
        #expect(ok && r.hasType && r.hasAudio && r.wrongTypeField != nil)
    }

    @Test func eventJSONRefusesMalformedText() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        for text in ["", "[]", "\"x\"", "{", "{\"type\":\"a\",}", "{\"type\":\"a\"} x", "{\"type\":01}", "{\"type\":1.}", "{\"type\":-}",
                     "{\"type\":\"a\nb\"}", "{\"type\":\"\\x\"}", "{\"type\":\"\\u12\"}", "{type:\"a\"}", "{\"a\":tru}", "{\"a\":nul}",
                     "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":[1,]}", "{\"a\":\(deep)}", "{\"type\":\"speech.audio.delta\",\"audio\":\"AAAA"] {
            #expect(!Self.json(text).0, "\(text.prefix(40).debugDescription)")
        }
    }

    // MARK: Decoding into the analyzer

    @Test func audioIsMeasuredAsIfItHadComeAsBytes() {
        let pcm: [[UInt8]] = (0..<3).map { k in SyntheticAudio.pcm(millis: 100, rate: 16_000, seed: k * 1_600) }
        // 100 ms each at 16 kHz; the second event arrives split over two deliveries, the last with done.
        let second = Self.delta(pcm[1])
        let cut = second.index(second.startIndex, offsetBy: 40)
        let pieces: [(String, Int64)] = [
            (": connected\n\n", 1_000),
            (Self.delta(pcm[0]), 120_000),
            (String(second[..<cut]), 150_000),
            (String(second[cut...]), 170_000),
            (Self.delta(pcm[2]) + Self.done, 770_000),
        ]
        let (m, failure, decoder) = Self.run(pieces)
        #expect(failure == nil && decoder.audioEvents == 3 && decoder.sawDone)
        #expect(m.format == .pcm && m.audioSeconds == 0.3 && !m.truncated)
        #expect(m.ttfaMicros == 120_000, "the first decoded audio, not the comment")
        // The split event counts when it is whole (170 ms); gaps are between audio deliveries.
        #expect(m.maxGapMicros == 600_000 && m.chunks == 3)
        // 100 ms from 120 -> dry at 220; +100 at 170 -> 320; next at 770: 450 ms stall.
        #expect(m.underrunMicros == 450_000 && m.stalls == 1)
        // Same bytes straight into an analyzer: same digest and level.
        let direct = AudioStreamAnalyzer(expectation: Self.pcmExpectation, measureContent: true)
        let all: [UInt8] = pcm[0] + pcm[1] + pcm[2]
        all.withUnsafeBytes { direct.feed($0, at: 1) }
        let d = direct.finish(requestStart: 0, end: 2)
        #expect(d.digest == m.digest && d.rms == m.rms && d.audioBytes == m.audioBytes)
    }

    @Test func wavInsideEventsWithTheHeaderAsItsOwnEvent() {
        let header = SyntheticAudio.wavHeader(rate: 22_050)
        let pcm = SyntheticAudio.pcm(millis: 200, rate: 22_050)
        let (m, failure, _) = Self.run([(Self.delta(header), 10_000), (Self.delta(Array(pcm[..<4_410])), 60_000),
                                        (Self.delta(Array(pcm[4_410...])) + Self.done, 110_000)],
                                       expectation: AudioExpectation(forced: nil, requestedFormat: "wav"))
        #expect(failure == nil)
        #expect(m.format == .wav && abs((m.audioSeconds ?? 0) - 0.2) < 1e-9 && !m.truncated)
        #expect(m.ttfaMicros == 60_000 && m.chunks == 3)
    }

    @Test func otherEventsAndEndMarkersAreAccepted() {
        let pcm = [UInt8](repeating: 1, count: 3_200)
        // Type from the SSE event field, unknown types ignored, [DONE] ends the stream.
        let audio = Data(pcm).base64EncodedString()
        let (m, failure, decoder) = Self.run([
            ("event: speech.audio.delta\ndata: {\"audio\":\"\(audio)\"}\n\n", 5_000),
            ("data: {\"type\":\"transcript.text.delta\",\"delta\":\"hi\"}\n\n", 6_000),
            ("data: [DONE]\n\n", 7_000),
        ])
        #expect(failure == nil && decoder.audioEvents == 1 && decoder.sawDone)
        #expect(m.audioSeconds == 0.1)
    }

    // MARK: Protocol errors

    @Test func everyProtocolErrorHasItsKind() {
        let good = Self.delta([UInt8](repeating: 0, count: 320))
        let cases: [(String, [String], SSEStreamFailure.Kind, String)] = [
            ("bad base64", [good, #"data: {"type":"speech.audio.delta","audio":"AAA*"}"# + "\n\n", Self.done], .badBase64, "not valid base64 at character 3"),
            ("not JSON", [good, "data: {\"type\":\"speech.audio.delta\",\"audio\":\n\n", Self.done], .malformedEvent, "not a JSON object"),
            ("JSON not an object", ["data: [1,2]\n\n"], .malformedEvent, "not a JSON object"),
            ("no type", ["data: {\"audio\":\"AAAA\"}\n\n"], .malformedEvent, "has no \"type\""),
            ("delta without audio", ["data: {\"type\":\"speech.audio.delta\"}\n\n"], .malformedEvent, "has no \"audio\""),
            ("audio not a string", ["data: {\"type\":\"speech.audio.delta\",\"audio\":[1]}\n\n"], .malformedEvent, "\"audio\" is not a string"),
            ("audio after done", [good, Self.done, good], .malformedEvent, "audio after speech.audio.done"),
            ("error event", [good, "event: error\ndata: overloaded\n\n"], .errorEvent, "sse error event: overloaded"),
            ("type error", [good, #"data: {"type":"error","error":{"message":"model overloaded","code":"server_error"}}"# + "\n\n"],
             .errorEvent, "sse error event: model overloaded"),
            ("error member", [#"data: {"error":{"message":"quota"}}"# + "\n\n"], .errorEvent, "sse error event: quota"),
            ("no done", [good, good], .noDoneEvent, "ended without speech.audio.done after 2 audio events"),
            ("cut inside an event", [good, String(good.prefix(30))], .noDoneEvent, "inside an unfinished event"),
            ("empty body", [], .noDoneEvent, "after 0 audio events"),
        ]
        for (name, pieces, kind, message) in cases {
            let (_, failure, _) = Self.run(pieces.enumerated().map { ($1, Int64($0 + 1) * 1_000) })
            #expect(failure?.kind == kind, "\(name): \(String(describing: failure))")
            #expect(failure?.message.contains(message) == true, "\(name): \(failure?.message ?? "none")")
        }
    }

    @Test func theFirstFailureStopsTheMeasuring() {
        let good = Self.delta([UInt8](repeating: 0, count: 3_200))
        let (m, failure, decoder) = Self.run([(good, 1_000), ("data: nonsense\n\n", 2_000), (good + Self.done, 3_000)])
        #expect(failure?.kind == .malformedEvent && decoder.audioEvents == 1 && !decoder.sawDone)
        #expect(m.audioSeconds == 0.1)
    }

    @Test func anOversizedEventIsMalformed() {
        let analyzer = AudioStreamAnalyzer(expectation: Self.pcmExpectation)
        let decoder = SSEAudioDecoder()
        let line = [UInt8]("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        for k in 0..<17 { line.withUnsafeBytes { decoder.feed($0, at: Int64(k), into: analyzer) } }
        #expect(decoder.failure?.kind == .malformedEvent && decoder.failure?.message.contains("larger than 16 MiB") == true)
    }

    @Test func resetReusesTheDecoder() {
        let analyzer = AudioStreamAnalyzer(expectation: Self.pcmExpectation)
        let decoder = SSEAudioDecoder()
        Array("data: junk\n\n".utf8).withUnsafeBytes { decoder.feed($0, at: 1, into: analyzer) }
        #expect(decoder.finish()?.kind == .malformedEvent)
        decoder.reset()
        analyzer.reset(expectation: Self.pcmExpectation, measureContent: false)
        Array((Self.delta([0, 0]) + Self.done).utf8).withUnsafeBytes { decoder.feed($0, at: 2, into: analyzer) }
        #expect(decoder.finish() == nil && decoder.audioEvents == 1)
    }

    /// Random and mutated streams never trap, and always end in a verdict.
    @Test func mutatedStreamsNeverTrap() {
        var rng = SplitMix(seed: 0x5EED)
        let base = Array((": hi\r\n" + Self.delta([UInt8](repeating: 9, count: 500)) + "event: x\nid: 1\n" + Self.delta([1, 2, 3]) + Self.done).utf8)
        let analyzer = AudioStreamAnalyzer(expectation: Self.pcmExpectation)
        let decoder = SSEAudioDecoder()
        for _ in 0..<3_000 {
            var body = base
            for _ in 0..<Int(rng.next() % 6) {
                let at = Int(rng.next() % UInt64(body.count))
                switch rng.next() % 4 {
                case 0: body[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: body.remove(at: at)
                case 2: body.insert([10, 13, 58, 34, 92, 61][Int(rng.next() % 6)], at: at)
                default: body = Array(body[..<at])
                }
                if body.isEmpty { break }
            }
            analyzer.reset(expectation: Self.pcmExpectation, measureContent: true)
            decoder.reset()
            var i = 0
            while i < body.count {
                let n = min(body.count - i, 1 + Int(rng.next() % 64))
                body[i..<(i + n)].withUnsafeBytes { decoder.feed($0, at: Int64(i), into: analyzer) }
                i += n
            }
            let failure = decoder.finish()
            #expect(failure != nil || decoder.sawDone)
            _ = analyzer.finish(requestStart: 0, end: Int64(body.count))
        }
    }
}

/// A small seeded generator, so a failing mutation can be reproduced.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
