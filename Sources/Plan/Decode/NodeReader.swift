import Foundation
import Yams

/// A YAML node with the path that led to it and where its key was written.
struct Cursor {
    let node: Node
    let path: FieldPath
    /// The mark of the key that introduced this node (better for "missing field" than the value's mark).
    let keyMark: Mark?
    /// Columns to add to the value's mark, to point inside a scalar (a threshold's bad token).
    var columnShift = 0
}

/// Reads typed values out of a composed YAML tree, recording every problem with its position
/// instead of stopping at the first one.
///
/// Each reader returns nil after recording a diagnostic, so the decoder goes on and the user sees
/// all mistakes of a file at once.
final class NodeReader {
    let file: String
    /// Paths replaced by `--set`, with the text the user typed: errors there point at the flag.
    let overrides: [FieldPath: String]
    private(set) var diagnostics: [PlanDiagnostic] = []
    /// Nodes visited; bounds the work on alias bombs ("billion laughs") and absurdly large plans.
    private var budget = 200_000
    private(set) var exhausted = false

    init(file: String, overrides: [FieldPath: String] = [:]) {
        self.file = file
        self.overrides = overrides
    }

    // MARK: Diagnostics

    func location(of cursor: Cursor, preferKey: Bool = false) -> SourceLocation {
        if let (path, text) = overrides.first(where: { cursor.path.hasPrefix($0.key) }) {
            return .override("\(path)=\(text)")
        }
        let mark = preferKey ? (cursor.keyMark ?? cursor.node.mark) : (cursor.node.mark ?? cursor.keyMark)
        let shift = preferKey ? 0 : cursor.columnShift
        return .file(path: file, line: mark?.line ?? 1, column: (mark?.column ?? 1) + shift)
    }

    func error(_ cursor: Cursor, _ message: String, preferKey: Bool = false) {
        diagnostics.append(PlanDiagnostic(.error, at: location(of: cursor, preferKey: preferKey), path: cursor.path, message))
    }

    func warning(_ cursor: Cursor, _ message: String) {
        diagnostics.append(PlanDiagnostic(.warning, at: location(of: cursor), path: cursor.path, message))
    }

    /// Counts a node against the budget; false once the plan is too large to read.
    func spend(_ cursor: Cursor) -> Bool {
        budget -= 1
        if budget < 0 {
            if !exhausted { error(cursor, "plan too large (over 200000 YAML nodes, or an alias expanding to that many)") }
            exhausted = true
            return false
        }
        return true
    }

