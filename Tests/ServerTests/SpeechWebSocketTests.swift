import Foundation
import Testing

extension ServerIntegration {
    /// `GET /v1/tts/ws` on a real `ttsload server`, driven by the Python `websockets` client.
    @Suite struct SpeechWebSocketTests {
        static let sentence = "The quick brown fox jumps over the lazy dog."

        /// The text sent in pieces comes back as binary PCM and a done message whose figures are
        /// the audio's: its audio_seconds exactly the bytes received, about as long as `POST
        /// /v1/tts` gives for the whole text (espeak-ng's length varies by a few samples from one
        /// synthesis to the next: 115,284 to 115,318 bytes here), a normal close, and the session
        /// counted under its route.
        @Test func sessionAudioMatchesTheTextsSynthesis() async throws {
            let server = try await ServerProcess.start(["--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let words = Self.sentence.split(separator: " ").map { String($0) }
            let pieces: [[String: Any]] = words.enumerated().map { i, w in ["type": "text", "text": i == words.count - 1 ? w : w + " "] }
            let session = try await WebSocketSessionResult.run(
                port: server.port, messages: [["type": "config", "format": "pcm"]] + pieces + [["type": "end"]])
            let http = try await server.post("/v1/tts", json: #"{"text": "\#(Self.sentence)", "format": "pcm"}"#)
            #expect(http.status == 200)
            #expect(session.binaryMessages > 0)
            #expect(session.binaryBytes % 2 == 0)
            #expect(abs(Double(session.binaryBytes - http.body.count)) <= 0.01 * Double(http.body.count),
                    "ws \(session.binaryBytes) bytes, POST /v1/tts \(http.body.count)")
            let done = try #require(session.objects.last, "no text message: \(session.texts)")
            #expect(done["type"] as? String == "done")
            let seconds = try #require(done["audio_seconds"] as? Double)
            #expect(abs(seconds - Double(session.binaryBytes / 2) / 22050) < 1e-5, "done says \(seconds) s for \(session.binaryBytes) bytes")
            #expect(done["characters"] as? Int == Self.sentence.count)
            #expect(done["chunks"] as? Int == session.binaryMessages)
            #expect(session.closeCode == 1000)
            let metrics = try await server.get("/metrics").text
            #expect(metrics.contains(#"tts_requests_total{route="/v1/tts/ws",code="200"} 1"#), "\(metrics)")
        }

        /// A message that is not one of config, text, end: an error message naming it, close
        /// 1008 (policy violation), counted as a 400.
        @Test func badMessageGetsAnErrorAndClose1008() async throws {
            let server = try await ServerProcess.start(["--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let session = try await WebSocketSessionResult.run(port: server.port, messages: [["type": "speak", "text": "hello"]])
            #expect(session.binaryMessages == 0)
            let error = try #require(session.objects.first, "no error message")
            #expect(error["type"] as? String == "error")
            let detail = try #require(error["error"] as? [String: Any])
            #expect(detail["code"] as? String == "invalid_message")
            #expect((detail["message"] as? String)?.contains("speak") == true, "\(detail)")
            #expect(session.closeCode == 1008)
            #expect(session.closeReason == "invalid_message")
            let metrics = try await server.get("/metrics").text
            #expect(metrics.contains(#"tts_requests_total{route="/v1/tts/ws",code="400"} 1"#), "\(metrics)")
        }

        /// One worker held 2 s per batch and a queue of 1: with one request synthesizing and one
        /// queued, a session's text finds the queue full: error `queue_full`, close 1013 (try
        /// again later), counted as a 503 and a queue_full rejection. Format wav: no header
        /// message goes before the refusal.
        @Test func fullQueueClosesWith1013() async throws {
            let server = try await ServerProcess.start(["--workers", "1", "--queue", "1", "--cache-mb", "0", "--model-latency", "base=2s"])
            defer { Task { await server.kill() } }
            let first = Task { try await server.post("/v1/tts", json: #"{"text": "first"}"#) }
            try await server.waitForMetric("tts_batch_size_count") { $0 == 1 }
            let queued = Task { try await server.post("/v1/tts", json: #"{"text": "queued"}"#) }
            try await server.waitForMetric("tts_queue_depth") { $0 == 1 }
            let session = try await WebSocketSessionResult.run(
                port: server.port, messages: [["type": "text", "text": "one too many"], ["type": "end"]])
            #expect(session.binaryMessages == 0)
            let error = try #require(session.objects.first, "no error message")
            #expect((error["error"] as? [String: Any])?["code"] as? String == "queue_full", "\(error)")
            #expect(session.closeCode == 1013)
            #expect(try await first.value.status == 200)
            #expect(try await queued.value.status == 200)
            let metrics = try await server.get("/metrics").text
            #expect(metrics.contains(#"tts_requests_total{route="/v1/tts/ws",code="503"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"tts_rejected_total{reason="queue_full"} 1"#))
        }
    }
}
