import Foundation
import Yams

/// A plan that passed validation, with its warnings and the YAML as resolved after `--set`.
public struct LoadedPlan: Sendable {
    public var plan: Plan
    public var warnings: [PlanDiagnostic]
    /// The plan's YAML after overrides, with the values of `secrets:` in it: for agents only
    /// (sent over the control channel).
    public var resolvedYAML: String
    /// `resolvedYAML` with every secret value replaced by `***`: what the run folder's
    /// `plan.yaml` and the store keep.
    public var redactedYAML: String
}

/// Reads and validates plans: the one entry point of the Plan module.
public enum PlanLoader {
    /// Plans larger than this are refused before parsing (a plan is a page of YAML, not a data file).
    public static let maxBytes = 4 * 1024 * 1024

    /// Loads the plan at `path`; throws `PlanErrors` listing every problem, or a single
    /// diagnostic at 1:1 when the file cannot be read.
    ///
    /// `${env:NAME}` reads `environment` (this process's by default); nil reads every reference
    /// as `***`, for a run folder's plan.yaml, whose values do not matter to reports.
    public static func load(path: String, overrides: [PlanOverride] = [],
                            environment: [String: String]? = ProcessInfo.processInfo.environment) throws(PlanErrors) -> LoadedPlan {
        let location = SourceLocation.file(path: path, line: 1, column: 1)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanErrors([PlanDiagnostic(at: location, path: .root, "cannot read the plan file (missing or not readable)")])
        }
        let base = parentDirectory(of: path)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(data: data, file: path, defaultName: name, baseDirectory: base.isEmpty ? "." : base, overrides: overrides,
                         environment: environment)
    }

    /// Parses plan bytes; `file` only names the source in diagnostics.
    public static func parse(data: Data, file: String, defaultName: String = "plan", baseDirectory: String = ".",
                             overrides: [PlanOverride] = [],
                             environment: [String: String]? = ProcessInfo.processInfo.environment) throws(PlanErrors) -> LoadedPlan {
        func fail(_ line: Int, _ column: Int, _ message: String) -> PlanErrors {
            PlanErrors([PlanDiagnostic(at: .file(path: file, line: line, column: column), path: .root, message)])
        }
        guard data.count <= maxBytes else { throw fail(1, 1, "plan file is over \(maxBytes / 1_048_576) MiB") }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = invalidUTF8Position(data)
            throw fail(line, column, "the plan is not valid UTF-8 (first bad byte here)")
        }
        var root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { throw fail(1, 1, "the plan is empty") }
            root = composed
        } catch let error as PlanErrors {
            throw error
        } catch let error as YamlError {
            let (line, column, message) = describe(error, text: text)
            throw fail(line, column, "YAML syntax: \(message)")
        } catch {
            throw fail(1, 1, "YAML syntax: \(error)")
        }
        let overrideProblems = OverrideApplier.apply(overrides, to: &root)
        if !overrideProblems.isEmpty { throw PlanErrors(overrideProblems) }

        // A diagnostic about an override quotes it: not the value of a variable named in `secrets:`.
        let secretNames = declaredSecrets(root)
        var overridePaths: [FieldPath: String] = [:]
        for o in overrides {
            let description = o.path.description
            let secret = description.hasPrefix("variables.") && secretNames.contains(String(description.dropFirst("variables.".count)))
            overridePaths[o.path] = secret ? "***" : o.value
        }
        let reader = NodeReader(file: file, overrides: overridePaths)
        var decoder = PlanDecoder(reader: reader, defaultName: defaultName, baseDirectory: baseDirectory)
        decoder.environment = environment
        let plan = decoder.decode(root)
        var diagnostics = reader.diagnostics.sorted { $0.location.sortKey < $1.location.sortKey }
        guard let plan, !diagnostics.contains(where: { $0.severity == .error }) else { throw PlanErrors(diagnostics) }
        for o in overrides {
            guard o.path.description.hasPrefix("variables."), plan.secrets.contains(String(o.path.description.dropFirst("variables.".count)))
            else { continue }
            diagnostics.append(PlanDiagnostic(.warning, at: .override("\(o.path)=***"), path: o.path,
                "a secret on the command line stays in shell history and the process list; write ${env:NAME} in the plan and export NAME instead"))
        }
        let resolved = (try? Yams.serialize(node: root)) ?? text
        let secrets = plan.secretValues
        var redacted = resolved
        if !secrets.isEmpty {
            var hidden = root
            redact(&hidden, secrets)
            redacted = (try? Yams.serialize(node: hidden)) ?? Redactor(secrets).redact(resolved)
        }
        return LoadedPlan(plan: plan, warnings: diagnostics, resolvedYAML: resolved, redactedYAML: redacted)
    }

    /// `yaml` (a resolved plan) with file paths replaced: `data` maps a data set's name to its new
    /// file (the short form `name: file` or `{file: ...}`), `tls` a `target.tls` key (`ca`, `cert`,
    /// `key`) to its new file. How a controller points agents at the copies it ships them.
    public static func rewritingFiles(yaml: String, data: [String: String], tls: [String: String]) throws -> String {
        guard var root = try Yams.compose(yaml: yaml), case .mapping(var top) = root else { return yaml }
        func replace(_ node: Node, with value: String) -> Node {
            if case .mapping(var m) = node {
                m[Node("file")] = Node(value)
                return .mapping(m)
            }
            return Node(value)
        }
        if !data.isEmpty, case .mapping(var sets)? = top[Node("data")] {
            for (name, file) in data { if let node = sets[Node(name)] { sets[Node(name)] = replace(node, with: file) } }
            top[Node("data")] = .mapping(sets)
        }
        if !tls.isEmpty, case .mapping(var target)? = top[Node("target")], case .mapping(var files)? = target[Node("tls")] {
            for (key, file) in tls { files[Node(key)] = Node(file) }
            target[Node("tls")] = .mapping(files)
            top[Node("target")] = .mapping(target)
        }
        root = .mapping(top)
        return try Yams.serialize(node: root)
    }

    /// `yaml` (a resolved A/B plan) with both sides given as addresses: `targets: {a: URL, b: URL}`,
    /// `target.url` and `target.server_args` dropped (the rest of `target:` is shared). How a
    /// controller ships an A/B plan to agents once it has started the embedded sides itself.
    public static func withABTargets(yaml: String, a: String, b: String) throws -> String {
        guard case .mapping(var top)? = try Yams.compose(yaml: yaml) else { return yaml }
        if case .mapping(var target)? = top[Node("target")] {
            for key in ["url", "server_args"] { target[Node(key)] = nil }
            top[Node("target")] = .mapping(target)
        }
        top[Node("targets")] = .mapping(Node.Mapping([(Node("a"), Node(a)), (Node("b"), Node(b))]))
        return try Yams.serialize(node: .mapping(top))
    }

    /// `yaml` (a resolved plan) reduced to one thread group with its load replaced by `load`
    /// (a YAML flow mapping such as `{users: 12, ramp_up: 1s, duration: 60s}`), without what a
    /// capacity level does not use (top-level `load`, thresholds, stop_when, monitors, agents) and
    /// without the group's delay and weight: how a capacity search ships one level to agents.
    public static func levelYAML(yaml: String, group: Int, load: String) throws -> String {
        guard case .mapping(var top)? = try Yams.compose(yaml: yaml), case .sequence(let groups)? = top[Node("thread_groups")],
              groups.indices.contains(group), case .mapping(var chosen) = groups[group], let loadNode = try Yams.compose(yaml: load) else {
            throw LevelYAMLError(description: "thread_groups[\(group)] is not a mapping in the resolved plan")
        }
        chosen[Node("load")] = loadNode
        for key in ["delay", "weight"] { chosen[Node(key)] = nil }
        top[Node("thread_groups")] = .sequence(Node.Sequence([.mapping(chosen)]))
        for key in ["load", "thresholds", "stop_when", "monitors", "agents"] { top[Node(key)] = nil }
        return try Yams.serialize(node: .mapping(top))
    }

    /// Why `levelYAML` could not cut the plan down.
    public struct LevelYAMLError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The names listed under the plan's top-level `secrets:` (read before decoding, for diagnostics).
    private static func declaredSecrets(_ root: Node) -> Set<String> {
        guard case .mapping(let top) = root, case .sequence(let list)? = top[Node("secrets")] else { return [] }
        return Set(list.compactMap { $0.scalar?.string })
    }

    /// Replaces every secret value inside the tree's scalars with `***`. (Only for a plan that
    /// decoded, so within the reader's node budget: no alias bomb gets this far.)
    private static func redact(_ node: inout Node, _ secrets: [String]) {
        switch node {
        case .scalar(var scalar):
            let hidden = Redactor(secrets).redact(scalar.string)
            if hidden != scalar.string {
                scalar.string = hidden
                node = .scalar(scalar)
            }
        case .mapping(var mapping):
            for (key, var value) in mapping {
                redact(&value, secrets)
                mapping[key] = value
            }
            node = .mapping(mapping)
        case .sequence(var sequence):
            for i in sequence.indices { redact(&sequence[i], secrets) }
            node = .sequence(sequence)
        case .alias:
            break
        }
    }

    private static func describe(_ error: YamlError, text: String) -> (Int, Int, String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            // libyaml bounds nesting (1000 levels) before anything recurses; say so plainly.
            if problem.contains("nesting level") { return (mark.line, mark.column, "nesting deeper than 1000 levels") }
            let prefix = context.map { "\($0.text) " } ?? ""
            return (mark.line, mark.column, prefix + problem)
        case let .reader(problem, offset, _, yaml):
            guard let offset else { return (1, 1, problem) }
            let prefix = yaml.utf8.prefix(offset)
            let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
            let column = (prefix.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).last?.count ?? 0) + 1
            return (line, column, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let message = "'\(duplicates.joined(separator: "', '"))' is given twice in this mapping"
            if let key = duplicates.first, let (line, column) = secondOccurrence(of: key, in: text, mapping: context.mark) {
                return (line, column, message)
            }
            return (context.mark.line, context.mark.column, message)
        default:
            return (1, 1, "\(error)")
        }
    }

    /// Where a block mapping's key appears the second time: lines from the mapping's start whose key sits at
    /// the mapping's column. Yams reports only the mapping, and users want the duplicate line.
    static func secondOccurrence(of key: String, in yaml: String, mapping: Mark) -> (Int, Int)? {
        var seen = 0
        for (index, row) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= mapping.line {
            let chars = Array(row)
            let column = index + 1 == mapping.line ? mapping.column - 1 : chars.prefix { $0 == " " || $0 == "-" }.count
            guard column == mapping.column - 1 || index + 1 == mapping.line else { continue }
            let rest = String(chars.dropFirst(column))
            if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") {
                seen += 1
                if seen == 2 { return (index + 1, column + 1) }
            }
        }
        return nil
    }

    /// Line and column (1-based, in bytes) of the first byte that breaks UTF-8.
    static func invalidUTF8Position(_ data: Data) -> (Int, Int) {
        var line = 1, column = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                consumed += 1
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput, .error:
                _ = consumed
                return (line, column)
            }
        }
    }
}
