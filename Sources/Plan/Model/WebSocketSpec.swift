/// A WebSocket session as one request (`request: {websocket: {...}}`): connect, send messages,
/// read audio frames until a done message or the close. Strings are templates (`${var}`); a split
/// message also has `${piece}`. See docs/plan.md, "WebSocket sessions".
public struct WebSocketSpec: Sendable, Equatable {
    /// One message as written: a JSON value (sent as a text frame holding its JSON) or plain text.
    public enum Message: Sendable, Equatable {
        case json(JSONValue)
        case text(String)
    }

    /// How a message's text is cut into pieces sent one after another (an LLM's tokens arriving).
    public struct Split: Sendable, Equatable {
        public enum Rule: Sendable, Equatable {
            /// N pieces of (nearly) equal length in characters.
            case pieces(Int)
            /// One piece per word, each with the spaces after it.
            case words
        }

        public var rule: Rule
        /// Time between the sends of two pieces; the first piece goes at once.
        public var pace: PlanDuration
        /// The text to cut, for a `json` message (its strings use `${piece}`); nil for a `text`
        /// message, whose own text is cut.
        public var text: String?

        public init(rule: Rule, pace: PlanDuration, text: String? = nil) {
            self.rule = rule
            self.pace = pace
            self.text = text
        }
    }

    /// A message of the sequence, maybe split into pieces.
    public struct Step: Sendable, Equatable {
        public var message: Message
        public var split: Split?

        public init(message: Message, split: Split? = nil) {
            self.message = message
            self.split = split
        }
    }

    /// How the server sends audio.
    public enum Frames: String, Sendable, Equatable, CaseIterable {
        /// Binary frames are audio bytes; text frames are JSON control messages.
        case binary
        /// Text frames are JSON; audio is base64 in the string at `audioField`.
        case json
    }

    /// The message that ends the session: a JSON text frame whose `field` is the string `equals`.
    public struct DoneMatcher: Sendable, Equatable {
        /// A path into the JSON object (`type`, `data.event`).
        public var field: [String]
        public var equals: String

        public init(field: [String], equals: String) {
            self.field = field
            self.equals = equals
        }
    }

    /// `ws://` or `wss://` URL; nil means `path` on the target (http becomes ws, https wss).
    public var url: String?
    public var path: String?
    public var messages: [Step]
    public var frames: Frames
    /// Where the base64 audio is in a JSON frame (`frames: json`), as a path.
    public var audioField: [String]
    /// nil: the session ends when the server closes it.
    public var done: DoneMatcher?
    /// The whole session, connect to done; nil means the request's response timeout.
    public var timeout: PlanDuration?

    public init(url: String? = nil, path: String? = nil, messages: [Step] = [], frames: Frames = .binary,
                audioField: [String] = ["audio"], done: DoneMatcher? = nil, timeout: PlanDuration? = nil) {
        self.url = url
        self.path = path
        self.messages = messages
        self.frames = frames
        self.audioField = audioField
        self.done = done
        self.timeout = timeout
    }
}
