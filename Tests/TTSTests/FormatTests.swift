import Foundation
import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// Container details: streaming WAV sizes, format choice from the expectation, warnings.
    @Suite struct FormatTests {
        /// Every placeholder convention seen in the wild, and a size of 5 hours at this layout.
        static let placeholderSizes: [UInt32] = [0, 0xFFFF_FFFF, 0xFFFF_FFFF - 36, 0xFFFF_FFFF - 100, 0x7FFF_F000, 0x7FFF_FFFF,
                                                 0x7FFF_FFFF - 44, 16_000 * 2 * 3_600 * 5]
        /// Sizes that could be real at 16 kHz 16-bit mono: up to 4 hours.
        static let plausibleSizes: [UInt32] = [16_000, 16_000 * 2 * 3_600 * 4]

        @Test(arguments: placeholderSizes)
        func streamingWAVDataSizeRunsToTheEnd(size: UInt32) {
            let body = SyntheticAudio.wavHeader(rate: 16_000, dataSize: size) + SyntheticAudio.pcm(millis: 250, rate: 16_000)
            let m = analyse(body)
            #expect(m.audioSeconds == 0.25)
            #expect(!m.truncated)
            #expect(m.warning == nil)
        }

        /// A size that could be real is a claim: a body that ends before it is truncated.
        @Test(arguments: plausibleSizes)
        func plausibleWAVDataSizeNotReachedIsTruncated(size: UInt32) {
            let body = SyntheticAudio.wavHeader(rate: 16_000, dataSize: size) + SyntheticAudio.pcm(millis: 250, rate: 16_000)
            let m = analyse(body)
            #expect(m.truncated)
            #expect(m.audioSeconds == 0.25)
        }

        /// Just below the 2 GiB margin is under 4 hours of 48 kHz stereo: a claim there.
        @Test func sizeBelowTheMarginIsAClaimAtAHighRate() {
            let body = SyntheticAudio.wavHeader(rate: 48_000, channels: 2, dataSize: 0x7FFF_FFFF - 70_000)
                + SyntheticAudio.pcm(millis: 250, rate: 96_000)
            let m = analyse(body)
            #expect(m.truncated && m.audioSeconds == 0.25)
        }

        @Test func espeakStdoutWAV() throws {
            // espeak-ng --stdout cannot seek back, so it writes the 0x7FFFF000 placeholder as data size.
            let path = (try Corpus.shared).dir + "/stdout.wav"
            try run("sh", ["-c", "espeak-ng --stdout 'streamed to a pipe' > \(path)"])
            let bytes = try Corpus.shared.bytes(path)
            let m = analyse(bytes)
            #expect(m.format == .wav && !m.truncated && m.warning == nil)
            #expect(abs((m.audioSeconds ?? 0) - Double(bytes.count - 44) / 44_100) < 1e-9)
        }

        @Test func declaredDataFollowedByChunkCountsOnlyData() {
            let pcm = SyntheticAudio.pcm(millis: 100, rate: 8_000)
            var body = SyntheticAudio.wavHeader(rate: 8_000, dataSize: UInt32(pcm.count)) + pcm
            body += Array("LIST".utf8) + [5, 0, 0, 0] + Array("INFOx".utf8) + [0]  // odd size + pad byte
            let m = analyse(body)
            #expect(m.audioSeconds == 0.1 && !m.truncated && m.audioBytes == pcm.count)
        }

        @Test func wavWithoutFmtUsesTargetAudio() {
            let pcm = SyntheticAudio.pcm(millis: 200, rate: 8_000)
            let body = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8) + Array("data".utf8) + [0, 0, 0, 0] + pcm
            #expect(analyse(body).audioSeconds == nil)
            let forced = AudioExpectation(forced: AudioFormat(format: .wav, sampleRate: 8_000), requestedFormat: nil)
            let m = analyse(body, expectation: forced)
            #expect(m.audioSeconds == 0.2)
            #expect(m.warning == "WAV has no fmt chunk before data; used target.audio")
        }

        @Test func requestedPCMIsRawUnlessAContainerSaysOtherwise() throws {
            let pcm = SyntheticAudio.pcm(millis: 100, rate: 24_000)
            let asked = AudioExpectation(forced: nil, requestedFormat: "PCM")
            let raw = analyse(pcm, expectation: asked)
            #expect(raw.format == .pcm)
            #expect(raw.audioSeconds == nil)  // no target.audio: rate unknown
            #expect(raw.warning?.contains("target.audio") == true)
            // A server that answers "pcm" with a WAV is measured as WAV.
            let wav = analyse(try Corpus.shared.bytes(try Corpus.shared.speechWAV), expectation: asked)
            #expect(wav.format == .wav && wav.warning == nil)
            // Forced PCM is never sniffed: even "RIFF" bytes are samples.
            let forced = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 24_000), requestedFormat: "wav")
            #expect(analyse(pcm, expectation: forced).audioSeconds == 0.1)
        }

        @Test func unknownAndEmptyBodiesWarn() {
            let json = analyse(Array("{\"error\":\"busy\"}".utf8), expectation: AudioExpectation(forced: nil, requestedFormat: "mp3"))
            #expect(json.format == .unknown)
            #expect(json.warning == "expected mp3, body starts with 7b 22 65 72")
            #expect(analyse(Array("fLaC".utf8), expectation: AudioExpectation(forced: nil, requestedFormat: "flac")).warning
                == "format 'flac' is not analysed (wav, pcm, mp3, opus)")
            #expect(analyse([]).warning == "empty body")
            let tiny = analyse([0x52, 0x49])
            #expect(tiny.format == .unknown && tiny.warning != nil)
        }

        @Test func oggVorbisIsNotOpus() throws {
            // A first packet that is not OpusHead: one Ogg page holding a fake Vorbis identification header.
            var page = Array("OggS".utf8) + [0, 2] + [UInt8](repeating: 0, count: 8) + [1, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0] + [1, 30]
            page += [1] + Array("vorbis".utf8) + [UInt8](repeating: 0, count: 23)
            let m = analyse(page)
            #expect(m.format == .opus)
            #expect(m.warning == "Ogg Vorbis is not analysed (Opus only)")
            #expect(m.audioSeconds == nil)
        }

        @Test func contentCanBeSkipped() throws {
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: false)
            let bytes = try Corpus.shared.bytes(try Corpus.shared.speechWAV)
            bytes.withUnsafeBytes { a.feed($0, at: 0) }
            let m = a.finish(requestStart: 0, end: 0)
            #expect(m.rms == nil && m.digest == 0)
            #expect(m.audioSeconds == analyse(bytes).audioSeconds)
        }
    }
}

