import Foundation
import Testing
import TestSupport
@testable import TTS

extension AudioAnalysisTests {
    /// Real arrival times over loopback, from a server with a known schedule (Tests/Fixtures/audio/stream_server.py).
    /// Named `...TimingTests` so that `make test` runs it in its serialized timing pass.
    @Suite struct LoopbackTimingTests {
        /// Monotonic µs, the clock the engine uses.
        static func now() -> Int64 {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
        }

        /// stream_server.py through the shared fixture launcher; it prints its port.
        final class Server {
            private let fixture: ListeningProcess
            let port: UInt16

            init() throws {
                fixture = try ListeningProcess(fixture: "audio/stream_server.py")
                port = try #require(UInt16(fixture.address))
            }
        }

        /// GETs `path` over a plain socket, feeding the body to an analyzer as each read returns.
        /// Also returns when the first response byte arrived (µs after the request was sent): the server's
        /// schedule starts when it reads the request and its first write goes out at once, so that is
        /// where the schedule's clock starts as seen from here (thread wake-ups on a busy machine included).
        static func fetch(_ path: String, port: UInt16) throws -> (AudioMeasures, firstByte: Int64) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #expect(fd >= 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            let analyzer = AudioStreamAnalyzer(expectation: AudioExpectation(forced: nil, requestedFormat: "wav"), measureContent: true)
            let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
            let start = now()
            #expect(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == request.count)
            var head: [UInt8] = []
            var inBody = false
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var last = start
            var firstByte: Int64?
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                let at = now()
                last = at
                if firstByte == nil { firstByte = at - start }
                buffer.withUnsafeBytes { all in
                    var body = UnsafeRawBufferPointer(rebasing: all[0..<n])
                    if !inBody {
                        // Strip the HTTP head, as libcurl does before its write callback.
                        head += body
                        guard let end = (0..<max(0, head.count - 3)).first(where: { head[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) else { return }
                        inBody = true
                        let bodyStart = end + 4 - (head.count - n)
                        body = UnsafeRawBufferPointer(rebasing: all[bodyStart..<n])
                    }
                    analyzer.feed(body, at: at)
                }
            }
            return (analyzer.finish(requestStart: start, end: last), firstByte ?? 0)
        }

        @Test func streamingScheduleIsMeasuredWithin5ms() throws {
            let server = try Server()
            let (m, firstByte) = try Self.fetch("/stream", port: server.port)
            let ms = 1_000.0
            #expect(m.format == .wav && m.audioSeconds == 0.6 && !m.truncated)
            // First PCM 120 ms into the schedule (the WAV header came at once, at the schedule's start).
            let ttfa = m.ttfaMicros ?? 0
            #expect(ttfa >= 120_000)
            #expect(abs(Double(ttfa - firstByte) / ms - 120) <= 5, "ttfa \(ttfa) µs, first byte \(firstByte) µs")
            // The deliberate gap: 270 -> 870 ms.
            #expect(abs(Double(m.maxGapMicros) / ms - 600) <= 5, "max gap \(m.maxGapMicros) µs")
            // Player: starts at 120 with 100 ms; +100 ms at 170, 220, 270 -> dry at 520; next audio at 870.
            #expect(abs(Double(m.underrunMicros) / ms - 350) <= 5, "underrun \(m.underrunMicros) µs")
            #expect(m.stalls == 1)
            #expect(m.chunks == 7)  // the WAV header, then six PCM chunks
            print("loopback stream: first byte \(firstByte) µs, ttfa \(m.ttfaMicros ?? -1) µs, max gap \(m.maxGapMicros) µs, underrun \(m.underrunMicros) µs, chunks \(m.chunks)")
        }

        @Test func nonStreamingReplyIsOneChunk() throws {
            let server = try Server()
            let (m, _) = try Self.fetch("/whole", port: server.port)
            #expect(m.audioSeconds == 1.0 && !m.truncated)
            #expect(m.chunks == 1)
            #expect(m.underrunMicros == 0 && m.stalls == 0)
            // Sent after 50 ms; how much later it leaves depends on the Python thread waking, which is not ours to test.
            #expect((m.ttfaMicros ?? 0) >= 50_000, "ttfa \(m.ttfaMicros ?? -1) µs")
        }
    }
}
