import Foundation
import Plan
import Results
import TTS

/// Why a session failed, with the sample's error class.
struct WebSocketFailure: Sendable, Equatable, Error {
    var errorClass: ErrorClass
    var message: String
    /// The HTTP status of a refused upgrade (the sample's responseCode); 0 otherwise.
    var status = 0
}

/// Reads a session's incoming messages in order: audio goes to the analyzer with its arrival
/// time, JSON control messages are matched against the done message and errors.
///
/// With `frames: binary` a binary message is audio bytes and a text message is JSON (done, error,
/// or anything else, ignored). With `frames: json` every message is a JSON text message; one with
/// a string at the audio field carries base64 audio (strict RFC 4648, as for SSE). A message
/// counts as arriving when it is whole: a client can play it no earlier.
struct WebSocketFrameReader {
    enum Verdict: Equatable {
        case more
        case done
        case failed(WebSocketFailure)
    }

    let frames: WebSocketSpec.Frames
    let audioField: [String]
    let done: WebSocketSpec.DoneMatcher?
    let analyzer: AudioStreamAnalyzer
    /// Messages that carried audio, and all messages received.
    private(set) var audioMessages = 0
    private(set) var messages = 0
    private(set) var audioBytes: Int64 = 0
    private var scratch: [UInt8] = []

    init(frames: WebSocketSpec.Frames, audioField: [String], done: WebSocketSpec.DoneMatcher?, analyzer: AudioStreamAnalyzer) {
        self.frames = frames
        self.audioField = audioField
        self.done = done
        self.analyzer = analyzer
    }

    mutating func binary(_ bytes: UnsafeRawBufferPointer, at: Int64) -> Verdict {
        messages += 1
        guard frames == .binary else {
            return .failed(.init(errorClass: .malformedEvent, message: "binary message \(messages) (\(bytes.count) bytes) where JSON audio messages were expected (audio: {frames: json})"))
        }
        guard bytes.count > 0 else { return .more }
        audioMessages += 1
        audioBytes += Int64(bytes.count)
        analyzer.feed(bytes, at: at)
        return .more
    }

    mutating func text(_ text: String, at: Int64) -> Verdict {
        messages += 1
        guard let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any] else {
            return .failed(.init(errorClass: .malformedEvent, message: "message \(messages) is not a JSON object: '\(Self.excerpt(text))'"))
        }
        if let done, let value = Self.value(at: done.field, in: object) as? String, value == done.equals {
            return .done
        }
        if let error = Self.errorText(object) {
            return .failed(.init(errorClass: .errorEvent, message: "the server reported an error in message \(messages): \(error)"))
        }
        guard frames == .json, let audio = Self.value(at: audioField, in: object) else { return .more }
        guard let base64 = audio as? String else {
            return .failed(.init(errorClass: .malformedEvent, message: "message \(messages): '\(audioField.joined(separator: "."))' is not a string"))
        }
        var utf8 = Array(base64.utf8)
        let (count, invalidAt) = utf8.withUnsafeMutableBytes { Base64Decoder.decode(UnsafeRawBufferPointer($0), into: &scratch) }
        if let invalidAt {
            let what = invalidAt >= utf8.count ? "its length \(utf8.count) is not a multiple of 4"
                : "character \(invalidAt + 1) ('\(Self.excerpt(String(decoding: utf8[invalidAt...].prefix(1), as: UTF8.self)))')"
            return .failed(.init(errorClass: .badBase64, message: "message \(messages): the audio is not valid base64: \(what)"))
        }
        guard count > 0 else { return .more }
        audioMessages += 1
        audioBytes += Int64(count)
        scratch.withUnsafeBytes { analyzer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count]), at: at) }
        return .more
    }

    /// The value at a path of object keys.
    static func value(at path: [String], in object: [String: Any]) -> Any? {
        var current: Any = object
        for key in path {
            guard let dictionary = current as? [String: Any], let next = dictionary[key] else { return nil }
            current = next
        }
        return current
    }

    /// An error report: `type: "error"`, or an `error` member that is not null or false.
    static func errorText(_ object: [String: Any]) -> String? {
        let typed = (object["type"] as? String) == "error"
        if let error = object["error"], !(error is NSNull), (error as? Bool) != false {
            if let e = error as? [String: Any], let message = e["message"] as? String { return "'\(excerpt(message))'" }
            if let message = error as? String { return "'\(excerpt(message))'" }
            return "'\(excerpt(String(describing: error)))'"
        }
        if typed { return (object["message"] as? String).map { "'\(excerpt($0))'" } ?? "type: error" }
        return nil
    }

    static func excerpt(_ text: String) -> String { text.count > 80 ? String(text.prefix(80)) + "..." : text }
}
