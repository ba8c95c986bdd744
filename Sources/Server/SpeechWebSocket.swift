import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `GET /v1/tts/ws`: synthesis over a WebSocket, in the style of ElevenLabs' and Cartesia's
/// streaming input APIs, through the same queue, batching, cache and metrics as HTTP.
///
/// Client to server, JSON text messages:
/// - `{"type": "config", "voice"?, "format"? ("pcm" | "wav"), "encoding"? ("binary" | "base64"),
///   "speed"?, "emotion"?, "emotion_intensity"?}`: optional, before any text; fields as `/v1/tts`.
/// - `{"type": "text", "text": "..."}`: appended to the text to speak (an LLM's pieces).
/// - `{"type": "end"}`: speak everything received, then close.
///
/// Server to client: audio as binary messages (PCM, or a WAV header message first) or, with
/// `encoding: base64`, `{"type": "audio", "audio": "<base64>"}` text messages; then
/// `{"type": "done", "audio_seconds", "characters", "chunks"}` and a normal close (1000). A bad
/// message gets `{"type": "error", "error": {"code", "message"}}` and close 1008 (policy
/// violation); a full queue or shutdown close 1013 (try again later); a synthesis that fails
/// after it began (worker crash, deadline) close 1011 (internal error).
struct SpeechWebSocket: Sendable {
    static let route = "/v1/tts/ws"
    let configuration: ServerConfiguration
    let scheduler: Scheduler
    let metrics: ServerMetrics
    let cache: AudioCache
    let voices: VoiceCatalog

    func register(on router: Router<TTSRequestContext>) {
        router.ws(RouterPath(stringLiteral: Self.route)) { inbound, outbound, _ in
            let code = await self.serve(inbound: inbound, outbound: outbound)
            self.metrics.countRequest(route: Self.route, code: code)
        }
    }

    /// A session's failure: what the client is told and how the socket closes.
    private struct Refusal: Error {
        var status: Int
        var code: String
        var message: String
        var close: WebSocketErrorCode
    }

    /// Serves one session; returns the HTTP-style code counted in `tts_requests_total`.
    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async -> Int {
        do {
            let (speech, base64) = try await readRequest(inbound)
            try await speak(speech, base64: base64, outbound: outbound)
            try? await outbound.close(.normalClosure, reason: nil)
            return 200
        } catch let refusal as Refusal {
            let body = #"{"type":"error","error":{"code":"\#(refusal.code)","message":\#(APIError.quote(refusal.message))}}"#
            try? await outbound.write(.text(body))
            try? await outbound.close(refusal.close, reason: refusal.code)
            return refusal.status
        } catch {
            // The client went away.
            return 499
        }
    }

