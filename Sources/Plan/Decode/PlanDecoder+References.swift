import Foundation
import Yams

/// Cross-field checks that need the whole plan: variables, data-set names, the load of weighted groups.
extension PlanDecoder {
    /// Variables every request may use without a data set.
    static let builtinVariables = ["__user", "__group", "__iteration", "__uuid", "__time", "__agent"]

    func checkGroups(_ groups: [ThreadGroup], cursors: [Cursor], sharedLoad: LoadSpec?, top: MappingReader) {
        var seen: Set<String> = []
        for (group, cursor) in zip(groups, cursors) {
            if !seen.insert(group.name).inserted {
                reader.error(cursor, "thread group name '\(group.name)' is used twice; names label the results, so they must differ", preferKey: true)
            }
        }
        let weighted = groups.filter { $0.weight != nil }
        if let c = top["load"], weighted.isEmpty {
            reader.warning(c, "no thread group has a weight, so this shared load is unused")
        }
        if sharedLoad == nil, top["load"] == nil, let (group, cursor) = zip(groups, cursors).first(where: { $0.0.weight != nil }) {
            reader.error(cursor, "thread group '\(group.name)' has a weight, but the plan has no top-level load to share", preferKey: true)
        }
        if !weighted.isEmpty, weighted.allSatisfy({ $0.weight == 0 }), let c = top["load"] {
            reader.error(c, "every weighted group has weight 0", preferKey: true)
        }
    }

    /// Checks that each group's `data:` names exist and every `${var}` in its request (and in the
    /// target's headers) is defined; errors point at the scalar that uses the unknown variable.
    func checkReferences(groups: [ThreadGroup], cursors: [Cursor], data: [DataSetSpec], variables: [String: String],
                         targetHeaders: Cursor?) {
        let dataNames = data.map(\.name)
        var targetChecked = false
        for (group, cursor) in zip(groups, cursors) {
            guard case .mapping(let mapping) = cursor.node else { continue }
            let dataCursor = mapping.first { $0.key.scalar?.string == "data" }
                .map { Cursor(node: $0.value, path: cursor.path.appending("data"), keyMark: $0.key.mark) } ?? cursor
            for name in group.dataSets where !dataNames.contains(name) {
                reader.error(dataCursor, "no data set named '\(name)'\(suggestion(for: name, in: dataNames)); defined: \(dataNames.isEmpty ? "none" : dataNames.joined(separator: ", "))")
            }
            let used = group.dataSets.isEmpty ? data : data.filter { group.dataSets.contains($0.name) }
            var known = Set(used.flatMap(\.columns)).union(variables.keys).union(Self.builtinVariables)
            // A WebSocket session's split messages send each piece as ${piece}.
            if group.request.websocket != nil { known.insert("piece") }
            if let request = mapping.first(where: { $0.key.scalar?.string == "request" }) {
                checkTemplates(Cursor(node: request.value, path: cursor.path.appending("request"), keyMark: request.key.mark), known: known)
            }
            if let headers = targetHeaders, !targetChecked {
                // Target headers are sent by every group: check them once, against the variables every group has.
                checkTemplates(headers, known: Set(variables.keys).union(Self.builtinVariables)
                    .union(data.count == 1 ? data[0].columns : []))
                targetChecked = true
            }
        }
    }

    /// Walks the scalars under `cursor` and reports each `${name}` not in `known`.
    private func checkTemplates(_ cursor: Cursor, known: Set<String>) {
        switch cursor.node {
        case .scalar(let scalar):
            for name in variableReferences(in: scalar.string) where !known.contains(name) {
                if name.hasPrefix("env:") {
                    let variable = name.dropFirst(4)
                    reader.error(cursor, variable.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil
                        ? "${\(name)}: '\(variable)' is not an environment variable name"
                        : "${\(name)}: the environment variable \(variable) is not set (export it before the run)")
                    continue
                }
                let offer = known.filter { !$0.hasPrefix("__") }.sorted()
                reader.error(cursor, "${\(name)} is not defined by any data set or variable\(suggestion(for: name, in: Array(known)))"
                    + (offer.isEmpty ? "; add a data set or variables: entry" : "; available: \(offer.joined(separator: ", "))"))
            }
        case .mapping(let mapping):
            for (key, value) in mapping {
                checkTemplates(Cursor(node: value, path: cursor.path.appending(key.scalar?.string ?? "?"), keyMark: key.mark), known: known)
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                checkTemplates(Cursor(node: item, path: cursor.path.appending(index), keyMark: item.mark), known: known)
            }
        case .alias:
            break
        }
    }

    /// NAMEs of every `${env:NAME}` in the plan's scalars. Visits at most `budget` nodes, as the
    /// reader does: an alias bomb ("billion laughs") is the reader's to report, not a walk to finish.
    static func environmentReferences(in root: Node, budget: Int = 200_000) -> Set<String> {
        var names = Set<String>()
        var stack = [root]
        var left = budget
        while let node = stack.popLast(), left > 0 {
            left -= 1
            switch node {
            case .scalar(let scalar):
                for name in variableReferences(in: scalar.string) where name.hasPrefix("env:") { names.insert(String(name.dropFirst(4))) }
            case .mapping(let mapping):
                stack.append(contentsOf: mapping.map(\.value))
            case .sequence(let sequence):
                stack.append(contentsOf: sequence)
            case .alias:
                break
            }
        }
        return names
    }

    /// `secrets: [name, ...]`: each a `variables:` key or an `env:NAME` the plan uses.
    func decodeSecrets(_ cursor: Cursor, variables: [String: String]) -> [String] {
        guard let items = reader.sequence(cursor, what: "a list of variable names, e.g. [api_key, env:TTS_TOKEN]") else { return [] }
        var names: [String] = []
        for item in items {
            guard let name = reader.string(item) else { continue }
            guard let value = variables[name] else {
                let known = variables.keys.sorted()
                reader.error(item, "secret '\(name)' is not a variable" + (name.hasPrefix("env:") ? " the plan uses (write ${\(name)} where it goes)" : "")
                    + (known.isEmpty ? "" : "; variables: \(known.joined(separator: ", "))"))
                continue
            }
            if value.count < 4 {
                reader.warning(item, "secret '\(name)' is shorter than 4 characters: it is not redacted (it would mangle every text it appears in)")
            }
            names.append(name)
        }
        return names
    }

    func checkThresholdScopes(_ thresholds: [Threshold], groups: [ThreadGroup], top: MappingReader, key: String = "thresholds") {
        let names = groups.map(\.name) + groups.compactMap(\.request.label)
        for threshold in thresholds {
            guard let scope = threshold.scope, !names.contains(scope), let c = top[key] else { continue }
            // A label may come from a template (`${emotion}`), so an unknown scope is only a warning.
            reader.warning(c, "threshold '\(threshold.expression)': no thread group or label is named '\(scope)'\(suggestion(for: scope, in: names))")
        }
    }

}

/// The names inside `${...}` in a template, in order (`${a} and ${b}` gives a, b).
public func variableReferences(in template: String) -> [String] {
    var names: [String] = []
    var rest = Substring(template)
    while let open = rest.range(of: "${") {
        guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
        names.append(String(rest[open.upperBound..<close]))
        rest = rest[rest.index(after: close)...]
    }
    return names
}
