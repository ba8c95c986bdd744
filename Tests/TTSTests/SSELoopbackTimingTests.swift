import Foundation
import Plan
import Testing
import TestSupport
@testable import TTS

extension AudioAnalysisTests {
    /// SSE audio over a real loopback socket from a server with a known event schedule
    /// (Tests/Fixtures/audio/sse_server.py, HTTP/1.0 so the body is the raw event stream): every
    /// audio event's arrival, so every gap, within 5 ms of the schedule. Named `...TimingTests` so
    /// that `make test` runs it in its serialized timing pass.
    @Suite struct SSELoopbackTimingTests {
        /// What one request gave: the measures, the first response byte (µs after sending), when
        /// each audio event reached the analyzer (µs after sending), and the stream's verdict.
        struct Fetched {
            var measures: AudioMeasures
            var firstByte: Int64
            var audioAt: [Int64]
            var failure: SSEStreamFailure?
        }

        static func fetch(_ path: String, port: UInt16, expectation: AudioExpectation) throws -> Fetched {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(connected == 0)
            let analyzer = AudioStreamAnalyzer(expectation: expectation, measureContent: true)
            let decoder = SSEAudioDecoder()
            let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
            let start = LoopbackTimingTests.now()
            #expect(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == request.count)
            var head: [UInt8] = []
            var inBody = false
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var last = start
            var firstByte: Int64?
            var audioAt: [Int64] = []
            // Bounded: the server ends every answer within a second; a read times out after 5 s.
            for _ in 0..<10_000 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                let at = LoopbackTimingTests.now()
                last = at
                if firstByte == nil { firstByte = at - start }
                buffer.withUnsafeBytes { all in
                    var body = UnsafeRawBufferPointer(rebasing: all[0..<n])
                    if !inBody {
                        head += body
                        guard let end = (0..<max(0, head.count - 3)).first(where: { head[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) else { return }
                        inBody = true
                        body = UnsafeRawBufferPointer(rebasing: all[(end + 4 - (head.count - n))..<n])
                    }
                    let before = decoder.audioEvents
                    decoder.feed(body, at: at, into: analyzer)
                    // Events that complete in the same read arrive together.
                    for _ in before..<decoder.audioEvents { audioAt.append(at - start) }
                }
            }
            let failure = decoder.finish()
            return Fetched(measures: analyzer.finish(requestStart: start, end: last), firstByte: firstByte ?? 0, audioAt: audioAt, failure: failure)
        }

        static let scheduleMs: [Int64] = [120, 170, 220, 270, 870, 900]

        @Test func everyEventArrivesWithin5msOfTheSchedule() throws {
            let server = try ListeningProcess(fixture: "audio/sse_server.py")
            let port = try #require(UInt16(server.address))
            let pcm = AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 16_000), requestedFormat: "pcm")
            for (path, expectation) in [("/sse/pcm", pcm), ("/sse/wav", AudioExpectation(forced: nil, requestedFormat: "wav"))] {
                let f = try Self.fetch(path, port: port, expectation: expectation)
                #expect(f.failure == nil, "\(path): \(String(describing: f.failure))")
                #expect(f.measures.audioSeconds == 0.6 && !f.measures.truncated, "\(path)")
                // The header delta (wav) carries no audio samples, but is an audio event.
                let times = path == "/sse/wav" ? Array(f.audioAt.dropFirst()) : f.audioAt
                try #require(times.count == Self.scheduleMs.count, "\(path): \(f.audioAt)")
                // Each arrival after the first byte (the schedule's start as seen here), so each gap.
                let offsets = times.map { Double($0 - f.firstByte) / 1_000 }
                let deviations = zip(offsets, Self.scheduleMs).map { $0 - Double($1) }
                #expect(deviations.allSatisfy { abs($0) <= 5 }, "\(path): arrivals \(offsets) ms, deviations \(deviations)")
                #expect(abs(Double(f.measures.ttfaMicros ?? 0) / 1_000 - Double(f.firstByte) / 1_000 - 120) <= 5)
                #expect(abs(Double(f.measures.maxGapMicros) / 1_000 - 600) <= 5)
                #expect(abs(Double(f.measures.underrunMicros) / 1_000 - 350) <= 5 && f.measures.stalls == 1)
                let worst = deviations.map(abs).max() ?? 0
                print("sse loopback \(path): first byte \(f.firstByte) µs, event offsets \(offsets.map { String(format: "%.2f", $0) }) ms, worst deviation \(String(format: "%.2f", worst)) ms")
            }
            withExtendedLifetime(server) {}
        }

        @Test func aStreamCutByTheConnectionIsIncomplete() throws {
            let server = try ListeningProcess(fixture: "audio/sse_server.py")
            let port = try #require(UInt16(server.address))
            // Without chunking the body ends with the connection: only the events say it was cut.
            let f = try Self.fetch("/sse/cut", port: port, expectation: AudioExpectation(forced: AudioFormat(format: .pcm, sampleRate: 16_000), requestedFormat: "pcm"))
            #expect(f.failure?.kind == .noDoneEvent && f.failure?.message.contains("inside an unfinished event") == true, "\(String(describing: f.failure))")
            #expect(f.measures.audioSeconds == 0.1)
            withExtendedLifetime(server) {}
        }
    }
}
