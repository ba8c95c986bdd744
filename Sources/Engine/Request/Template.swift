/// A `${var}` template compiled once, rendered per request without re-scanning the text.
struct Template: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    let parts: [Part]

    init(_ text: String) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            parts.append(.variable(String(rest[open.upperBound..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    /// True when the template has no variables (render once, reuse).
    var isConstant: Bool { !parts.contains { if case .variable = $0 { return true } else { return false } } }

    /// The text with every variable looked up; an unknown variable renders as written (`${name}`),
    /// which validation already made impossible for plans.
    func render(_ lookup: (String) -> String?) -> String {
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .variable(let name): out += lookup(name) ?? "${\(name)}"
            }
        }
        return out
    }
}
