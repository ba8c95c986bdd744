/// A set of virtual users that send one kind of request under one load shape (JMeter's thread group).
public struct ThreadGroup: Sendable, Equatable {
    public var name: String
    public var request: RequestSpec
    /// The group's own load shape; nil when it takes a `weight` share of the plan's shared `load`.
    public var load: LoadSpec?
    /// Share of the plan-level `load` (relative to the other weighted groups).
    public var weight: Double?
    /// Time from the start of the test to this group's start.
    public var delay: PlanDuration
    public var thinkTime: ThinkTime
    public var checks: Checks
    /// Data sets this group draws a row from on every request (default: all of the plan's).
    public var dataSets: [String]
    /// In an A/B run, the side this twin belongs to (its requests go to that side's target).
    public var side: ABSide?

    public init(name: String, request: RequestSpec, load: LoadSpec?, weight: Double? = nil, delay: PlanDuration = .zero,
                thinkTime: ThinkTime = .none, checks: Checks = Checks(), dataSets: [String] = []) {
        self.name = name
        self.request = request
        self.load = load
        self.weight = weight
        self.delay = delay
        self.thinkTime = thinkTime
        self.checks = checks
        self.dataSets = dataSets
    }
}

/// The request a virtual user sends. Strings may contain `${var}` templates.
public struct RequestSpec: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// Built by the API preset from `tts` fields.
        case preset
        case json(JSONValue)
        case raw(String)
        case none
    }

    /// JTL label template; nil means the thread group's name.
    public var label: String?
    public var method: String
    /// Path on the target (`/v1/tts`) or a full URL; one of them.
    public var path: String?
    public var url: String?
    public var headers: [Header]
    public var body: Body
    /// TTS fields the preset turns into a body (text, emotion, voice...).
    public var tts: TTSFields
    /// Read the body as a stream and measure time to first audio and chunk gaps.
    public var stream: Bool
    public var timeout: Timeouts
    /// A WebSocket session instead of an HTTP request; then method, path, url, body and the TTS
    /// fields are not used (the decoder refuses them).
    public var websocket: WebSocketSpec?

    public init(label: String? = nil, method: String = "POST", path: String? = nil, url: String? = nil,
                headers: [Header] = [], body: Body = .preset, tts: TTSFields = TTSFields(), stream: Bool = false,
                timeout: Timeouts = Timeouts()) {
        self.label = label
        self.method = method
        self.path = path
        self.url = url
        self.headers = headers
        self.body = body
        self.tts = tts
        self.stream = stream
        self.timeout = timeout
    }
}

/// The fields an API preset needs to build a TTS request. Strings are templates.
public struct TTSFields: Sendable, Equatable {
    public var text: String?
    public var emotion: String?
    public var emotionIntensity: String?
    public var voice: String?
    public var speed: String?
    /// Audio format asked of the service (`wav`, `pcm`, ...); OpenAI's `response_format`.
    public var format: String?
    /// OpenAI `model`.
    public var model: String?
    /// OpenAI `instructions`.
    public var instructions: String?
    /// OpenAI `stream_format`: `audio` (the body is the audio, chunked) or `sse` (Server-Sent
    /// Events carrying base64 audio). Literal, never a template: the engine reads it to know what
    /// to expect.
    public var streamFormat: StreamFormat?

    public init(text: String? = nil, emotion: String? = nil, emotionIntensity: String? = nil, voice: String? = nil,
                speed: String? = nil, format: String? = nil, model: String? = nil, instructions: String? = nil,
                streamFormat: StreamFormat? = nil) {
        self.text = text
        self.emotion = emotion
        self.emotionIntensity = emotionIntensity
        self.voice = voice
        self.speed = speed
        self.format = format
        self.model = model
        self.instructions = instructions
        self.streamFormat = streamFormat
    }

    public var isEmpty: Bool { self == TTSFields() }

    /// The emotions the embedded server and IndexTTS-style services understand.
    public static let knownEmotions = [
        "happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm", "neutral",
    ]
}

