import Foundation
import Testing
@testable import TTS
import Plan

extension AudioAnalysisTests {
    /// `feed` runs in libcurl's write callback for every body chunk: it must not allocate.
    ///
    /// The test process cannot count its own mallocs, so it builds Tests/Fixtures/audio/alloc-count.c
    /// (a malloc counter) and runs this same test binary again with the counter preloaded; the child
    /// counts the allocations of a loop of `feed` calls against the same loop without them.
    @Suite struct AllocationTests {
        typealias Enable = @convention(c) (Int32) -> Void
        typealias Count = @convention(c) () -> Int

        static var counter: (Enable, Count)? {
            guard let h = dlopen(nil, RTLD_NOW), let e = dlsym(h, "tts_alloc_enable"), let c = dlsym(h, "tts_alloc_count") else { return nil }
            return (unsafeBitCast(e, to: Enable.self), unsafeBitCast(c, to: Count.self))
        }

        @Test func feedDoesNotAllocatePerChunk() throws {
            if let (enable, count) = Self.counter {
                try measure(enable, count)
                return
            }
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            let library = (try Corpus.shared).dir + "/alloc-count.so"
            let compile = ["-shared", "-fPIC", "-O2", "-o", library, root.path + "/Fixtures/audio/alloc-count.c", "-ldl"]
            // gcc on Debian; the Swift toolchain's own clang otherwise.
            do { try run("gcc", compile) } catch { try run("clang", compile) }
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["--testing-library", "swift-testing", "--filter", "feedDoesNotAllocatePerChunk"]
            child.environment = ProcessInfo.processInfo.environment.merging(["LD_PRELOAD": library]) { $1 }
            let out = Pipe()
            child.standardOutput = out
            child.standardError = out
            try child.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            #expect(child.terminationStatus == 0, "\(text)")
            #expect(text.contains("feed allocations: 0 extra"), "\(text)")
        }

        /// In the child: every format, random chunk sizes, an analyzer reused after one warm-up run.
        func measure(_ enable: Enable, _ count: Count) throws {
            let c = try Corpus.shared
            let pcm = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 22_050), requestedFormat: nil)
            let cases = [(c.speechWAV, AudioExpectation.sniff), (c.listWAV, .sniff), (c.extensibleWAV, .sniff), (c.cbrMP3, .sniff),
                         (c.vbrMP3, .sniff), (c.speechOpus, .sniff), (c.stereoOpus, .sniff), (c.speechWAV, pcm)]
            var extra = 0
            var feeds = 0
            let a = AudioStreamAnalyzer(expectation: .sniff, measureContent: true)
            for (path, expectation) in cases {
                let bytes = try c.bytes(path)
                var rng = SeededRandom(seed: 11)
                let sizes = randomChunks(bytes.count, &rng)
                // 3 ms apart: every delivery is a chunk of its own, so each records a gap (and the
                // nth-chunk and ready times are taken). The warm-up grows the gap buffer.
                let times = sizes.indices.map { Int64($0) * 3_000 }
                _ = analyse(bytes, chunks: sizes, times: times, expectation: expectation, analyzer: a)
                a.reset(expectation: expectation, measureContent: true)
                bytes.withUnsafeBytes { all in
                    var pieces: [UnsafeRawBufferPointer] = []
                    var o = 0
                    for s in sizes { pieces.append(UnsafeRawBufferPointer(rebasing: all[o..<(o + s)])); o += s }
                    let n = pieces.count
                    let before = count()
                    enable(1)
                    var k = 0
                    while k < n { _ = pieces[k].count; k += 1 }
                    enable(0)
                    let baseline = count() - before
                    let start = count()
                    enable(1)
                    k = 0
                    while k < n { a.feed(pieces[k], at: Int64(k) * 3_000); k += 1 }
                    enable(0)
                    extra += count() - start - baseline
                    feeds += n
                }
                let m = a.finish(requestStart: 0, end: 0)
                #expect(m.chunkGapsMicros.count == sizes.count - 1, "every delivery 3 ms apart is a chunk")
            }
            // SSE: the same speech as delta events (base64 in JSON), decoded into the analyzer.
            let speech = try c.bytes(c.speechWAV)
            var stream = ""
            var o = 0
            while o < speech.count {
                let n = min(4_410, speech.count - o)
                stream += #"data: {"type":"speech.audio.delta","audio":""# + Data(speech[o..<(o + n)]).base64EncodedString() + "\"}\r\n\r\n"
                o += n
            }
            let events = Array((stream + #"data: {"type":"speech.audio.done","usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}"# + "\n\n").utf8)
            var rng = SeededRandom(seed: 12)
            let sizes = randomChunks(events.count, &rng)
            let decoder = SSEAudioDecoder()
            for round in 0..<2 {
                a.reset(expectation: .sniff, measureContent: true)
                decoder.reset()
                events.withUnsafeBytes { all in
                    var pieces: [UnsafeRawBufferPointer] = []
                    var o = 0
                    for s in sizes { pieces.append(UnsafeRawBufferPointer(rebasing: all[o..<(o + s)])); o += s }
                    let start = count()
                    // The first round grows the decoder's buffers; the second must not allocate.
                    if round == 1 { enable(1) }
                    var k = 0
                    while k < pieces.count { decoder.feed(pieces[k], at: Int64(k) * 3_000, into: a); k += 1 }
                    enable(0)
                    if round == 1 {
                        extra += count() - start
                        feeds += pieces.count
                    }
                }
                #expect(decoder.finish() == nil)
                _ = a.finish(requestStart: 0, end: 0)
            }
            #expect(extra == 0)
            print("feed allocations: \(extra) extra in \(feeds) feeds")
        }
    }
}
