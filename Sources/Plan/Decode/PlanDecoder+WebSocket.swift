import Foundation
import Yams

extension PlanDecoder {
    static let webSocketKeys = ["url", "path", "messages", "audio", "done", "timeout"]
    /// Request fields a WebSocket session has no use for: refused rather than silently ignored.
    static let notForWebSocket = [
        "method", "path", "url", "json", "body", "stream", "text", "emotion", "emotion_intensity", "voice", "speed",
        "format", "model", "instructions", "stream_format",
    ]

    /// `request.websocket`, with the request's other fields already checked against it.
    func decodeWebSocket(_ cursor: Cursor, request m: MappingReader) -> WebSocketSpec? {
        for key in Self.notForWebSocket {
            if let c = m[key] {
                let hint = ["path", "url"].contains(key) ? " (give it inside websocket:)"
                    : ["json", "body", "text"].contains(key) ? " (give the session's messages in websocket.messages)" : ""
                reader.error(c, "'\(key)' is not used by a WebSocket session\(hint)", preferKey: true)
            }
        }
        guard let w = reader.mapping(cursor, allowed: Self.webSocketKeys, what: "a WebSocket session (path or url, messages, audio, done)") else { return nil }
        var spec = WebSocketSpec()
        var ok = true
        w.exclusive(["path", "url"])
        if let c = w["path"], let path = reader.string(c) {
            if path.hasPrefix("/") || path.hasPrefix("${") { spec.path = path } else {
                reader.error(c, "a path starts with '/', got '\(path.prefix(60))' (use url: for a full ws:// address)")
                ok = false
            }
        }
        if let c = w["url"], let url = reader.string(c) {
            if url.hasPrefix("ws://") || url.hasPrefix("wss://") || url.hasPrefix("${") { spec.url = url } else {
                reader.error(c, "expected a ws:// or wss:// URL, got '\(url.prefix(60))'")
                ok = false
            }
        }
        if !w.has("path") && !w.has("url") {
            reader.error(cursor, "missing 'path' (on the target) or 'url' (ws:// or wss://)", preferKey: true)
            ok = false
        }
        if let c = w["messages"], let items = reader.sequence(c, what: "a list of messages ({json: ...} or {text: ...})") {
            for item in items {
                if let step = decodeWebSocketStep(item) { spec.messages.append(step) } else { ok = false }
            }
        }
        if let c = w["audio"] {
            if let a = reader.mapping(c, allowed: ["frames", "field"], what: "how audio arrives (frames: binary or json, field)") {
                if let f = a["frames"], let frames = reader.choice(f, WebSocketSpec.Frames.self) { spec.frames = frames }
                if let f = a["field"], let path = decodeFieldPath(f) {
                    if spec.frames == .json { spec.audioField = path } else {
                        reader.error(f, "'field' names where base64 audio is in JSON frames: give frames: json", preferKey: true)
                        ok = false
                    }
                }
            } else { ok = false }
        }
        if let c = w["done"] {
            if let d = reader.mapping(c, allowed: ["field", "equals"], what: "the done message ({field: type, equals: done})") {
                let field = d.required("field", what: "where in the JSON message to look, e.g. type").flatMap(decodeFieldPath)
                let equals = d.required("equals", what: "the value that means done").flatMap { reader.string($0) }
                if let field, let equals { spec.done = .init(field: field, equals: equals) } else { ok = false }
            } else { ok = false }
        }
        if let c = w["timeout"] {
            if let t = reader.duration(c, atLeast: PlanDuration(microseconds: 1_000)) { spec.timeout = t } else { ok = false }
        }
        return ok ? spec : nil
    }

    private func decodeWebSocketStep(_ cursor: Cursor) -> WebSocketSpec.Step? {
        guard let m = reader.mapping(cursor, allowed: ["json", "text", "split"], what: "a message ({json: ...} or {text: ...}, split)") else { return nil }
        m.exclusive(["json", "text"])
        var message: WebSocketSpec.Message?
        if let c = m["json"] {
            message = .json(jsonValue(c))
        } else if let c = m["text"], let text = reader.string(c, nonEmpty: false) {
            message = .text(text)
        } else if !m.has("json") && !m.has("text") {
            reader.error(cursor, "missing 'json' or 'text' (the message to send)", preferKey: true)
        }
        guard let message else { return nil }
        guard let c = m["split"] else { return WebSocketSpec.Step(message: message) }
        guard let s = reader.mapping(c, allowed: ["pieces", "by", "pace", "text"], what: "a split ({pieces: N or by: words, pace: 50ms})") else { return nil }
        s.exclusive(["pieces", "by"])
        var rule: WebSocketSpec.Split.Rule?
        if let p = s["pieces"], let n = reader.int(p, in: 1...100_000, what: "a number of pieces") { rule = .pieces(n) }
        if let b = s["by"], let word = reader.string(b) {
            if word == "words" { rule = .words } else { reader.error(b, "expected by: words, got '\(word.prefix(40))'") }
        }
        if !s.has("pieces") && !s.has("by") { reader.error(c, "missing 'pieces' (a count) or 'by: words'", preferKey: true) }
        let pace = s.required("pace", what: "the time between two pieces, e.g. 50ms").flatMap { reader.duration($0) }
        var text: String?
        if let t = s["text"] {
            if case .text = message {
                reader.error(t, "a text message is split itself: 'text' here is for json messages (which use ${piece})", preferKey: true)
                return nil
            }
            text = reader.string(t, nonEmpty: false)
        } else if case .json = message {
            reader.error(c, "missing 'text' (what to cut into pieces; the json message sends each as ${piece})", preferKey: true)
            return nil
        }
        guard let rule, let pace else { return nil }
        return WebSocketSpec.Step(message: message, split: .init(rule: rule, pace: pace, text: text))
    }

    /// `type` or `data.audio`: a path into a JSON object.
    private func decodeFieldPath(_ cursor: Cursor) -> [String]? {
        guard let text = reader.string(cursor) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else {
            reader.error(cursor, "expected a field path like 'audio' or 'data.audio', got '\(text.prefix(40))'")
            return nil
        }
        return parts
    }
}
