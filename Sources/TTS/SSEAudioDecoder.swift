/// Why a Server-Sent Events audio stream is broken; the engine turns `kind` into the sample's
/// error class and `message` into its failure message.
public struct SSEStreamFailure: Sendable, Equatable, Error {
    public enum Kind: String, Sendable, Equatable {
        /// An audio event's `audio` is not valid base64.
        case badBase64
        /// An event is not what the protocol defines: its data is not a JSON object, it has no
        /// string `type`, a delta has no string `audio`, audio follows the done event, or the event
        /// outgrew `ServerSentEventParser.defaultMaxEventBytes`.
        case malformedEvent
        /// The server reported an error inside the stream (an `error` event, or an event whose JSON
        /// has `type: "error"` or an `error` member).
        case errorEvent
        /// The stream ended without `speech.audio.done` (nor `[DONE]`): the audio may be incomplete.
        case noDoneEvent
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Reads OpenAI-style speech events from a `text/event-stream` body as it arrives and feeds the
/// audio they carry, base64-decoded, into an `AudioStreamAnalyzer`.
///
/// The events are OpenAI's `/v1/audio/speech` with `stream_format: "sse"` (the API reference's
/// `CreateSpeechResponseStreamEvent`, OpenAPI spec 2.3.0, as published on
/// developers.openai.com/api/reference/resources/audio/subresources/speech/methods/create and in
/// the clients generated from it, e.g. the `openai-client-base` crate's `SpeechAudioDeltaEvent`
/// and `SpeechAudioDoneEvent`):
/// - `{"type": "speech.audio.delta", "audio": "<base64 chunk of audio>"}` for each chunk;
/// - `{"type": "speech.audio.done", "usage": {"input_tokens", "output_tokens", "total_tokens"}}` at the end.
/// Also accepted: the type named by the SSE `event:` field when the JSON has none, and a
/// `data: [DONE]` end marker (as chat completions send); other event types are ignored, as
/// OpenAI's clients do. An SSE `event: error`, or JSON with `type: "error"` or an `error` member,
/// is the server reporting a failure.
///
/// Each delta's audio reaches the analyzer at the arrival time of the bytes that completed the
/// event (a client can only play an event once it is whole), so time to first audio, gaps,
/// underrun, duration and the audio checks are those of the decoded audio. The first failure
/// stops the decoding: what follows a broken event is not measured.
public final class SSEAudioDecoder {
    private var parser = ServerSentEventParser()
    private var json = SpeechEventJSON()
    /// Decoded audio of the current event (its first bytes; a scratch buffer kept across events).
    private var audio: [UInt8] = []
    /// `speech.audio.delta` events whose audio reached the analyzer.
    public private(set) var audioEvents = 0
    /// The done event (or `[DONE]`) arrived.
    public private(set) var sawDone = false
    public private(set) var failure: SSEStreamFailure?
    /// Events handled so far (numbers the events in failure messages; the parser's own count cannot
    /// be read while it is calling back).
    private var events = 0

    public init() {}

    /// Ready for the next body, keeping the buffers.
    public func reset() {
        parser.reset()
        audioEvents = 0
        sawDone = false
        failure = nil
        events = 0
    }

    /// Body bytes that arrived at `at` (µs, the analyzer's clock).
    public func feed(_ bytes: UnsafeRawBufferPointer, at: Int64, into analyzer: AudioStreamAnalyzer) {
        guard failure == nil else { return }
        parser.feed(bytes) { event in
            if self.failure == nil { self.handle(event, at: at, analyzer: analyzer) }
        }
        if parser.overflowed, failure == nil {
            failure = SSEStreamFailure(.malformedEvent, "sse event \(events + 1) is larger than \(parser.maxEventBytes >> 20) MiB")
        }
    }

    /// The body ended cleanly; returns the stream's failure, if any (nil: a complete stream).
    public func finish() -> SSEStreamFailure? {
        let unfinished = parser.finish()
        if failure == nil && !sawDone {
            let tail = unfinished ? ", and it ended inside an unfinished event" : ""
            failure = SSEStreamFailure(.noDoneEvent, "sse stream ended without speech.audio.done after \(audioEvents) audio events\(tail)")
        }
        return failure
    }

    private func handle(_ event: ServerSentEvent, at: Int64, analyzer: AudioStreamAnalyzer) {
        events += 1
        let number = events
        if event.type.elementsEqual("error".utf8) {
            failure = SSEStreamFailure(.errorEvent, "sse error event: \(Self.excerpt(event.data))")
            return
        }
        if event.data.elementsEqual("[DONE]".utf8) {
            sawDone = true
            return
        }
        guard json.parse(event.data) else {
            failure = SSEStreamFailure(.malformedEvent, "sse event \(number): data is not a JSON object (at byte \(json.errorOffset)): \(Self.excerpt(event.data))")
            return
        }
        let named = !event.type.isEmpty && !event.type.elementsEqual("message".utf8)
        if json.hasError || json.type.withUnsafeBytes({ $0.elementsEqual("error".utf8) }) {
            let message = json.message.isEmpty ? Self.excerpt(event.data) : String(decoding: json.message, as: UTF8.self)
            failure = SSEStreamFailure(.errorEvent, "sse error event: \(message)")
            return
        }
        if let field = json.wrongTypeField {
            failure = SSEStreamFailure(.malformedEvent, "sse event \(number): \"\(field)\" is not a string: \(Self.excerpt(event.data))")
            return
        }
        let kind: EventKind
        if json.hasType {
            kind = json.type.withUnsafeBytes(EventKind.init)
        } else if named {
            kind = EventKind(event.type)
        } else {
            failure = SSEStreamFailure(.malformedEvent, "sse event \(number) has no \"type\": \(Self.excerpt(event.data))")
            return
        }
        switch kind {
        case .delta:
            guard json.hasAudio else {
                failure = SSEStreamFailure(.malformedEvent, "sse event \(number) (speech.audio.delta) has no \"audio\"")
                return
            }
            guard !sawDone else {
                failure = SSEStreamFailure(.malformedEvent, "sse event \(number): audio after speech.audio.done")
                return
            }
            let decoded = json.audio.withUnsafeBytes { Base64Decoder.decode($0, into: &audio) }
            if let offset = decoded.invalidAt {
                failure = SSEStreamFailure(.badBase64, "sse event \(number) (speech.audio.delta): audio is not valid base64 at character \(offset) of \(json.audio.count)")
                return
            }
            audioEvents += 1
            audio.withUnsafeBytes { analyzer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<decoded.count]), at: at) }
        case .done:
            sawDone = true
        case .other:
            break
        }
    }

    private enum EventKind {
        case delta, done, other

        init(_ type: UnsafeRawBufferPointer) {
            if type.elementsEqual("speech.audio.delta".utf8) {
                self = .delta
            } else if type.elementsEqual("speech.audio.done".utf8) {
                self = .done
            } else {
                self = .other
            }
        }
    }

    /// The start of an event's data, for a failure message.
    private static func excerpt(_ data: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: data.prefix(80)), as: UTF8.self)
        return data.count > 80 ? text + "..." : text
    }
}
