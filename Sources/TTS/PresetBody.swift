import Plan

/// How an API preset turns a request's TTS fields into a JSON body.
public enum PresetBody {
    /// One body field: a key, a template for its value, and whether the value is a JSON number
    /// when it renders as one (`emotion_intensity: ${level}` -> `0.8`, not `"0.8"`).
    public struct Field: Sendable, Equatable {
        public var key: String
        public var template: String
        public var numeric: Bool
        public var boolean: Bool

        public init(_ key: String, _ template: String, numeric: Bool = false, boolean: Bool = false) {
            self.key = key
            self.template = template
            self.numeric = numeric
            self.boolean = boolean
        }
    }

    /// The body fields for `preset`, in the order the service documents them; nil for `raw`.
    public static func fields(_ preset: APIPreset, _ tts: TTSFields, stream: Bool) -> [Field]? {
        switch preset {
        case .raw:
            return nil
        case .indextts:
            // The seed study's shape: {text, emotion, emotion_intensity} plus the embedded server's extras.
            var fields = [Field("text", tts.text ?? "")]
            if let v = tts.emotion { fields.append(Field("emotion", v)) }
            if let v = tts.emotionIntensity { fields.append(Field("emotion_intensity", v, numeric: true)) }
            if let v = tts.voice { fields.append(Field("voice", v)) }
            if let v = tts.speed { fields.append(Field("speed", v, numeric: true)) }
            if let v = tts.format { fields.append(Field("format", v)) }
            if stream { fields.append(Field("stream", "true", boolean: true)) }
            return fields
        case .openai:
            // OpenAI /v1/audio/speech: model and voice are required there, so they get defaults.
            var fields = [Field("model", tts.model ?? "tts-1"), Field("input", tts.text ?? ""), Field("voice", tts.voice ?? "alloy")]
            if let v = tts.format { fields.append(Field("response_format", v)) }
            if let v = tts.speed { fields.append(Field("speed", v, numeric: true)) }
            if let v = tts.instructions { fields.append(Field("instructions", v)) }
            // `audio` or `sse`, sent as written: OpenAI's own answer framing (the plan decides, the
            // engine reads an SSE answer by its Content-Type either way).
            if let v = tts.streamFormat { fields.append(Field("stream_format", v.rawValue)) }
            if let v = tts.emotion { fields.append(Field("emotion", v)) }
            return fields
        }
    }
}
