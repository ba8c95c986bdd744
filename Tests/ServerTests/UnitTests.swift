import Foundation
import Testing
@testable import Server

/// The pure parts of the server, without processes or sockets.
/// Serialized: espeak-ng keeps process-global state, and two of these tests use it in-process.
@Suite(.serialized) struct ServerUnits {
    @Test func modelLatencyParsesAndCosts() throws {
        let model = try ModelLatency(parsing: "base=300ms,per-item=40ms,per-char=2ms")
        #expect(model.cost(batchSize: 8, longestText: 100) == .milliseconds(300 + 320 + 200))
        #expect(try ModelLatency(parsing: "base=1.5s").base == .milliseconds(1500))
        #expect(throws: ServerConfigurationError.self) { try ModelLatency(parsing: "base=fast") }
        #expect(throws: ServerConfigurationError.self) { try ModelLatency(parsing: "warp=3ms") }
    }

    @Test func prosodyTableDirections() {
        let neutral = Prosody(emotion: .neutral, intensity: 1, speed: 1)
        #expect(neutral == .neutral)
        let happy = Prosody(emotion: .happy, intensity: 1, speed: 1)
        let sad = Prosody(emotion: .sad, intensity: 1, speed: 1)
        #expect(happy.rate > neutral.rate && happy.pitch > neutral.pitch)
        #expect(sad.rate < neutral.rate && sad.pitch < neutral.pitch && sad.range < neutral.range)
        // Intensity 0 is neutral whatever the emotion; speed scales the rate and is clamped.
        #expect(Prosody(emotion: .angry, intensity: 0, speed: 1) == .neutral)
        #expect(Prosody(emotion: .neutral, intensity: 1, speed: 2).rate == 350)
        #expect(Prosody(emotion: .neutral, intensity: 1, speed: 4).rate == 450)
        #expect(Prosody(emotion: .neutral, intensity: 1, speed: 0.25).rate == 80)
        // Every emotion differs from neutral in at least one parameter.
        for emotion in Emotion.allCases where emotion != .neutral {
            #expect(Prosody(emotion: emotion, intensity: 1, speed: 1) != .neutral, "\(emotion)")
        }
    }

    @Test func wavHeaderLayout() {
        let fixed = WAVHeader.make(dataBytes: 1000)
        #expect(fixed.count == 44)
        #expect(Array(fixed[0..<4]) == Array("RIFF".utf8))
        #expect(fixed[4] == 0x0C && fixed[5] == 0x04)  // 1036 = 1000 + 36
        let streaming = WAVHeader.make(dataBytes: nil)
        #expect(Array(streaming[40..<44]) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(streaming[4..<8]) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func cacheEvictsLeastRecentlyUsedWithinBudget() {
        let cache = AudioCache(budgetBytes: 300)
        let a = SynthesisParameters(text: "a"), b = SynthesisParameters(text: "b"), c = SynthesisParameters(text: "c")
        cache.store(a, bytes: [UInt8](repeating: 1, count: 100))
        cache.store(b, bytes: [UInt8](repeating: 2, count: 100))
        #expect(cache.lookup(a) != nil)  // a is now more recent than b
        cache.store(c, bytes: [UInt8](repeating: 3, count: 150))
        #expect(cache.lookup(b) == nil)
        #expect(cache.lookup(a) != nil && cache.lookup(c) != nil)
        #expect(cache.stats.bytes == 250 && cache.stats.evictions == 1)
        // Every parameter is part of the key.
        #expect(cache.lookup(SynthesisParameters(text: "a", speed: 1.1)) == nil)
        // Too large for the budget: not stored; budget 0: disabled.
        cache.store(SynthesisParameters(text: "big"), bytes: [UInt8](repeating: 0, count: 301))
        #expect(cache.lookup(SynthesisParameters(text: "big")) == nil)
        let off = AudioCache(budgetBytes: 0)
        off.store(a, bytes: [1, 2])
        #expect(off.lookup(a) == nil && off.stats.misses == 0)
    }

    @Test func voiceCatalogResolvesLikeTheCommandLine() throws {
        let espeak = try EspeakSynthesizer()
        let catalog = VoiceCatalog(voices: espeak.listVoices(), variants: espeak.listVoices(variants: true))
        #expect(catalog.resolve("cmn") != nil)
        #expect(catalog.resolve("en-gb+m4") != nil)
        #expect(catalog.resolve("EN-US") == catalog.resolve("en-us"))
        #expect(catalog.resolve("en-us+nope") == nil)
        #expect(catalog.resolve("no-such-voice") == nil)
        #expect(catalog.resolve("mb-en1") == nil, "MBROLA voices need the mbrola program")
        for name in VoiceCatalog.openAIVoices.keys {
            #expect(catalog.resolveOpenAI(name) != nil, "\(name)")
        }
    }

    @Test func synthesizerProducesSpeechInChunks() throws {
        let espeak = try EspeakSynthesizer()
        var chunks = 0
        var samples: [Int16] = []
        let count = try espeak.synthesize(text: "One sentence. And another one after it.", voice: "en-us", prosody: .neutral) { chunk in
            chunks += 1
            samples.append(contentsOf: chunk)
            return true
        }
        #expect(count == samples.count && count > 22050)
        #expect(chunks > 1, "audio arrives in several chunks (streaming)")
        // Aborting from the sink stops synthesis with `.aborted`.
        #expect(throws: SynthesisError.aborted) {
            try espeak.synthesize(text: "This will be cut short.", voice: "en-us", prosody: .neutral) { _ in false }
        }
        #expect(throws: SynthesisError.unknownVoice("zz-none")) {
            try espeak.synthesize(text: "x", voice: "zz-none", prosody: .neutral) { _ in true }
        }
    }

    @Test func jsonNestingDepthIgnoresStrings() {
        #expect(JSONValue.nestingDepth(Array(#"{"a": [[1]]}"#.utf8)) == 3)
        #expect(JSONValue.nestingDepth(Array(#"{"a": "[[[[[\"[["}"#.utf8)) == 1)
    }
}