    /// Reads config and text messages up to `end`; the request as `/v1/tts` would get it.
    private func readRequest(_ inbound: WebSocketInboundStream) async throws -> (SpeechRequest, Bool) {
        var config: [String: Any] = [:]
        var text = ""
        var sawText = false
        for try await message in inbound.messages(maxSize: configuration.maxBodyBytes) {
            guard case .text(let string) = message else {
                throw bad("binary_message", "send JSON text messages (config, text, end), not binary")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(string.utf8))) as? [String: Any],
                  let type = object["type"] as? String else {
                throw bad("invalid_message", "each message is a JSON object with a string 'type' (config, text, end)")
            }
            switch type {
            case "config":
                if sawText { throw bad("late_config", "config comes before the first text message") }
                for (key, value) in object where key != "type" {
                    guard ["voice", "format", "encoding", "speed", "emotion", "emotion_intensity"].contains(key) else {
                        throw bad("unknown_field", "config has no field '\(key)' (voice, format, encoding, speed, emotion, emotion_intensity)")
                    }
                    config[key] = value
                }
            case "text":
                guard let piece = object["text"] as? String else { throw bad("invalid_message", "a text message needs a string 'text'") }
                sawText = true
                text += piece
                if text.count > configuration.maxTextChars {
                    throw bad("text_too_long", "the text is longer than \(configuration.maxTextChars) characters")
                }
            case "end":
                var encoding = "binary"
                if let e = config.removeValue(forKey: "encoding") {
                    guard let e = e as? String, e == "binary" || e == "base64" else {
                        throw bad("invalid_value", "encoding is binary or base64")
                    }
                    encoding = e
                }
                config["text"] = text
                config["stream"] = true
                let body = try JSONSerialization.data(withJSONObject: config)
                do {
                    let speech = try SpeechRequest.parseTTS(Array(body), limits: .init(maxTextChars: configuration.maxTextChars), voices: voices)
                    return (speech, encoding == "base64")
                } catch {
                    throw Refusal(status: error.status, code: error.code, message: error.message, close: .policyViolation)
                }
            default:
                throw bad("invalid_message", "unknown message type '\(type.prefix(40))' (config, text, end)")
            }
        }
        throw CancellationError()
    }

    /// Synthesizes (or takes from the cache) and sends the audio, then the done message.
    private func speak(_ speech: SpeechRequest, base64: Bool, outbound: WebSocketOutboundWriter) async throws {
        var chunks = 0
        func send(_ audio: [UInt8]) async throws {
            chunks += 1
            if base64 {
                try await outbound.write(.text(#"{"type":"audio","audio":""# + Data(audio).base64EncodedString() + "\"}"))
            } else {
                try await outbound.write(.binary(ByteBuffer(bytes: audio)))
            }
        }
        func done(samples: Int) async throws {
            let seconds = String(format: "%.6f", Double(samples) / Double(EspeakSynthesizer.sampleRate))
            try await outbound.write(.text(#"{"type":"done","audio_seconds":\#(seconds),"characters":\#(speech.parameters.text.count),"chunks":\#(chunks)}"#))
        }
        // The WAV header goes once the audio is sure to come (a hit, or a worker has the job), so
        // a refused session (queue full, deadline) carries no audio message, as over HTTP.
        if var pcm = cache.lookup(speech.parameters) {
            if speech.format == .wav { try await send(WAVHeader.make(dataBytes: nil)) }
            let samples = pcm.readableBytes / 2
            // A hit goes out as ~100 ms chunks, as a synthesis would have sent it.
            while pcm.readableBytes > 0, let piece = pcm.readBytes(length: min(EspeakSynthesizer.sampleRate / 10 * 2, pcm.readableBytes)) {
                try await send(piece)
            }
            try await done(samples: samples)
            return
        }
        let job: Job
        do {
            job = try await scheduler.submit(speech.parameters, stream: true)
        } catch {
            let (status, code) = SpeechAPI.failureCode(error)
            if error == .queueFull { metrics.countQueueFull() }
            throw Refusal(status: status, code: code, message: error.description, close: .unknown(1013))
        }
        var pcm = ByteBuffer()
        do {
            for await event in job.events {
                switch event {
                case .started:
                    if speech.format == .wav { try await send(WAVHeader.make(dataBytes: nil)) }
                case .audio(let chunk):
                    if cache.isEnabled { pcm.writeBytes(chunk) }
                    try await send(chunk)
                case .finished(let samples, let seconds):
                    metrics.observeSynthesis(seconds: seconds)
                    cache.store(speech.parameters, pcm: pcm)
                    try await done(samples: samples)
                    return
                case .failed(let failure):
                    let (status, code) = SpeechAPI.failureCode(failure)
                    if failure == .queueFull { metrics.countQueueFull() }
                    let close: WebSocketErrorCode = failure == .queueFull || failure == .shuttingDown ? .unknown(1013) : .unexpectedServerError
                    throw Refusal(status: status, code: code, message: failure.description, close: close)
                }
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            await scheduler.cancel(job.id)
            throw error
        }
        await scheduler.cancel(job.id)
        throw CancellationError()
    }

    private func bad(_ code: String, _ message: String) -> Refusal {
        Refusal(status: 400, code: code, message: message, close: .policyViolation)
    }
}
