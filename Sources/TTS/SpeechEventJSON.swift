/// Reads one streamed speech event's JSON (an SSE event's data): checks that it is well-formed
/// JSON (RFC 8259) and keeps only what the audio decoder needs.
///
/// Kept: the top-level `type` and `audio` strings (escapes resolved), whether a non-null `error`
/// member is there, and an error's `message` (`error.message`, or a top-level `message`).
/// Everything else is checked for syntax and skipped. A hand-written reader rather than
/// JSONSerialization: an audio event is mostly one long base64 string, and this runs for every
/// event of every stream on the engine's thread, with buffers reused (no allocation per event).
/// Bytes of 0x80 and above inside strings are taken as they are (UTF-8 is not re-validated).
public struct SpeechEventJSON {
    /// Nesting deeper than this is refused (the data comes from the server under test).
    public static let maxDepth = 64

    public private(set) var type: [UInt8] = []
    public private(set) var hasType = false
    public private(set) var audio: [UInt8] = []
    public private(set) var hasAudio = false
    /// `type` or `audio` was present with a value that is not a string.
    public private(set) var wrongTypeField: String?
    public private(set) var hasError = false
    public private(set) var message: [UInt8] = []
    /// Byte offset of the first syntax error, after `parse` returned false.
    public private(set) var errorOffset = 0

    private var key: [UInt8] = []

    public init() {}

    private enum Slot { case none, type, audio, error, message, errorMessage }

