/// A validated synthesis request from either API, ready for the scheduler.
public struct SpeechRequest: Sendable, Equatable {
    public enum Format: String, Sendable { case wav, pcm }
    /// OpenAI's `stream_format`: the audio itself (`audio`) or Server-Sent Events (`sse`).
    public enum StreamFormat: String, Sendable { case audio, sse }

    public var parameters: SynthesisParameters
    public var format: Format
    public var stream: Bool
    /// `sse` only on `/v1/audio/speech`; it implies `stream`.
    public var streamFormat: StreamFormat = .audio

    /// Limits that validation enforces.
    public struct Limits: Sendable {
        /// Longest text accepted, in characters (`--max-text-chars`).
        public var maxTextChars: Int
        public init(maxTextChars: Int) { self.maxTextChars = maxTextChars }
    }

    /// Parses `POST /v1/tts`: `{text, emotion?, emotion_intensity?, voice?, speed?, format?, stream?}`.
    static func parseTTS(_ body: [UInt8], limits: Limits, voices: VoiceCatalog) throws(APIError) -> SpeechRequest {
        let fields = try object(body)
        let text = try requiredText(fields, "text", limits: limits)
        let emotion = try emotionField(fields, "emotion") ?? .neutral
        let intensity = try number(fields, "emotion_intensity", in: 0...1) ?? 1
        let requested = try string(fields, "voice") ?? VoiceCatalog.defaultVoice
        guard let voice = voices.resolve(requested) else {
            throw .invalid("voice", "voice '\(requested)' is not an installed espeak-ng voice (e.g. en-us, en-gb, cmn, de, en-us+f3)")
        }
        let speed = try number(fields, "speed", in: 0.25...4) ?? 1
        let format = try formatField(fields, "format") ?? .wav
        let stream = try bool(fields, "stream") ?? false
        return SpeechRequest(
            parameters: SynthesisParameters(text: text, voice: voice, emotion: emotion, intensity: intensity, speed: speed),
            format: format, stream: stream)
    }

    /// Parses OpenAI's `POST /v1/audio/speech`: `{model, input, voice, response_format?, speed?, instructions?,
    /// stream_format?}` plus our `stream` extension. The body streams (chunked) unless `stream: false`, as
    /// OpenAI's does; `stream_format: "sse"` makes it Server-Sent Events. An emotion word in
    /// `instructions` (e.g. "sound happy") sets the emotion.
    static func parseOpenAI(_ body: [UInt8], limits: Limits, voices: VoiceCatalog) throws(APIError) -> SpeechRequest {
        let fields = try object(body)
        _ = try string(fields, "model")
        let text = try requiredText(fields, "input", limits: limits)
        guard let v = try string(fields, "voice") else { throw .missing("voice") }
        guard let voice = voices.resolveOpenAI(v) else {
            let names = VoiceCatalog.openAIVoices.keys.sorted().joined(separator: ", ")
            throw .invalid("voice", "voice '\(v)' is neither an OpenAI voice (\(names)) nor an espeak-ng voice")
        }
        let speed = try number(fields, "speed", in: 0.25...4) ?? 1
        let format = try formatField(fields, "response_format") ?? .wav
        var emotion = Emotion.neutral
        if let instructions = try string(fields, "instructions") {
            let words = instructions.lowercased().split(whereSeparator: { !$0.isLetter })
            emotion = Emotion.allCases.first { e in words.contains { $0 == e.rawValue } } ?? .neutral
        }
        let streamFormat = try streamFormatField(fields, "stream_format") ?? .audio
        let stream = try bool(fields, "stream") ?? true
        if streamFormat == .sse && !stream {
            throw .invalid("stream", "stream: false asks for a whole body and stream_format sse for events; give one of them")
        }
        return SpeechRequest(
            parameters: SynthesisParameters(text: text, voice: voice, emotion: emotion, intensity: 1, speed: speed),
            format: format, stream: stream, streamFormat: streamFormat)
    }

    // MARK: - Field readers (null counts as absent)

    private static let maxDepth = 32

    private static func object(_ body: [UInt8]) throws(APIError) -> [String: JSONValue] {
        guard JSONValue.nestingDepth(body) <= maxDepth else {
            throw .invalid("body", "the JSON body is nested deeper than \(maxDepth) levels")
        }
        let value: JSONValue
        do {
            value = try JSONCoding.decoder.decode(JSONValue.self, from: Data(body))
        } catch {
            throw APIError(field: "body", code: "malformed_json", message: "the body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw APIError(field: "body", code: "malformed_json", message: "the body must be a JSON object")
        }
        return fields
    }

    private static func requiredText(_ f: [String: JSONValue], _ key: String, limits: Limits) throws(APIError) -> String {
        guard let text = try string(f, key) else { throw .missing(key) }
        guard !text.allSatisfy({ $0.isWhitespace }) else { throw .invalid(key, "\(key) is empty or only whitespace") }
        let count = text.count
        guard count <= limits.maxTextChars else {
            throw .invalid(key, "\(key) has \(count) characters; the limit is \(limits.maxTextChars)")
        }
        return text
    }

    private static func string(_ f: [String: JSONValue], _ key: String) throws(APIError) -> String? {
        switch f[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .wrongType(key, "a string")
        }
    }

    private static func number(_ f: [String: JSONValue], _ key: String, in range: ClosedRange<Double>) throws(APIError) -> Double? {
        switch f[key] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard range.contains(n) else {
                throw .invalid(key, "\(key) must be between \(range.lowerBound) and \(range.upperBound), got \(n)")
            }
            return n
        default: throw .wrongType(key, "a number")
        }
    }

    private static func bool(_ f: [String: JSONValue], _ key: String) throws(APIError) -> Bool? {
        switch f[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw .wrongType(key, "true or false")
        }
    }

    private static func emotionField(_ f: [String: JSONValue], _ key: String) throws(APIError) -> Emotion? {
        guard let s = try string(f, key) else { return nil }
        guard let e = Emotion(rawValue: s.lowercased()) else {
            throw .invalid(key, "unknown emotion '\(s)'; use one of \(Emotion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    private static func streamFormatField(_ f: [String: JSONValue], _ key: String) throws(APIError) -> StreamFormat? {
        guard let s = try string(f, key) else { return nil }
        guard let format = StreamFormat(rawValue: s) else {
            throw .invalid(key, "\(key) '\(s)' is not one of audio, sse")
        }
        return format
    }

    private static func formatField(_ f: [String: JSONValue], _ key: String) throws(APIError) -> Format? {
        guard let s = try string(f, key) else { return nil }
        guard let format = Format(rawValue: s.lowercased()) else {
            throw .invalid(key, "\(key) '\(s)' is not supported by this server; use wav or pcm (mp3, opus, aac and flac are not produced)")
        }
        return format
    }
}

import Foundation
