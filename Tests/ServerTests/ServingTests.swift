import Foundation
import Testing

extension ServerIntegration {
    @Suite struct Serving {
        /// One worker held for two seconds per batch by the simulated accelerator, queue of 2:
        /// the fourth concurrent request finds the queue full and gets 503 + Retry-After at once.
        @Test func queueFullAnswers503WithRetryAfterImmediately() async throws {
            let server = try await ServerProcess.start([
                "--workers", "1", "--queue", "2", "--cache-mb", "0", "--model-latency", "base=2s", "--retry-after", "2",
            ])
            defer { Task { await server.kill() } }
            let first = Task { try await server.post("/v1/tts", json: #"{"text": "first"}"#) }
            try await server.waitForMetric("tts_batch_size_count") { $0 == 1 }
            let queued = (0..<2).map { i in Task { try await server.post("/v1/tts", json: #"{"text": "queued \#(i)"}"#) } }
            try await server.waitForMetric("tts_queue_depth") { $0 == 2 }
            let rejected = try await server.post("/v1/tts", json: #"{"text": "one too many"}"#)
            #expect(rejected.status == 503)
            #expect(rejected.headers["retry-after"] == "2")
            #expect(rejected.errorCode == "queue_full")
            // The queued requests wait seconds (2 s per batch); the refusal does not wait at all.
            #expect(rejected.completed < 1.0, "answered in \(rejected.completed)s, not after waiting")
            #expect(try await first.value.status == 200)
            for task in queued { #expect(try await task.value.status == 200) }
            let text = try await server.get("/metrics").text
            #expect(text.contains(#"tts_rejected_total{reason="queue_full"} 1"#))
            #expect(text.contains(#"tts_requests_total{route="/v1/tts",code="503"} 1"#))
        }

        @Test func queuedRequestPastItsDeadlineGets504Unsynthesized() async throws {
            let server = try await ServerProcess.start([
                "--workers", "1", "--cache-mb", "0", "--model-latency", "base=2500ms", "--deadline-ms", "200",
            ])
            defer { Task { await server.kill() } }
            let first = Task { try await server.post("/v1/tts", json: #"{"text": "first"}"#) }
            try await server.waitForMetric("tts_batch_size_count") { $0 == 1 }
            let late = try await server.post("/v1/tts", json: #"{"text": "too late"}"#)
            #expect(late.status == 504)
            #expect(late.errorCode == "deadline_exceeded")
            #expect(late.completed < 1.5, "answered at its deadline (\(late.completed)s), not after the first job (2.5 s)")
            #expect(try await first.value.status == 200)
            #expect(try await server.metric("tts_batch_size_count") == 1, "the expired job never reached a worker")
        }

        @Test func clientThatDisconnectsCancelsItsQueuedJob() async throws {
            let server = try await ServerProcess.start(["--workers", "1", "--cache-mb", "0", "--model-latency", "base=1s"])
            defer { Task { await server.kill() } }
            let first = Task { try await server.post("/v1/tts", json: #"{"text": "first"}"#) }
            try await server.waitForMetric("tts_batch_size_count") { $0 == 1 }
            let body = Array(#"{"text": "nobody will listen"}"#.utf8)
            let head = "POST /v1/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            let connection = try RawConnection(port: server.port)
            connection.send(Array(head.utf8) + body)
            // Wait until the job is queued, then hang up.
            try await server.waitForMetric("tts_queue_depth") { $0 == 1 }
            connection.hangUp()
            try await server.waitForMetric("tts_queue_depth", timeout: .seconds(5)) { $0 == 0 }
            #expect(try await first.value.status == 200)
            let text = try await server.get("/metrics").text
            #expect(text.contains(#"tts_rejected_total{reason="client_gone"} 1"#))
            #expect(try await server.metric("tts_batch_size_count") == 1, "the abandoned job was never synthesized")
        }

        @Test func clientThatDisconnectsStopsItsSynthesisInTheWorker() async throws {
            let server = try await ServerProcess.start(["--workers", "1"] + ServerIntegration.Resilience.bigTextFlags)
            defer { Task { await server.kill() } }
            let body = Array(#"{"text": "\#(Texts.huge)"}"#.utf8)
            let head = "POST /v1/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            let connection = try RawConnection(port: server.port)
            connection.send(Array(head.utf8) + body)
            try await server.waitForMetric("tts_inflight") { $0 == 1 }
            connection.hangUp()
            // The worker drops the job at its next chunk, so the worker is free long before the
            // second of synthesis the text needs.
            try await server.waitForMetric("tts_inflight", timeout: .seconds(5)) { $0 == 0 }
            let next = try await server.post("/v1/tts", json: #"{"text": "next in line"}"#)
            #expect(next.status == 200)
            #expect(next.completed < 0.8, "the worker was still busy: \(next.completed)s")
            let text = try await server.get("/metrics").text
            #expect(text.contains(#"tts_rejected_total{reason="client_gone"} 1"#))
            #expect(text.contains(#"tts_requests_total{route="/v1/tts",code="499"} 1"#))
        }

        @Test func cacheHitsAreFasterAndCounted() async throws {
            let server = try await ServerProcess.start(["--workers", "1"])
            defer { Task { await server.kill() } }
            let body = #"{"text": "\#(Texts.veryLong)", "emotion": "calm"}"#
            let miss = try await server.post("/v1/tts", json: body)
            let hit = try await server.post("/v1/tts", json: body)
            #expect(miss.status == 200 && hit.status == 200)
            #expect(miss.headers["x-cache"] == "miss")
            #expect(hit.headers["x-cache"] == "hit")
            #expect(hit.body == miss.body)
            #expect(hit.completed < miss.completed, "hit \(hit.completed)s vs miss \(miss.completed)s")
            // A different parameter is a different key.
            let other = try await server.post("/v1/tts", json: #"{"text": "\#(Texts.veryLong)", "emotion": "sad"}"#)
            #expect(other.headers["x-cache"] == "miss")
            #expect(try await server.metric("tts_cache_hits_total") == 1)
            #expect(try await server.metric("tts_cache_misses_total") == 2)
            #expect(try await server.metric("tts_cache_bytes") ?? 0 > 0)
        }

        @Test func requestsWithinTheWindowAreBatched() async throws {
            let server = try await ServerProcess.start([
                "--workers", "1", "--max-batch", "4", "--batch-wait-ms", "300", "--cache-mb", "0",
            ])
            defer { Task { await server.kill() } }
            let tasks = (0..<4).map { i in Task { try await server.post("/v1/tts", json: #"{"text": "batch member \#(i)"}"#) } }
            var sizes: [Int] = []
            for task in tasks {
                let r = try await task.value
                #expect(r.status == 200)
                sizes.append(Int(r.headers["x-batch-size"] ?? "") ?? 0)
            }
            #expect(sizes.max() ?? 0 >= 2, "batch sizes \(sizes)")
            #expect(try await server.metric("tts_batch_size_count") ?? 9 < 4)
        }

        /// 64 KB per item per character of the longest text: ten-character texts cost 640 KB
        /// each, so a 1 MB budget admits one per batch even with --max-batch 8.
        @Test func modelMemoryBudgetCapsBatches() async throws {
            let server = try await ServerProcess.start([
                "--workers", "1", "--max-batch", "8", "--batch-wait-ms", "200", "--cache-mb", "0",
                "--model-latency", "base=1ms", "--model-memory-mb", "1",
            ])
            defer { Task { await server.kill() } }
            let tasks = (0..<4).map { i in Task { try await server.post("/v1/tts", json: #"{"text": "ten chars\#(i)"}"#) } }
            for task in tasks {
                let r = try await task.value
                #expect(r.status == 200)
                #expect(r.headers["x-batch-size"] == "1")
            }
            #expect(try await server.metric("tts_batch_size_count") == 4)
        }

        @Test func modelLatencyIsAddedAndLabelled() async throws {
            let server = try await ServerProcess.start(["--model-latency", "base=200ms,per-item=10ms,per-char=1ms", "--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let r = try await server.post("/v1/tts", json: #"{"text": "ten chars."}"#)
            #expect(r.status == 200)
            let model = try #require(Double(r.headers["x-model-simulated-ms"] ?? ""))
            #expect(abs(model - 220) < 1, "200 + 10 x 1 + 1 x 10 ms, got \(model)")
            #expect(r.completed >= 0.22)
            #expect(r.headers["server-timing"]?.contains("simulated") == true)
            let text = try await server.get("/metrics").text
            #expect(text.contains("tts_model_enabled 1"))
            #expect(text.contains("tts_model_simulated_seconds_count 1"))
        }

        @Test func leakOptionGrowsMemory() async throws {
            let server = try await ServerProcess.start(["--leak-kb-per-request", "1024", "--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let before = try #require(try await server.metric("process_resident_memory_bytes"))
            for i in 0..<20 {
                #expect(try await server.post("/v1/tts", json: #"{"text": "leak \#(i)"}"#).status == 200)
            }
            #expect(try await server.metric("tts_leaked_bytes") == 20 * 1024 * 1024)
            let after = try #require(try await server.metric("process_resident_memory_bytes"))
            #expect(after - before > 15 * 1024 * 1024, "RSS grew \(after - before) bytes")
        }
    }
}

/// A raw client connection a test can abandon at a moment of its choosing.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw TestFailure("connect failed: errno \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func hangUp() {
        close(fd)
    }
}

#if canImport(Glibc)
import Glibc
#endif