    /// Parses `text`; false when it is not one well-formed JSON object.
    public mutating func parse(_ text: UnsafeRawBufferPointer) -> Bool {
        type.removeAll(keepingCapacity: true)
        audio.removeAll(keepingCapacity: true)
        message.removeAll(keepingCapacity: true)
        hasType = false
        hasAudio = false
        hasError = false
        wrongTypeField = nil
        var reader = Reader(p: text)
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "{") else {
            errorOffset = reader.i
            return false
        }
        guard object(&reader, depth: 1, topLevel: true) else {
            errorOffset = reader.i
            return false
        }
        reader.skipSpace()
        guard reader.atEnd else {
            errorOffset = reader.i
            return false
        }
        return true
    }

    /// The cursor over the text.
    private struct Reader {
        let p: UnsafeRawBufferPointer
        var i = 0
        var atEnd: Bool { i >= p.count }
        var peek: UInt8? { i < p.count ? p[i] : nil }
        mutating func skipSpace() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0A || p[i] == 0x0D { i += 1 }
        }
        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= p.count else { return false }
            for k in 0..<n where p[i + k] != word.utf8Start[k] { return false }
            i += n
            return true
        }
    }

    /// `{ ... }` at `r.i`; `topLevel` and `inError` say which members are kept.
    private mutating func object(_ r: inout Reader, depth: Int, topLevel: Bool, inError: Bool = false) -> Bool {
        guard depth <= Self.maxDepth else { return false }
        r.i += 1  // {
        r.skipSpace()
        if r.peek == UInt8(ascii: "}") {
            r.i += 1
            return true
        }
        while true {
            r.skipSpace()
            guard r.peek == UInt8(ascii: "\"") else { return false }
            key.removeAll(keepingCapacity: true)
            guard string(&r, into: .key) else { return false }
            // Compared through a buffer pointer: [UInt8].elementsEqual allocates in unoptimized builds.
            let slot = key.withUnsafeBytes { k -> Slot in
                if topLevel {
                    if k.elementsEqual("type".utf8) { return .type }
                    if k.elementsEqual("audio".utf8) { return .audio }
                    if k.elementsEqual("error".utf8) { return .error }
                    if k.elementsEqual("message".utf8) { return .message }
                } else if inError, k.elementsEqual("message".utf8) {
                    return .errorMessage
                }
                return .none
            }
            r.skipSpace()
            guard r.peek == UInt8(ascii: ":") else { return false }
            r.i += 1
            r.skipSpace()
            guard value(&r, depth: depth, slot: slot) else { return false }
            r.skipSpace()
            switch r.peek {
            case UInt8(ascii: ","): r.i += 1
            case UInt8(ascii: "}"):
                r.i += 1
                return true
            default: return false
            }
        }
    }

    private mutating func array(_ r: inout Reader, depth: Int) -> Bool {
        guard depth <= Self.maxDepth else { return false }
        r.i += 1  // [
        r.skipSpace()
        if r.peek == UInt8(ascii: "]") {
            r.i += 1
            return true
        }
        while true {
            r.skipSpace()
            guard value(&r, depth: depth, slot: .none) else { return false }
            r.skipSpace()
            switch r.peek {
            case UInt8(ascii: ","): r.i += 1
            case UInt8(ascii: "]"):
                r.i += 1
                return true
            default: return false
            }
        }
    }

    /// Where a string's decoded bytes go.
    private enum Target { case key, skip, type, audio, message }

    private mutating func value(_ r: inout Reader, depth: Int, slot: Slot) -> Bool {
        guard let c = r.peek else { return false }
        let isString = c == UInt8(ascii: "\"")
        switch slot {
        case .type:
            hasType = true
            if !isString { wrongTypeField = "type" }
        case .audio:
            hasAudio = true
            if !isString { wrongTypeField = "audio" }
        case .error:
            hasError = !r.literal("null")
            if !hasError { return true }
        default: break
        }
        switch c {
        case UInt8(ascii: "\""):
            let target: Target
            switch slot {
            case .type:
                type.removeAll(keepingCapacity: true)
                target = .type
            case .audio:
                audio.removeAll(keepingCapacity: true)
                target = .audio
            case .message, .errorMessage:
                message.removeAll(keepingCapacity: true)
                target = .message
            case .error:
                // `"error": "text"`: the text is the message.
                message.removeAll(keepingCapacity: true)
                target = .message
            case .none:
                target = .skip
            }
            return string(&r, into: target)
        case UInt8(ascii: "{"): return object(&r, depth: depth + 1, topLevel: false, inError: slot == .error)
        case UInt8(ascii: "["): return array(&r, depth: depth + 1)
        case UInt8(ascii: "t"): return r.literal("true")
        case UInt8(ascii: "f"): return r.literal("false")
        case UInt8(ascii: "n"): return r.literal("null")
        default: return number(&r)
        }
    }

    private mutating func append(_ b: UInt8, _ target: Target) {
        switch target {
        case .key: key.append(b)
        case .type: type.append(b)
        case .audio: audio.append(b)
        case .message: if message.count < 512 { message.append(b) }
        case .skip: break
        }
    }

    /// Appends plain bytes in bulk (the whole of a base64 string, usually).
    private mutating func append(_ span: UnsafeRawBufferPointer, _ target: Target) {
        switch target {
        case .key: key.append(contentsOf: span)
        case .type: type.append(contentsOf: span)
        case .audio: audio.append(contentsOf: span)
        case .message: message.append(contentsOf: span.prefix(max(0, 512 - message.count)))
        case .skip: break
        }
    }

    /// A string at `r.i` (the opening quote), its decoded bytes appended to `target`.
    private mutating func string(_ r: inout Reader, into target: Target) -> Bool {
        r.i += 1
        while let c = r.peek {
            // Runs of plain characters are copied at once: an audio event is one long run.
            var end = r.i
            while end < r.p.count {
                let b = r.p[end]
                if b == 0x22 || b == 0x5C || b < 0x20 { break }
                end += 1
            }
            if end > r.i {
                append(UnsafeRawBufferPointer(rebasing: r.p[r.i..<end]), target)
                r.i = end
                continue
            }
            r.i += 1
            switch c {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard let e = r.peek else { return false }
                r.i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): append(e, target)
                case UInt8(ascii: "b"): append(0x08, target)
                case UInt8(ascii: "f"): append(0x0C, target)
                case UInt8(ascii: "n"): append(0x0A, target)
                case UInt8(ascii: "r"): append(0x0D, target)
                case UInt8(ascii: "t"): append(0x09, target)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4(&r) else { return false }
                    // A surrogate pair is one scalar; a lone surrogate is legal JSON text but no
                    // character, kept as U+FFFD.
                    if (0xD800..<0xDC00).contains(scalar), r.i + 1 < r.p.count, r.p[r.i] == UInt8(ascii: "\\"), r.p[r.i + 1] == UInt8(ascii: "u") {
                        let mark = r.i
                        r.i += 2
                        guard let low = hex4(&r) else { return false }
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            r.i = mark
                        }
                    }
                    if (0xD800..<0xE000).contains(scalar) { scalar = 0xFFFD }
                    for b in String(UnicodeScalar(scalar) ?? "\u{FFFD}").utf8 { append(b, target) }
                default:
                    return false
                }
            default:
                guard c >= 0x20 else { return false }  // control characters must be escaped
                append(c, target)
            }
        }
        return false
    }

    private func hex4(_ r: inout Reader) -> UInt32? {
        guard r.i + 4 <= r.p.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = r.p[r.i + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        r.i += 4
        return v
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private func number(_ r: inout Reader) -> Bool {
        func digits(_ r: inout Reader) -> Int {
            let start = r.i
            while let c = r.peek, c >= 0x30 && c <= 0x39 { r.i += 1 }
            return r.i - start
        }
        if r.peek == UInt8(ascii: "-") { r.i += 1 }
        guard let first = r.peek else { return false }
        if first == UInt8(ascii: "0") {
            r.i += 1
        } else {
            guard digits(&r) > 0 else { return false }
        }
        if r.peek == UInt8(ascii: ".") {
            r.i += 1
            guard digits(&r) > 0 else { return false }
        }
        if r.peek == UInt8(ascii: "e") || r.peek == UInt8(ascii: "E") {
            r.i += 1
            if r.peek == UInt8(ascii: "+") || r.peek == UInt8(ascii: "-") { r.i += 1 }
            guard digits(&r) > 0 else { return false }
        }
        return true
    }
}
