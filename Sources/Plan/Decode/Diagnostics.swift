/// A path to a field in a plan, printed the way users write it: `thread_groups[1].load.steps[2]`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// One step of a path: a mapping key or a sequence index.
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = FieldPath()

    public func appending(_ key: String) -> FieldPath { FieldPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> FieldPath { FieldPath(components + [.index(index)]) }

    /// True when `self` is `other` or lies inside it.
    public func hasPrefix(_ other: FieldPath) -> Bool {
        components.count >= other.components.count
            && Array(components.prefix(other.components.count)) == other.components
    }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(plan)" : text
    }

    public static func < (lhs: FieldPath, rhs: FieldPath) -> Bool { lhs.description < rhs.description }
}

/// Where a diagnostic points: a plan file position, or a `--set` override given on the command line.
public enum SourceLocation: Hashable, Sendable, CustomStringConvertible {
    case file(path: String, line: Int, column: Int)
    case override(String)

    public var description: String {
        switch self {
        case let .file(path, line, column): return "\(path):\(line):\(column)"
        case let .override(text): return "--set \(text)"
        }
    }

    var sortKey: (Int, Int) {
        if case let .file(_, line, column) = self { return (line, column) }
        return (Int.max, 0)
    }
}

/// One problem found in a plan, with its place and what was expected.
public struct PlanDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var location: SourceLocation
    public var path: FieldPath
    public var message: String

    public init(_ severity: Severity = .error, at location: SourceLocation, path: FieldPath, _ message: String) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
    }

    /// `plans/x.yaml:12:7: error: thread_groups[0].load.steps[2]: expected ...`
    public var description: String {
        "\(location): \(severity.rawValue): \(path): \(message)"
    }
}

/// Every problem of one plan, thrown when at least one is an error. Warnings ride along.
public struct PlanErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [PlanDiagnostic]

    public init(_ diagnostics: [PlanDiagnostic]) { self.diagnostics = diagnostics }

    public var errors: [PlanDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A did-you-mean hint: the closest candidate within a small edit distance, or nil.
func closest(to word: String, in candidates: [String]) -> String? {
    let lowered = word.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.0
}

/// Levenshtein distance over Unicode scalars; words here are short keys, so O(n*m) is fine.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// ` (did you mean 'x'?)` or an empty string.
func suggestion(for word: String, in candidates: [String]) -> String {
    closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}