    // MARK: Shapes

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull(node) { return "nothing (null)" }
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "..." : s.string
            return "'\(text)'"
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    /// The entries of a mapping, after checking every key is one of `allowed`.
    func mapping(_ cursor: Cursor, allowed: [String], what: String = "a mapping") -> MappingReader? {
        guard spend(cursor) else { return nil }
        guard case .mapping(let mapping) = cursor.node else {
            error(cursor, "expected \(what), got \(Self.describe(cursor.node))")
            return nil
        }
        var entries: [(String, Cursor)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                error(Cursor(node: keyNode, path: cursor.path, keyMark: keyNode.mark), "keys must be plain words")
                continue
            }
            let key = keyScalar.string
            let child = Cursor(node: valueNode, path: cursor.path.appending(key), keyMark: keyNode.mark)
            if !allowed.contains(key) {
                let keyCursor = Cursor(node: keyNode, path: cursor.path.appending(key), keyMark: keyNode.mark)
                error(keyCursor, "unknown field '\(key)'\(suggestion(for: key, in: allowed)); allowed here: \(allowed.joined(separator: ", "))")
                continue
            }
            if entries.contains(where: { $0.0 == key }) {
                error(child, "'\(key)' is given twice", preferKey: true)
                continue
            }
            entries.append((key, child))
        }
        return MappingReader(cursor: cursor, entries: entries, reader: self)
    }

    /// The items of a list (a single value is not silently taken as a list of one).
    func sequence(_ cursor: Cursor, what: String = "a list") -> [Cursor]? {
        guard spend(cursor) else { return nil }
        guard case .sequence(let sequence) = cursor.node else {
            error(cursor, "expected \(what), got \(Self.describe(cursor.node))")
            return nil
        }
        return sequence.enumerated().map { Cursor(node: $1, path: cursor.path.appending($0), keyMark: $1.mark) }
    }

    // MARK: Scalars

    func scalarText(_ cursor: Cursor, what: String) -> String? {
        guard spend(cursor) else { return nil }
        guard case .scalar(let scalar) = cursor.node, !Self.isNull(cursor.node) else {
            error(cursor, "expected \(what), got \(Self.describe(cursor.node))")
            return nil
        }
        return scalar.string
    }

    func string(_ cursor: Cursor, nonEmpty: Bool = true, what: String = "a string") -> String? {
        guard let text = scalarText(cursor, what: what) else { return nil }
        if nonEmpty && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            error(cursor, "expected \(what), got an empty string")
            return nil
        }
        return text
    }

    func int(_ cursor: Cursor, in range: ClosedRange<Int>, what: String = "an integer") -> Int? {
        guard let text = scalarText(cursor, what: "\(what) \(range.lowerBound)...\(range.upperBound)") else { return nil }
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        guard let value = Int(cleaned), range.contains(value) else {
            error(cursor, "expected \(what) \(range.lowerBound)...\(range.upperBound), got '\(text.prefix(40))'")
            return nil
        }
        return value
    }

    func double(_ cursor: Cursor, in range: ClosedRange<Double>, what: String = "a number") -> Double? {
        let rangeText = "\(Self.format(range.lowerBound))...\(Self.format(range.upperBound))"
        guard let text = scalarText(cursor, what: "\(what) \(rangeText)") else { return nil }
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite, range.contains(value) else {
            error(cursor, "expected \(what) \(rangeText), got '\(text.prefix(40))'")
            return nil
        }
        return value
    }

    func bool(_ cursor: Cursor) -> Bool? {
        guard let text = scalarText(cursor, what: "true or false") else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default:
            error(cursor, "expected true or false, got '\(text.prefix(40))'")
            return nil
        }
    }

    func duration(_ cursor: Cursor, atLeast minimum: PlanDuration = .zero) -> PlanDuration? {
        guard let text = scalarText(cursor, what: "a duration (250ms, 30s, 3m, 1h)") else { return nil }
        guard let value = PlanDuration(parsing: text) else {
            let hint = Double(text) != nil ? "; add a unit, e.g. \(text)s or \(text)ms" : ""
            error(cursor, "expected a duration (250ms, 30s, 3m, 1h) up to 30 days, got '\(text.prefix(40))'\(hint)")
            return nil
        }
        guard value >= minimum else {
            error(cursor, "expected a duration of at least \(minimum), got \(text)")
            return nil
        }
        return value
    }

    func choice<E: RawRepresentable & CaseIterable>(_ cursor: Cursor, _ type: E.Type) -> E? where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        guard let text = scalarText(cursor, what: "one of \(names.joined(separator: ", "))") else { return nil }
        guard let value = E(rawValue: text) else {
            error(cursor, "expected one of \(names.joined(separator: ", ")), got '\(text.prefix(40))'\(suggestion(for: text, in: names))")
            return nil
        }
        return value
    }

    /// A mapping of string to string (headers, variables), in written order.
    func stringPairs(_ cursor: Cursor) -> [(String, String)]? {
        guard spend(cursor) else { return nil }
        if Self.isNull(cursor.node) { return [] }
        guard case .mapping(let mapping) = cursor.node else {
            error(cursor, "expected a mapping of names to values, got \(Self.describe(cursor.node))")
            return nil
        }
        var pairs: [(String, String)] = []
        for (keyNode, valueNode) in mapping {
            let child = Cursor(node: valueNode, path: cursor.path.appending(keyNode.scalar?.string ?? "?"), keyMark: keyNode.mark)
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                error(child, "expected a name", preferKey: true)
                continue
            }
            if let value = scalarText(child, what: "a value (quote it if it is not plain text)") { pairs.append((key, value)) }
        }
        return pairs
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// The checked entries of one mapping, read by key.
struct MappingReader {
    let cursor: Cursor
    let entries: [(String, Cursor)]
    unowned let reader: NodeReader

    /// The entry, treating an explicit null as absent.
    subscript(key: String) -> Cursor? {
        guard let entry = entries.first(where: { $0.0 == key })?.1 else { return nil }
        return NodeReader.isNull(entry.node) ? nil : entry
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    /// The entry, or an error at the mapping naming the missing field.
    func required(_ key: String, what: String) -> Cursor? {
        if let entry = self[key] { return entry }
        reader.error(cursor, "missing '\(key)' (\(what))", preferKey: true)
        return nil
    }

    /// Records an error when more than one of `keys` is present.
    func exclusive(_ keys: [String]) {
        let present = keys.filter(has)
        if present.count > 1, let second = self[present[1]] {
            reader.error(second, "give only one of \(present.map { "'\($0)'" }.joined(separator: " and "))", preferKey: true)
        }
    }
}
