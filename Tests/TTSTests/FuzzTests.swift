import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// Mutated and cut audio bodies, fed in random chunks, never crash and never give impossible figures.
    @Suite struct FuzzTests {
        @Test func mutatedBodiesNeverCrash() throws {
            let c = try Corpus.shared
            // Heads of real files keep each body small (the whole suite runs in seconds); the cut also
            // lands mid-frame and mid-page.
            let seeds = try [c.speechWAV, c.stereoWAV, c.extensibleWAV, c.cbrMP3, c.vbrMP3, c.vbrNoTagMP3, c.speechOpus, c.stereoOpus]
                .map { Array(try c.bytes($0).prefix(12_000)) }
                + [SyntheticAudio.wavHeader(rate: 16_000, dataSize: 100) + SyntheticAudio.pcm(millis: 20, rate: 16_000)]
            let expectations = [
                AudioExpectation.sniff,
                AudioExpectation(forced: nil, requestedFormat: "pcm"),
                AudioExpectation(forced: AudioFormat(format: .wav, sampleRate: 0, channels: 0, sampleWidth: 0), requestedFormat: nil),
                AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 22_050, channels: 1, sampleWidth: 3), requestedFormat: nil),
            ]
            var rng = SeededRandom(seed: 0x5EED)
            let analyzer = AudioStreamAnalyzer(expectation: .sniff, measureContent: true)
            var kinds: [AudioKind: Int] = [:]
            for round in 0..<4_000 {
                var body = seeds[round % seeds.count]
                switch Int.random(in: 0..<5, using: &rng) {
                case 0:  // flip bytes, mostly in the headers
                    for _ in 0..<Int.random(in: 1...8, using: &rng) {
                        let k = Int.random(in: 0..<min(body.count, Bool.random(using: &rng) ? 256 : body.count), using: &rng)
                        body[k] = UInt8.random(in: 0...255, using: &rng)
                    }
                case 1:  // cut anywhere
                    body = Array(body.prefix(Int.random(in: 0...body.count, using: &rng)))
                case 2:  // splice a random slice elsewhere
                    let a = Int.random(in: 0..<body.count, using: &rng), b = Int.random(in: a...body.count, using: &rng)
                    body.insert(contentsOf: body[a..<b], at: Int.random(in: 0...body.count, using: &rng))
                case 3:  // size fields to extremes
                    for _ in 0..<4 {
                        let k = Int.random(in: 0..<min(body.count, 128), using: &rng)
                        body[k] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
                    }
                default:  // random bytes after a valid magic
                    body = Array(body.prefix(4)) + (0..<Int.random(in: 0...4_000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
                let chunks = randomChunks(body.count, &rng)
                var t: Int64 = 0
                let times = chunks.map { _ in t += Int64.random(in: -5_000...50_000, using: &rng); return t }
                let m = analyse(body, chunks: chunks, times: times, expectation: expectations[round % expectations.count],
                                requestStart: 0, analyzer: analyzer)
                kinds[m.format, default: 0] += 1
                if let s = m.audioSeconds { #expect(s.isFinite && s >= 0) }
                if let r = m.rms { #expect(r >= 0 && r <= 1.0001) }
                #expect(m.underrunMicros >= 0 && m.maxGapMicros >= 0 && m.stalls >= 0)
                #expect(m.bodyBytes == body.count && m.audioBytes <= body.count)
                if m.format == .unknown { #expect(m.warning != nil && m.audioSeconds == nil) }
            }
            print("fuzz: formats seen \(kinds)")
            // The mutations must still reach every parser, or the fuzzing proves little.
            for kind in [AudioKind.wav, .mp3, .opus, .pcm, .unknown] { #expect(kinds[kind, default: 0] > 20, "\(kind): \(kinds)") }
        }
    }
}

extension AudioAnalysisTests.FuzzTests {
    @Test func extremeNumbersDoNotTrap() {
        #expect(SampleTime.micros(samples: Int64.max, rate: 8_000) > 0)
        #expect(SampleTime.micros(samples: 48_000, rate: 48_000) == 1_000_000)
        #expect(SampleTime.micros(samples: 1, rate: 3) == 333_333)
        let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: true)
        let body = SyntheticAudio.wavHeader(rate: 8_000) + SyntheticAudio.pcm(millis: 10, rate: 8_000)
        body.withUnsafeBytes {
            a.feed(UnsafeRawBufferPointer(rebasing: $0[0..<40]), at: Int64.max)
            a.feed(UnsafeRawBufferPointer(rebasing: $0[40...]), at: Int64.min)
        }
        let m = a.finish(requestStart: Int64.min, end: Int64.max)
        #expect(m.audioSeconds == 0.01)
    }
}