extension AudioAnalysisTests.FormatTests {
    /// Servers that stream one file per sentence: WAVs and Ogg Opus streams back to back.
    @Test func backToBackFilesAddUp() throws {
        let c = try Corpus.shared
        let one = try c.bytes(c.speechWAV), two = try c.bytes(c.speech2WAV)
        let wavs = analyse(one + two)
        let expected = try soxiSeconds(c.speechWAV) + soxiSeconds(c.speech2WAV)
        #expect(abs((wavs.audioSeconds ?? 0) - expected) < 1e-6)
        #expect(!wavs.truncated && wavs.warning == nil)
        // Different formats in a row (the second at 44.1 kHz stereo).
        let mixed = analyse(two + (try c.bytes(c.stereoWAV)))
        #expect(abs((mixed.audioSeconds ?? 0) - (try soxiSeconds(c.speech2WAV) + soxiSeconds(c.stereoWAV))) < 1e-6)

        let speech2Opus = c.dir + "/speech2.opus"
        try run("opusenc", ["--quiet", c.speech2WAV, speech2Opus])
        let chained = analyse(try c.bytes(c.speechOpus) + c.bytes(speech2Opus))
        #expect(chained.format == .opus && !chained.truncated)
        #expect(abs((chained.audioSeconds ?? 0) - expected) < 0.001, "\(chained.audioSeconds ?? -1) vs \(expected)")
    }
}
