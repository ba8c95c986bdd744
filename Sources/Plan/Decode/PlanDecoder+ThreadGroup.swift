import Foundation
import Yams

extension PlanDecoder {
    static let threadGroupKeys = ["name", "request", "load", "weight", "delay", "think_time", "checks", "data"]
    static let requestKeys = [
        "label", "method", "path", "url", "headers", "json", "body", "stream", "timeout",
        "text", "emotion", "emotion_intensity", "voice", "speed", "format", "model", "instructions", "stream_format", "websocket",
    ]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    func decodeThreadGroup(_ cursor: Cursor, defaults: Defaults, api: APIPreset) -> ThreadGroup? {
        guard let m = reader.mapping(cursor, allowed: Self.threadGroupKeys, what: "a thread group (name, request, load)") else { return nil }
        let name = m.required("name", what: "the group's name, used as its label").flatMap { reader.string($0) }
        let request = m.required("request", what: "what each virtual user sends").flatMap {
            decodeRequest($0, defaults: defaults, api: api)
        }
        let load = m["load"].flatMap(decodeLoad)
        let weight = m["weight"].flatMap { reader.double($0, in: 0...1_000_000, what: "a weight") }
        if let w = weight, w == 0, let c = m["weight"] { reader.warning(c, "weight 0: this group never gets users") }
        let delay = m["delay"].flatMap { reader.duration($0) } ?? .zero
        let thinkTime = m["think_time"].flatMap(decodeThinkTime) ?? defaults.thinkTime
        let checks = (m["checks"].flatMap(decodeChecks) ?? Checks()).merged(over: defaults.checks)
        var dataSets: [String] = []
        if let c = m["data"] {
            if case .scalar = c.node { dataSets = reader.string(c).map { [$0] } ?? [] } else {
                dataSets = reader.sequence(c, what: "a list of data-set names")?.compactMap { reader.string($0) } ?? []
            }
        }
        if m["load"] == nil && m["weight"] == nil {
            reader.error(cursor, "missing 'load' (its own load shape) or 'weight' (a share of the plan's load)", preferKey: true)
        }
        m.exclusive(["load", "weight"])
        guard let name, let request else { return nil }
        return ThreadGroup(name: name, request: request, load: load, weight: weight, delay: delay, thinkTime: thinkTime,
                           checks: checks, dataSets: dataSets)
    }

