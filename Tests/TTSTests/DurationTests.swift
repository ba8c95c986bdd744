import Foundation
import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// Audio seconds against `soxi -D` (Debian's sox), for files made by Debian's encoders, fed whole
    /// and in random chunkings.
    @Suite struct DurationTests {
        let corpus: Corpus

        init() throws { corpus = try Corpus.shared }

        /// Checks `path` against `reference` within `tolerance`, whole and in 20 random chunkings.
        func check(_ path: String, _ kind: AudioKind, reference: Double, tolerance: Double,
                   expectation: AudioExpectation = .sniff) throws -> AudioMeasures {
            let bytes = try corpus.bytes(path)
            let whole = analyse(bytes, expectation: expectation)
            #expect(whole.format == kind, "\(path)")
            #expect(whole.warning == nil, "\(path): \(whole.warning ?? "")")
            #expect(!whole.truncated, "\(path)")
            let seconds = try #require(whole.audioSeconds, "\(path)")
            #expect(abs(seconds - reference) <= tolerance, "\(path): \(seconds) s vs reference \(reference) s")
            var rng = SeededRandom(seed: UInt64(bytes.count))
            for _ in 0..<20 {
                let chunks = randomChunks(bytes.count, &rng)
                let m = analyse(bytes, chunks: chunks, expectation: expectation)
                #expect(ContentFields(m) == ContentFields(whole), "\(path) in \(chunks.count) chunks")
            }
            return whole
        }

        @Test func wavMatchesSoxi() throws {
            for path in [corpus.speechWAV, corpus.speech2WAV, corpus.silenceWAV, corpus.stereoWAV, corpus.listWAV, corpus.extensibleWAV] {
                let reference = try soxiSeconds(path)
                let m = try check(path, .wav, reference: reference, tolerance: 0.001)
                print("wav \(URL(fileURLWithPath: path).lastPathComponent): " + String(format: "ours %.6f s, soxi -D %.6f (%+.3f ms)", m.audioSeconds ?? -1, reference, ((m.audioSeconds ?? 0) - reference) * 1_000))
                #expect(m.sampleRate == Int(try run("soxi", ["-r", path]).trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(m.channels == Int(try run("soxi", ["-c", path]).trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }

        @Test func wavWithListChunkBeforeData() throws {
            let bytes = try corpus.bytes(corpus.listWAV)
            // soxi reads the spliced file (checked in wavMatchesSoxi); here: the LIST chunk is really ahead of data,
            // and the audio is the stereo file's.
            let head = String(decoding: bytes.prefix(200), as: UTF8.self)
            let list = try #require(head.range(of: "LIST")), data = try #require(head.range(of: "data"))
            #expect(list.lowerBound < data.lowerBound)
            let plain = analyse(try corpus.bytes(corpus.stereoWAV))
            let listed = analyse(bytes)
            #expect(listed.audioSeconds == plain.audioSeconds && listed.digest == plain.digest)
        }

        @Test func extensibleWAVIsExtensible() throws {
            let bytes = try corpus.bytes(corpus.extensibleWAV)
            // fmt tag 0xFFFE right after "fmt " + size.
            let fmt = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("fmt ".utf8) })
            #expect(bytes[fmt + 8] == 0xFE && bytes[fmt + 9] == 0xFF)
            #expect(String(decoding: bytes.prefix(100), as: UTF8.self).contains("fact"))
        }

        @Test func rawPCMMatchesSoxi() throws {
            let raw = corpus.dir + "/speech.raw"
            try run("sox", [corpus.speechWAV, "-t", "raw", "-e", "signed", "-b", "16", raw])
            let reference = try soxiSeconds(corpus.speechWAV)
            let forced = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 22_050, channels: 1, sampleWidth: 2),
                                          requestedFormat: "pcm")
            let m = try check(raw, .pcm, reference: reference, tolerance: 0.001, expectation: forced)
            print("pcm speech.raw: " + String(format: "ours %.6f s, soxi -D of the WAV %.6f (%+.3f ms)", m.audioSeconds ?? -1, reference, ((m.audioSeconds ?? 0) - reference) * 1_000))
            #expect(m.sampleRate == 22_050)
            // Same samples as the WAV's data chunk: same digest and RMS.
            let wav = analyse(try corpus.bytes(corpus.speechWAV))
            #expect(m.digest == wav.digest)
            #expect(m.rms == wav.rms)
        }

        /// MP3 against the true length (the WAV that lame encoded, by `soxi -D`) and against sox's own views.
        ///
        /// Debian's sox is not a stable reference for MP3: `soxi -D` honours a LAME "Xing" tag only in some
        /// cases, counts a CBR file's "Info" frame and the encoder's delay and padding as audio, and its
        /// decoded length differs again (see docs/tts-measures.md). With a LAME tag we report the gapless
        /// length, which is the encoder's input; without one, the sum of frame durations.
        @Test func mp3MatchesTheEncodedLengthWithinOneFrame() throws {
            let cases: [(mp3: String, source: String, lameTag: Bool)] = [
                (corpus.cbrMP3, corpus.speechWAV, true), (corpus.vbrMP3, corpus.speechWAV, true),
                (corpus.mpeg1MP3, corpus.stereoWAV, true), (corpus.vbrNoTagMP3, corpus.speechWAV, false),
            ]
            for (path, source, lameTag) in cases {
                let rate = Double(try run("soxi", ["-r", path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                let frame = (rate >= 32_000 ? 1_152 : 576) / rate
                let truth = try soxiSeconds(source)
                let decodedPath = path + ".decoded.wav"
                try run("sox", [path, decodedPath])
                let decoded = try soxiSeconds(decodedPath)
                let soxi = try soxiSeconds(path)
                // Without a tag the encoder delay and padding (under 3 frames) cannot be known, so they count.
                let m = try check(path, .mp3, reference: truth, tolerance: lameTag ? frame : 3 * frame)
                let ours = m.audioSeconds ?? -1
                if !lameTag { #expect(ours >= truth) }
                print("mp3 \(URL(fileURLWithPath: path).lastPathComponent): " + String(format: "ours %.6f s, encoded WAV %.6f (%+.1f ms), soxi -D %.6f (%+.1f ms), sox-decoded %.6f (%+.1f ms), frame %.1f ms",
                             ours, truth, (ours - truth) * 1_000, soxi, (ours - soxi) * 1_000, decoded, (ours - decoded) * 1_000, frame * 1_000))
            }
        }

        @Test func opusMatchesSourceWithinOneFrame() throws {
            // Debian's sox has no Opus handler, so the reference is the encoded WAV's `soxi -D`
            // (opusenc keeps the length exact) and opusinfo's own playback length.
            for (opus, source) in [(corpus.speechOpus, corpus.speechWAV), (corpus.stereoOpus, corpus.stereoWAV)] {
                let reference = try soxiSeconds(source)
                let m = try check(opus, .opus, reference: reference, tolerance: 0.020)
                #expect(m.sampleRate == 48_000)
                let info = try run("opusinfo", [opus])
                let line = try #require(info.split(separator: "\n").first { $0.contains("Playback length") })
                // "Playback length: 0m:04.440s"
                let tail = try #require(line.split(separator: ":").last).dropLast()
                let minutes = try #require(line.split(separator: ":").dropLast().last?.split(separator: "m").first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) })
                let opusinfo = minutes * 60 + (Double(tail) ?? -1)
                #expect(abs((m.audioSeconds ?? 0) - opusinfo) <= 0.001, "\(opus): \(m.audioSeconds ?? -1) vs opusinfo \(opusinfo)")
                print("opus \(URL(fileURLWithPath: opus).lastPathComponent): " + String(format: "ours %.6f s, encoded WAV (soxi -D) %.6f (%+.3f ms), opusinfo %.3f",
                             m.audioSeconds ?? -1, reference, ((m.audioSeconds ?? 0) - reference) * 1_000, opusinfo))
            }
        }
    }
}
