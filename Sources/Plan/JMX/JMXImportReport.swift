import Foundation

/// What `ttsload import-jmx` did with each element of a .jmx: every element is listed, so nothing
/// JMeter would have done is dropped without a word.
public struct JMXImportReport: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Carried over with the same meaning.
        case converted
        /// Carried over with a different or partial meaning (the note says how).
        case approximated
        /// Left out (the note says why).
        case skipped
    }

    /// One element of the .jmx and what became of it.
    public struct Entry: Sendable, Codable, Equatable {
        /// Test names from the plan down (`Test Plan/TTS users/POST speech`).
        public var path: String
        /// The element's XML name (`HTTPSamplerProxy`, `kg.apc.jmeter.threads.SteppingThreadGroup`).
        public var element: String
        /// Line of the element in the .jmx.
        public var line: Int
        public var outcome: Outcome
        public var note: String
    }

    public var source: String
    public var entries: [Entry] = []

    public init(source: String) { self.source = source }

    /// Records what became of `node`; an element shared by several samplers (a timer, an
    /// assertion) is listed once, with what the first of them made of it.
    mutating func add(_ node: JMXNode, _ outcome: Outcome, _ note: String) {
        if entries.contains(where: { $0.line == node.element.line && $0.path == node.pathText }) { return }
        entries.append(Entry(path: node.pathText, element: node.element.name, line: node.element.line, outcome: outcome, note: note))
    }

    /// Records `node` anew, replacing what was said of it before (a sampler left out after all).
    mutating func replace(_ node: JMXNode, _ outcome: Outcome, _ note: String) {
        entries.removeAll { $0.line == node.element.line && $0.path == node.pathText }
        add(node, outcome, note)
    }

    /// Adds `note` to what was said of `node`; `outcome` replaces a milder one.
    mutating func append(_ node: JMXNode, _ outcome: Outcome, _ note: String) {
        guard let i = entries.firstIndex(where: { $0.line == node.element.line && $0.path == node.pathText }) else {
            return add(node, outcome, note)
        }
        entries[i].note += "; " + note
        let rank: [Outcome: Int] = [.converted: 0, .approximated: 1, .skipped: 2]
        if rank[outcome]! > rank[entries[i].outcome]! { entries[i].outcome = outcome }
    }

    public func count(_ outcome: Outcome) -> Int { entries.filter { $0.outcome == outcome }.count }

    /// The terminal text: a count line, then approximated and skipped elements, then the converted ones.
    public var text: String {
        var lines = ["import report for \(source): \(count(.converted)) converted, \(count(.approximated)) approximated, \(count(.skipped)) skipped"]
        for outcome in [Outcome.skipped, .approximated, .converted] {
            for e in entries where e.outcome == outcome {
                lines.append("  \(outcome.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(e.path) (\(e.element), line \(e.line)): \(e.note)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON (`--report FILE`): `{source, counts, entries: [{path, element, line, outcome, note}]}`.
    public func json() throws -> Data {
        struct Document: Encodable {
            var source: String
            var counts: [String: Int]
            var entries: [Entry]
        }
        let counts = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, count($0)) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(source: source, counts: counts, entries: entries))
    }
}
