import Foundation
import Plan
import Testing
@testable import TTS

/// Runs a command-line tool and returns its standard output; throws when it exits non-zero.
@discardableResult
func run(_ tool: String, _ args: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + args
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ToolError.failed(tool + " " + args.joined(separator: " ")) }
    return String(decoding: data, as: UTF8.self)
}

enum ToolError: Error { case failed(String) }

struct CorpusError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `soxi -D`: duration in seconds as Debian's sox reads it.
func soxiSeconds(_ path: String) throws -> Double {
    let text = try run("soxi", ["-D", path]).trimmingCharacters(in: .whitespacesAndNewlines)
    return try #require(Double(text))
}

/// Audio files made once per test process by the real tools, in a temporary folder.
final class Corpus: Sendable {
    let dir: String
    /// espeak-ng speech, 22050 Hz mono 16-bit.
    let speechWAV: String
    let speech2WAV: String
    /// sox: 1.5 s of digital silence, 22050 Hz mono 16-bit.
    let silenceWAV: String
    /// sox: stereo 44.1 kHz 16-bit; the same with a LIST chunk (odd size, padded) spliced in before data;
    /// 3 channels of 24-bit at 48 kHz, which sox writes as WAVE_FORMAT_EXTENSIBLE with a fact chunk.
    let stereoWAV: String
    let listWAV: String
    let extensibleWAV: String
    /// lame: CBR 64 kb/s, VBR -V4 (Xing), VBR without the Xing tag (-t), 44.1 kHz MPEG-1 CBR.
    let cbrMP3: String
    let vbrMP3: String
    let vbrNoTagMP3: String
    let mpeg1MP3: String
    /// opusenc from speechWAV, and a 48 kHz stereo one from stereoWAV.
    let speechOpus: String
    let stereoOpus: String

    /// Made once; a missing tool fails the tests that need the corpus (not the whole test process).
    private static let made: Result<Corpus, CorpusError> = {
        do { return .success(try Corpus()) } catch { return .failure(CorpusError(message: "making the audio corpus failed: \(error) (run ./setup)")) }
    }()

    static var shared: Corpus {
        get throws { try made.get() }
    }

    private static var folder: String { NSTemporaryDirectory() + "ttstests-\(getpid())" }

    private init() throws {
        let d = Corpus.folder
        dir = d
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        // Removed when the test process exits (a C callback: it can only recompute the path).
        atexit { try? FileManager.default.removeItem(atPath: Corpus.folder) }
        func p(_ name: String) -> String { d + "/" + name }
        speechWAV = p("speech.wav")
        try run("espeak-ng", ["-w", speechWAV, "The quick brown fox jumps over the lazy dog. Testing the audio analyser."])
        speech2WAV = p("speech2.wav")
        try run("espeak-ng", ["-w", speech2WAV, "A different sentence, spoken by the same voice."])
        silenceWAV = p("silence.wav")
        try run("sox", ["-n", "-r", "22050", "-c", "1", "-b", "16", silenceWAV, "trim", "0", "1.5"])
        stereoWAV = p("stereo.wav")
        try run("sox", [speechWAV, "-r", "44100", "-c", "2", stereoWAV])
        listWAV = p("list.wav")
        var stereo = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stereoWAV)))
        // After RIFF(12) + "fmt " chunk (8 + 16): a LIST/INFO chunk of 13 bytes plus its pad byte.
        let list = Array("LIST".utf8) + [13, 0, 0, 0] + Array("INFOICMT".utf8) + [1, 0, 0, 0, 0x41, 0]
        stereo.insert(contentsOf: list, at: 36)
        let riffSize = UInt32(stereo.count - 8)
        stereo.replaceSubrange(4..<8, with: [UInt8(riffSize & 0xFF), UInt8(riffSize >> 8 & 0xFF), UInt8(riffSize >> 16 & 0xFF), UInt8(riffSize >> 24)])
        try Data(stereo).write(to: URL(fileURLWithPath: listWAV))
        extensibleWAV = p("extensible.wav")
        try run("sox", [speechWAV, "-r", "48000", "-c", "3", "-b", "24", extensibleWAV])
        cbrMP3 = p("cbr.mp3")
        try run("lame", ["--quiet", "-b", "64", speechWAV, cbrMP3])
        vbrMP3 = p("vbr.mp3")
        try run("lame", ["--quiet", "-V", "4", "--tt", "a title for an ID3v2 tag", "--add-id3v2", speechWAV, vbrMP3])
        vbrNoTagMP3 = p("vbr-notag.mp3")
        try run("lame", ["--quiet", "-t", "-V", "2", speechWAV, vbrNoTagMP3])
        mpeg1MP3 = p("mpeg1.mp3")
        try run("lame", ["--quiet", "-b", "128", stereoWAV, mpeg1MP3])
        speechOpus = p("speech.opus")
        try run("opusenc", ["--quiet", speechWAV, speechOpus])
        stereoOpus = p("stereo.opus")
        try run("opusenc", ["--quiet", "--bitrate", "48", stereoWAV, stereoOpus])
    }

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}

/// Chunk sizes from 1 byte to 64 KiB, log-uniform so that both tiny and large chunks occur.
func randomChunks(_ total: Int, _ rng: inout SeededRandom) -> [Int] {
    var sizes: [Int] = []
    var left = total
    while left > 0 {
        let size = min(left, Int(pow(2, Double.random(in: 0...16, using: &rng))))
        sizes.append(max(1, size))
        left -= max(1, size)
    }
    return sizes
}

/// Feeds `bytes` in the given chunk sizes, all arriving at `at` unless `times` gives one per chunk.
func analyse(_ bytes: [UInt8], chunks: [Int]? = nil, times: [Int64]? = nil, expectation: AudioExpectation = .sniff,
             requestStart: Int64 = 0, end: Int64? = nil, analyzer: AudioStreamAnalyzer? = nil) -> AudioMeasures {
    let a = analyzer ?? AudioStreamAnalyzer(expectation: expectation, measureContent: true)
    a.reset(expectation: expectation, measureContent: true)
    let sizes = chunks ?? [bytes.count]
    var offset = 0
    var last: Int64 = 0
    bytes.withUnsafeBytes { all in
        for (k, size) in sizes.enumerated() {
            let at = times?[k] ?? 0
            a.feed(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + size)]), at: at)
            offset += size
            last = at
        }
    }
    return a.finish(requestStart: requestStart, end: end ?? last)
}

/// The fields that must not depend on how the body was chunked.
struct ContentFields: Equatable, CustomStringConvertible {
    var format: AudioKind
    var sampleRate: Int?
    var channels: Int?
    var audioSeconds: Double?
    var truncated: Bool
    var rms: Double?
    var digest: UInt64
    var audioBytes: Int
    var warning: String?

    init(_ m: AudioMeasures) {
        format = m.format
        sampleRate = m.sampleRate
        channels = m.channels
        audioSeconds = m.audioSeconds
        truncated = m.truncated
        rms = m.rms
        digest = m.digest
        audioBytes = m.audioBytes
        warning = m.warning
    }

    var description: String {
        "\(format) \(sampleRate ?? -1) Hz x\(channels ?? -1) \(audioSeconds ?? -1)s trunc=\(truncated) rms=\(rms ?? -1) bytes=\(audioBytes) \(warning ?? "")"
    }
}
