import Foundation

/// JMeter's `${...}` references turned into ttsload templates (docs/jmx-import.md, "References").
///
/// `${name}` stays `${name}`. `${__P(name,default)}` (and `__property`) becomes `${name}` with a
/// `variables:` entry holding the default, so `--set variables.name=...` plays the part of
/// JMeter's `-Jname=...`. `__UUID`, `__time()` and `__threadNum` map onto ttsload's built-ins;
/// any other function has no counterpart and is left out, with a note.
struct JMXReferences {
    /// Property names met in `__P`/`__property`, with their defaults, in the order first seen.
    private(set) var properties: [(name: String, value: String)] = []

    /// One `${...}` found in a string: the text between the braces.
    private static func scan(_ s: String, _ visit: (String) -> String) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            var depth = 1
            var index = open.upperBound
            while index < rest.endIndex, depth > 0 {
                if rest[index] == "{" { depth += 1 } else if rest[index] == "}" { depth -= 1 }
                if depth > 0 { index = rest.index(after: index) }
            }
            guard index < rest.endIndex else {
                out += rest[open.lowerBound...] // unterminated: JMeter sends it as written
                return out
            }
            out += visit(String(rest[open.upperBound..<index]))
            rest = rest[rest.index(after: index)...]
        }
        return out + rest
    }

    /// `__name(args)` split into the name and its arguments (JMeter escapes a comma as `\,`).
    private static func function(_ inner: String) -> (name: String, args: [String])? {
        guard inner.hasPrefix("__") else { return nil }
        guard let paren = inner.firstIndex(of: "(") else { return (inner, []) }
        guard inner.hasSuffix(")") else { return nil }
        let name = String(inner[..<paren])
        let body = inner[inner.index(after: paren)..<inner.index(before: inner.endIndex)]
        var args: [String] = []
        var current = ""
        var escaped = false
        var depth = 0
        for ch in body {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "(", "{": depth += 1; current.append(ch)
            case ")", "}": depth -= 1; current.append(ch)
            case "," where depth == 0: args.append(current); current = ""
            default: current.append(ch)
            }
        }
        args.append(current)
        return (name, body.isEmpty ? [] : args.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    private static let identifier = try! NSRegularExpression(pattern: "^[A-Za-z_][A-Za-z0-9_]*$")
    static func isIdentifier(_ s: String) -> Bool {
        identifier.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// A property's default: `__P`'s is "1" when none is given (JMeter's rule), `__property`'s empty.
    private mutating func property(_ f: (name: String, args: [String])) -> (name: String, value: String)? {
        guard f.name == "__P" || f.name == "__property", let name = f.args.first, !name.isEmpty else { return nil }
        let value = f.args.count > 1 ? f.args[1] : (f.name == "__P" ? "1" : "")
        if !properties.contains(where: { $0.name == name }) { properties.append((name, value)) }
        return (name, value)
    }

    /// `s` as a ttsload template; `notes` gets one line per reference that changed meaning.
    mutating func template(_ s: String, notes: inout [String]) -> String {
        var me = self
        let out = Self.scan(s) { inner in
            guard let f = Self.function(inner) else { return "${\(inner)}" }
            if let p = me.property(f) {
                if Self.isIdentifier(p.name) { return "${\(p.name)}" }
                notes.append("${\(inner)}: property name '\(p.name)' is not a ttsload variable name; its default '\(p.value)' is sent")
                return p.value
            }
            switch f.name {
            case "__UUID": return "${__uuid}"
            case "__time" where f.args.isEmpty || f.args == [""]: return "${__time}"
            case "__threadNum": return "${__user}"
            default:
                notes.append("${\(inner)}: JMeter function \(f.name) has no ttsload counterpart; left out of the text")
                return ""
            }
        }
        self = me
        return out
    }

    /// `s` with every reference replaced by its value, for fields that must be literal (thread
    /// counts, host, port, file names): variables first, then property defaults.
    mutating func literal(_ s: String, variables: [String: String], notes: inout [String]) -> String {
        var me = self
        var depth = 0
        func expand(_ text: String) -> String {
            depth += 1
            defer { depth -= 1 }
            guard depth < 8 else { return text }
            return Self.scan(text) { inner in
                if let f = Self.function(inner) {
                    if let p = me.property(f) {
                        notes.append("${\(inner)} is the JMeter property \(p.name): its default \(expand(p.value)) is used")
                        return expand(p.value)
                    }
                    notes.append("${\(inner)}: JMeter function \(f.name) cannot be evaluated here; left out")
                    return ""
                }
                if let value = variables[inner] { return expand(value) }
                notes.append("${\(inner)} is not defined in the plan; left out")
                return ""
            }
        }
        let out = expand(s)
        self = me
        return out
    }
}