    func decodeRequest(_ cursor: Cursor, defaults: Defaults, api: APIPreset) -> RequestSpec? {
        guard let m = reader.mapping(cursor, allowed: Self.requestKeys) else { return nil }
        var spec = RequestSpec(timeout: defaults.timeout)
        spec.label = m["label"].flatMap { reader.string($0) }
        if let c = m["websocket"] {
            // A session, not an HTTP request: label, headers (sent with the upgrade) and timeout
            // apply; the HTTP fields are refused in decodeWebSocket.
            spec.headers = m["headers"].flatMap(reader.stringPairs)?.map { Header($0.0, $0.1) } ?? []
            if let t = m["timeout"], let timeouts = decodeTimeouts(t, base: defaults.timeout) { spec.timeout = timeouts }
            spec.body = .none
            spec.method = "GET"
            guard let ws = decodeWebSocket(c, request: m) else { return nil }
            spec.websocket = ws
            return spec
        }
        if let c = m["method"], let method = reader.string(c) {
            if Self.methods.contains(method.uppercased()) { spec.method = method.uppercased() } else {
                reader.error(c, "expected an HTTP method (\(Self.methods.joined(separator: ", "))), got '\(method.prefix(20))'")
            }
        }
        m.exclusive(["path", "url"])
        if let c = m["path"], let path = reader.string(c) {
            if path.hasPrefix("/") || path.hasPrefix("${") { spec.path = path } else {
                reader.error(c, "a path starts with '/', got '\(path.prefix(60))' (use url: for a full address)")
            }
        }
        if let c = m["url"], let url = reader.string(c) {
            if url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("${") { spec.url = url } else {
                reader.error(c, "expected an http:// or https:// URL, got '\(url.prefix(60))'")
            }
        }
        spec.headers = m["headers"].flatMap(reader.stringPairs)?.map { Header($0.0, $0.1) } ?? []
        spec.stream = m["stream"].flatMap(reader.bool) ?? false
        if api == .openai, let c = m["stream"] {
            reader.warning(c, "api: openai sends no stream field: OpenAI's /v1/audio/speech streams its body (chunked) by default, and so does the embedded server's; stream_format: sse asks for Server-Sent Events")
        }
        if let c = m["timeout"], let t = decodeTimeouts(c, base: defaults.timeout) { spec.timeout = t }

        // The body: explicit json or body, or built by the preset from the TTS fields.
        m.exclusive(["json", "body"])
        let ttsKeys = ["text", "emotion", "emotion_intensity", "voice", "speed", "format", "model", "instructions", "stream_format"]
        func tts(_ key: String) -> String? { m[key].flatMap { reader.scalarText($0, what: "a value") } }
        spec.tts = TTSFields(text: tts("text"), emotion: tts("emotion"), emotionIntensity: tts("emotion_intensity"),
                             voice: tts("voice"), speed: tts("speed"), format: tts("format"), model: tts("model"),
                             instructions: tts("instructions"), streamFormat: m["stream_format"].flatMap(decodeStreamFormat))
        let presetKeys = ttsKeys.filter(m.has)
        if let c = m["json"] {
            spec.body = .json(jsonValue(c))
        } else if let c = m["body"], let raw = reader.string(c, nonEmpty: false) {
            spec.body = .raw(raw)
        } else if api == .raw {
            spec.body = .none
        }
        if let first = presetKeys.first, let c = m[first] {
            if api == .raw {
                reader.error(c, "'\(first)' is a preset field, but target.api is raw: give json: or body:", preferKey: true)
            } else if m.has("json") || m.has("body") {
                reader.error(c, "'\(first)' is built into the body by the \(api.rawValue) preset; with json:/body: put it there instead", preferKey: true)
            }
        }
        if spec.body == .preset, api != .raw, spec.tts.text == nil {
            reader.error(cursor, "missing 'text' (the \(api.rawValue) preset builds the body from text, emotion, voice...; or give json:)", preferKey: true)
        }
        if api == .raw && spec.path == nil && spec.url == nil {
            reader.error(cursor, "missing 'path' or 'url' (target.api is raw, so there is no default path)", preferKey: true)
        }
        if let c = m["stream_format"], api == .indextts {
            reader.error(c, "stream_format is OpenAI's field (api: openai); the indextts preset streams with stream: true", preferKey: true)
        }
        if spec.tts.streamFormat == .sse, api == .openai, let c = m["stream_format"] {
            let model = spec.tts.model ?? "tts-1"
            if model == "tts-1" || model == "tts-1-hd" {
                reader.warning(c, "OpenAI refuses stream_format: sse for \(model)\(spec.tts.model == nil ? " (the preset's default model)" : ""): give model: gpt-4o-mini-tts for OpenAI itself (the embedded server takes any model)")
            }
        }
        if let emotion = spec.tts.emotion, !emotion.contains("${"), !TTSFields.knownEmotions.contains(emotion), let c = m["emotion"] {
            reader.warning(c, "emotion '\(emotion)' is not one the embedded server knows\(suggestion(for: emotion, in: TTSFields.knownEmotions)) (\(TTSFields.knownEmotions.joined(separator: ", ")))")
        }
        if let text = spec.tts.emotionIntensity, !text.contains("${"), let c = m["emotion_intensity"] {
            if let v = Double(text), !(0...1).contains(v) || !v.isFinite {
                reader.error(c, "expected emotion_intensity 0...1, got \(text)")
            } else if Double(text) == nil {
                reader.error(c, "expected emotion_intensity 0...1 or a ${variable}, got '\(text.prefix(40))'")
            }
        }
        return spec
    }

    /// `audio` or `sse`, written as is: the engine decides from it what the answer should be.
    func decodeStreamFormat(_ cursor: Cursor) -> StreamFormat? {
        guard let text = reader.string(cursor) else { return nil }
        if let format = StreamFormat(rawValue: text) { return format }
        let names = StreamFormat.allCases.map(\.rawValue)
        reader.error(cursor, "expected stream_format \(names.joined(separator: " or "))\(suggestion(for: text, in: names)), got '\(text.prefix(40))'")
        return nil
    }

    /// Converts YAML to a JSON template, keeping key order and the scalar types YAML resolved.
    func jsonValue(_ cursor: Cursor) -> JSONValue {
        guard reader.spend(cursor) else { return .null }
        switch cursor.node {
        case .scalar(let s):
            if NodeReader.isNull(cursor.node) { return .null }
            guard s.style == .plain else { return .string(s.string) }
            if let b = cursor.node.bool, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(s.string) { return .bool(b) }
            if let i = Int(s.string) { return .int(i) }
            if let d = Double(s.string), d.isFinite, s.string.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true {
                return .double(d)
            }
            return .string(s.string)
        case .sequence:
            return .array(reader.sequence(cursor)?.map(jsonValue) ?? [])
        case .mapping(let mapping):
            var pairs: [(String, JSONValue)] = []
            for (k, v) in mapping {
                let key = k.scalar?.string ?? ""
                pairs.append((key, jsonValue(Cursor(node: v, path: cursor.path.appending(key), keyMark: k.mark))))
            }
            return .object(pairs)
        case .alias:
            reader.error(cursor, "aliases are not supported in a JSON body")
            return .null
        }
    }
}