/// How an OpenAI-style service frames a streamed answer (`stream_format`).
public enum StreamFormat: String, Sendable, Equatable, CaseIterable {
    /// The body is the audio itself (chunked as it is produced): OpenAI's default.
    case audio
    /// `text/event-stream`: `speech.audio.delta` events with base64 audio, then `speech.audio.done`.
    case sse
}

/// A JSON body template: order of keys is kept, strings may hold `${var}`.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Every string inside, keys excluded (for finding `${var}` references).
    public var strings: [String] {
        switch self {
        case .string(let s): return [s]
        case .array(let items): return items.flatMap(\.strings)
        case .object(let pairs): return pairs.flatMap { $0.1.strings }
        default: return []
        }
    }
}

/// Checks that make a sample fail with a message when they do not hold.
public struct Checks: Sendable, Equatable {
    public var status: StatusCheck?
    /// Expected media type, compared without parameters (`audio/wav` matches `audio/wav; codec=1`).
    public var contentType: String?
    public var minBytes: Int?
    public var maxBytes: Int?
    /// A sample that took longer (its elapsed time) fails: JMeter's Duration Assertion.
    public var maxElapsed: PlanDuration?
    public var audio: AudioChecks

    public init(status: StatusCheck? = nil, contentType: String? = nil, minBytes: Int? = nil, maxBytes: Int? = nil,
                maxElapsed: PlanDuration? = nil, audio: AudioChecks = AudioChecks()) {
        self.status = status
        self.contentType = contentType
        self.minBytes = minBytes
        self.maxBytes = maxBytes
        self.maxElapsed = maxElapsed
        self.audio = audio
    }

    /// These checks with every field not set here taken from `base`.
    public func merged(over base: Checks) -> Checks {
        Checks(status: status ?? base.status, contentType: contentType ?? base.contentType,
               minBytes: minBytes ?? base.minBytes, maxBytes: maxBytes ?? base.maxBytes,
               maxElapsed: maxElapsed ?? base.maxElapsed, audio: audio.merged(over: base.audio))
    }
}

/// Accepted HTTP status codes: exact codes and/or classes such as `2xx`.
public struct StatusCheck: Sendable, Equatable, CustomStringConvertible {
    public var codes: [Int]
    /// Hundreds digit of accepted classes (2 for `2xx`).
    public var classes: [Int]

    public init(codes: [Int] = [], classes: [Int] = []) {
        self.codes = codes
        self.classes = classes
    }

    public func accepts(_ code: Int) -> Bool { codes.contains(code) || classes.contains(code / 100) }

    public var description: String {
        (codes.map(String.init) + classes.map { "\($0)xx" }).joined(separator: " or ")
    }
}

/// Checks on the audio of a response (evaluated by the TTS stage).
public struct AudioChecks: Sendable, Equatable {
    public var minSeconds: Double?
    public var maxSeconds: Double?
    public var maxRTF: Double?
    public var maxTTFA: PlanDuration?
    public var maxUnderrun: PlanDuration?
    /// RMS above a floor: catches near-silent or empty audio.
    public var nonSilent: Bool?
    /// Different input texts must not get byte-identical audio.
    public var distinct: Bool?

    public init(minSeconds: Double? = nil, maxSeconds: Double? = nil, maxRTF: Double? = nil,
                maxTTFA: PlanDuration? = nil, maxUnderrun: PlanDuration? = nil, nonSilent: Bool? = nil,
                distinct: Bool? = nil) {
        self.minSeconds = minSeconds
        self.maxSeconds = maxSeconds
        self.maxRTF = maxRTF
        self.maxTTFA = maxTTFA
        self.maxUnderrun = maxUnderrun
        self.nonSilent = nonSilent
        self.distinct = distinct
    }

    public func merged(over base: AudioChecks) -> AudioChecks {
        AudioChecks(minSeconds: minSeconds ?? base.minSeconds, maxSeconds: maxSeconds ?? base.maxSeconds,
                    maxRTF: maxRTF ?? base.maxRTF, maxTTFA: maxTTFA ?? base.maxTTFA,
                    maxUnderrun: maxUnderrun ?? base.maxUnderrun, nonSilent: nonSilent ?? base.nonSilent,
                    distinct: distinct ?? base.distinct)
    }
}
