import Foundation
import Testing

extension ServerIntegration {
    @Suite struct Validation {
        /// (route, body, expected status, expected field)
        static let cases: [(String, String, Int, String)] = [
            ("/v1/tts", #"{"text": ""}"#, 400, "text"),
            ("/v1/tts", #"{"text": "  \n\t "}"#, 400, "text"),
            ("/v1/tts", #"{}"#, 400, "text"),
            ("/v1/tts", #"{"text": 42}"#, 400, "text"),
            ("/v1/tts", #"{"text": "\#(String(repeating: "a", count: 101))"}"#, 400, "text"),
            ("/v1/tts", #"{"text": "hi", "emotion": "furious"}"#, 400, "emotion"),
            ("/v1/tts", #"{"text": "hi", "emotion": 3}"#, 400, "emotion"),
            ("/v1/tts", #"{"text": "hi", "emotion_intensity": 1.5}"#, 400, "emotion_intensity"),
            ("/v1/tts", #"{"text": "hi", "emotion_intensity": -0.1}"#, 400, "emotion_intensity"),
            ("/v1/tts", #"{"text": "hi", "emotion_intensity": "high"}"#, 400, "emotion_intensity"),
            ("/v1/tts", #"{"text": "hi", "voice": "no-such-voice"}"#, 400, "voice"),
            ("/v1/tts", #"{"text": "hi", "voice": "en-us+nosuchvariant"}"#, 400, "voice"),
            ("/v1/tts", #"{"text": "hi", "speed": 10}"#, 400, "speed"),
            ("/v1/tts", #"{"text": "hi", "format": "mp3"}"#, 400, "format"),
            ("/v1/tts", #"{"text": "hi", "stream": "yes"}"#, 400, "stream"),
            ("/v1/tts", #"{"text": "hi""#, 400, "body"),
            ("/v1/tts", #"not json at all"#, 400, "body"),
            ("/v1/tts", #"["text", "hi"]"#, 400, "body"),
            ("/v1/tts", "", 400, "body"),
            ("/v1/tts", String(repeating: "[", count: 1500), 400, "body"),
            ("/v1/tts", #"{"text": "\#(String(repeating: "b", count: 3000))"}"#, 413, "body"),
            ("/v1/audio/speech", #"{"model": "tts-1", "voice": "alloy"}"#, 400, "input"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi"}"#, 400, "voice"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "robot9000"}"#, 400, "voice"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "mp3"}"#, 400, "response_format"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "opus"}"#, 400, "response_format"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "aac"}"#, 400, "response_format"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "flac"}"#, 400, "response_format"),
            ("/v1/audio/speech", #"{"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 0.1}"#, 400, "speed"),
            ("/v1/audio/speech", #"{"model": 7, "input": "hi", "voice": "alloy"}"#, 400, "model"),
        ]

        @Test func everyValidationErrorNamesItsField() async throws {
            let server = try await ServerProcess.start(["--max-text-chars", "100", "--max-body-kb", "2"])
            defer { Task { await server.kill() } }
            for (route, body, status, field) in Self.cases {
                let r = try await server.post(route, json: body, timeout: .seconds(10))
                #expect(r.status == status, "\(route) \(body.prefix(60)): \(r.status) \(r.text)")
                #expect(r.headers["content-type"] == "application/json")
                #expect(r.errorField == field, "\(route) \(body.prefix(60)): \(r.text)")
            }
            // Still serving, and nothing reached a worker.
            #expect(try await server.post("/v1/tts", json: #"{"text": "still here"}"#).status == 200)
            #expect(try await server.metric("tts_batch_size_count") == 1)
        }
    }
}
