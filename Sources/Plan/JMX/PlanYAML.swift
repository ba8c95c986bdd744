import Foundation

/// An ordered YAML document written by the importer. Strings are always double-quoted (JSON-style
/// escapes are valid YAML), so no value read from a .jmx can change the document's structure or
/// turn into a number, a boolean or null.
public indirect enum PlanYAML: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([PlanYAML])
    case map([Field])

    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: PlanYAML
        public init(_ key: String, _ value: PlanYAML) {
            self.key = key
            self.value = value
        }
    }

    /// The document as YAML text (block style; short scalar lists and maps in flow style).
    public func render(comment: [String] = []) -> String {
        var out = comment.map { "# " + $0 + "\n" }.joined()
        switch self {
        case .map(let fields):
            for field in fields { Self.emit(field, indent: 0, into: &out) }
        default:
            out += inline + "\n"
        }
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .list, .map: return false
        default: return true
        }
    }

    /// Flow-style text: scalars, and lists/maps of scalars.
    private var inline: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return "[" + items.map(\.inline).joined(separator: ", ") + "]"
        case .map(let fields): return "{ " + fields.map { Self.key($0.key) + ": " + $0.value.inline }.joined(separator: ", ") + " }"
        }
    }

    private var fitsOnOneLine: Bool {
        switch self {
        case .list(let items): return items.allSatisfy(\.isScalar) && inline.count <= 100
        case .map(let fields): return fields.count <= 4 && fields.allSatisfy({ $0.value.fitsOnOneLine }) && inline.count <= 100
        default: return true
        }
    }

    private static func emit(_ field: Field, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        let value = field.value
        if value.fitsOnOneLine {
            out += pad + key(field.key) + ": " + value.inline + "\n"
            return
        }
        out += pad + key(field.key) + ":\n"
        emitBlock(value, indent: indent + 2, into: &out)
    }

    private static func emitBlock(_ value: PlanYAML, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let fields):
            for f in fields { emit(f, indent: indent, into: &out) }
        case .list(let items):
            for item in items {
                if case .map(let fields) = item, !item.fitsOnOneLine, let first = fields.first {
                    // "- key: value" then the other keys under it.
                    var head = ""
                    emit(first, indent: indent + 2, into: &head)
                    out += pad + "- " + head.dropFirst(indent + 2)
                    for f in fields.dropFirst() { emit(f, indent: indent + 2, into: &out) }
                } else if item.fitsOnOneLine {
                    out += pad + "- " + item.inline + "\n"
                } else {
                    out += pad + "-\n"
                    emitBlock(item, indent: indent + 2, into: &out)
                }
            }
        default:
            out += pad + value.inline + "\n"
        }
    }

    /// Keys the importer writes are plan field names or names taken from the .jmx: plain when
    /// they are simple identifiers, quoted otherwise.
    private static func key(_ k: String) -> String {
        k.range(of: "^[A-Za-z_][A-Za-z0-9_.-]*$", options: .regularExpression) != nil ? k : quote(k)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || scalar.value == 0xFEFF || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
