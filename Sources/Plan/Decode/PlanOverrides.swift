import Foundation
import Yams

/// One `--set path=value` from the command line: `thread_groups[0].load.steps=[1,2,4]`.
public struct PlanOverride: Sendable, Equatable {
    public var path: FieldPath
    /// The value exactly as typed (read as YAML, so `[1,2,4]`, `10` and `{a: b}` keep their types).
    public var value: String
    public var text: String { "\(path)=\(value)" }

    /// Parses `a.b[2].c=value`; nil when there is no `=` or the path is malformed.
    public init?(parsing argument: String) {
        guard let equals = argument.firstIndex(of: "=") else { return nil }
        guard let path = Self.parsePath(String(argument[..<equals])) else { return nil }
        self.path = path
        self.value = String(argument[argument.index(after: equals)...])
    }

    static func parsePath(_ text: String) -> FieldPath? {
        var components: [FieldPath.Component] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = part
            let key = rest.prefix { $0 != "[" }
            guard !key.isEmpty else { return nil }
            components.append(.key(String(key)))
            rest = rest.dropFirst(key.count)
            while rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                      index >= 0
                else { return nil }
                components.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
            guard rest.isEmpty else { return nil }
        }
        return components.isEmpty ? nil : FieldPath(components)
    }
}

enum OverrideApplier {
    /// Applies every override to the tree; problems become diagnostics located at the flag.
    static func apply(_ overrides: [PlanOverride], to root: inout Node) -> [PlanDiagnostic] {
        var problems: [PlanDiagnostic] = []
        for override in overrides {
            let value: Node
            if let parsed = try? Yams.compose(yaml: override.value), !override.value.isEmpty {
                value = parsed
            } else {
                value = Node(override.value, .implicit, .doubleQuoted)
            }
            if let message = set(value, at: override.path.components[...], in: &root, walked: .root) {
                problems.append(PlanDiagnostic(.error, at: .override(override.text), path: override.path, message))
            }
        }
        return problems
    }

    /// Sets `value` at `path` below `node`, creating mapping keys that are missing; returns an error message or nil.
    private static func set(_ value: Node, at path: ArraySlice<FieldPath.Component>, in node: inout Node, walked: FieldPath) -> String? {
        guard let first = path.first else {
            node = value
            return nil
        }
        let rest = path.dropFirst()
        switch (first, node) {
        case (.key(let key), .mapping(let mapping)):
            var pairs = Array(mapping.map { ($0.key, $0.value) })
            if let index = pairs.firstIndex(where: { $0.0.scalar?.string == key }) {
                var child = pairs[index].1
                if let error = set(value, at: rest, in: &child, walked: walked.appending(key)) { return error }
                pairs[index].1 = child
            } else {
                var child = Node.mapping(Node.Mapping([]))
                if let error = set(value, at: rest, in: &child, walked: walked.appending(key)) { return error }
                pairs.append((Node(key), child))
            }
            node = .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
            return nil
        case (.key(let key), _) where NodeReader.isNull(node):
            var child = Node.mapping(Node.Mapping([]))
            if let error = set(value, at: rest, in: &child, walked: walked.appending(key)) { return error }
            node = .mapping(Node.Mapping([(Node(key), child)]))
            return nil
        case (.index(let index), .sequence(let sequence)):
            var items = Array(sequence)
            guard index < items.count else {
                return "\(walked) has \(items.count) item\(items.count == 1 ? "" : "s"), so [\(index)] does not exist"
            }
            if let error = set(value, at: rest, in: &items[index], walked: walked.appending(index)) { return error }
            node = .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
            return nil
        case (.key, _):
            return "\(walked) is \(NodeReader.describe(node)), not a mapping, so it has no field to set"
        case (.index, _):
            return "\(walked) is \(NodeReader.describe(node)), not a list, so it cannot be indexed"
        }
    }
}
