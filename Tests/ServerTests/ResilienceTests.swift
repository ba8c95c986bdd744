import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ServerIntegration {
    @Suite struct Resilience {
        static let bigTextFlags = ["--max-text-chars", "30000", "--max-body-kb", "256", "--cache-mb", "0"]

        @Test func crashedWorkerIsReplacedAndItsRequestAnswered500() async throws {
            let server = try await ServerProcess.start(["--workers", "1"] + Self.bigTextFlags)
            defer { Task { await server.kill() } }
            let before = try await server.workerPIDs()
            #expect(before.count == 1)
            let victim = Task { try await server.post("/v1/tts", json: #"{"text": "\#(Texts.huge)"}"#) }
            try await server.waitForMetric("tts_inflight") { $0 == 1 }
            kill(before[0], SIGKILL)
            let answer = try await victim.value
            #expect(answer.status == 500)
            #expect(answer.errorCode == "worker_crashed")
            try await server.waitForMetric("tts_worker_restarts_total") { $0 == 1 }
            try await server.waitForMetric("tts_workers") { $0 == 1 }
            let after = try await server.workerPIDs()
            #expect(after.count == 1 && after != before)
            #expect(try await server.post("/v1/tts", json: #"{"text": "after the crash"}"#).status == 200)
        }

        /// A crash after the events began is an error event, and the stream still ends cleanly.
        @Test func crashedWorkerMidEventsSendsAnErrorEvent() async throws {
            let server = try await ServerProcess.start(["--workers", "1"] + Self.bigTextFlags)
            defer { Task { await server.kill() } }
            let before = try await server.workerPIDs()
            // The kill waits for the first event to reach the client: from then on the stream has
            // begun, whatever the scheduler's gauges say at the instant a poll would look.
            let (began, beganSignal) = AsyncStream<Void>.makeStream()
            let victim = Task {
                defer { beganSignal.finish() }
                return try await server.post(
                    "/v1/audio/speech", json: #"{"input": "\#(Texts.huge)", "voice": "alloy", "stream_format": "sse"}"#,
                    onFirstBody: { beganSignal.yield() })
            }
            var streamBegan = false
            for await _ in began { streamBegan = true; break }
            guard streamBegan else {
                let answer = try await victim.value
                Issue.record("the stream ended before its first event: \(answer.status) \(answer.text.prefix(300)); stderr: \(server.stderr.prefix(1500))")
                return
            }
            kill(before[0], SIGKILL)
            let answer = try await victim.value
            #expect(answer.status == 200 && answer.complete && answer.headers["content-type"] == "text/event-stream")
            let events = answer.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let last = try #require(events.last)
            #expect(last.hasPrefix(#"data: {"type":"error","error":{"#) && last.contains(#""code":"worker_crashed""#), "\(last.prefix(300))")
            #expect(!answer.text.contains("speech.audio.done"))
            try await server.waitForMetric("tts_worker_restarts_total") { $0 == 1 }
        }

        @Test func gracefulShutdownFinishesInFlightWorkAndExitsZero() async throws {
            let server = try await ServerProcess.start(["--workers", "1", "--grace-ms", "20000"] + Self.bigTextFlags)
            defer { Task { await server.kill() } }
            let workers = try await server.workerPIDs()
            let inFlight = Task { try await server.post("/v1/tts", json: #"{"text": "\#(Texts.huge)"}"#) }
            try await server.waitForMetric("tts_inflight") { $0 == 1 }
            server.signal(SIGTERM)
            // As Ctrl-C in a terminal does, the signal reaches the workers too: they keep going.
            for pid in workers { kill(pid, SIGINT) }
            // New connections are refused while the in-flight request is still being synthesized.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            var refused = false
            while clock.now < deadline {
                if !HTTPClient.canConnect(port: server.port) { refused = true; break }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(refused, "the listener should close on SIGTERM")
            let response: HTTPResponse
            do {
                response = try await inFlight.value
            } catch {
                let status = await server.waitForExit(timeout: .seconds(15))
                Issue.record("in-flight request failed: \(error); server exit \(status.map(String.init) ?? "none"); stderr: \(server.stderr.prefix(2500))")
                return
            }
            let (status, complete, bytes) = (response.status, response.complete, response.body.count)
            #expect(status == 200, "\(response.text.prefix(300))")
            #expect(complete, "\(bytes) bytes of \(response.headers["content-length"] ?? "?")")
            #expect((WAVFile(response.body)?.duration ?? 0) > 300)
            #expect(await server.waitForExit(timeout: .seconds(15)) == 0)
            // Its workers went with it.
            for pid in workers {
                #expect(kill(pid, 0) != 0 || Self.isZombie(pid), "worker \(pid) outlived the server")
            }
        }

        @Test func tempDirStaysEmptyAfterABurstWithFailures() async throws {
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-tmp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: tmp) }
            let server = try await ServerProcess.start(["--workers", "2", "--queue", "4", "--cache-mb", "0"], environment: ["TMPDIR": tmp.path])
            defer { Task { await server.kill() } }
            let bodies = [
                #"{"text": "\#(Texts.long)", "stream": true}"#, #"{"text": ""}"#, #"{"text": "\#(Texts.medium)"}"#,
                #"{"text": "x", "emotion": "bored"}"#, "{broken", #"{"text": "\#(Texts.veryLong)"}"#,
            ]
            let tasks = (0..<24).map { i in Task { try await server.post("/v1/tts", json: bodies[i % bodies.count]) } }
            var statuses: Set<Int> = []
            for task in tasks { statuses.insert(try await task.value.status) }
            // Kill a worker too: a crash is the failure most likely to leave files behind.
            if let pid = try await server.workerPIDs().first { kill(pid, SIGKILL) }
            try await server.waitForMetric("tts_worker_restarts_total") { $0 == 1 }
            #expect(statuses.contains(200) && statuses.contains(400))
            let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
            #expect(left.isEmpty, "temp files left: \(left)")
        }

        static func isZombie(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            return stat.contains(") Z ")
        }
    }
}
