import Foundation

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

    func checkReferences(groups: [ThreadGroup], cursors: [Cursor], data: [DataSetSpec], variables: [String: String], target: Target?) {
        let dataNames = data.map(\.name)
        for (group, cursor) in zip(groups, cursors) {
            let dataCursor = Cursor(node: cursor.node, path: cursor.path.appending("data"), keyMark: cursor.keyMark)
            for name in group.dataSets where !dataNames.contains(name) {
                reader.error(dataCursor, "no data set named '\(name)'\(suggestion(for: name, in: dataNames)); defined: \(dataNames.isEmpty ? "none" : dataNames.joined(separator: ", "))")
            }
            let used = group.dataSets.isEmpty ? data : data.filter { group.dataSets.contains($0.name) }
            let known = Set(used.flatMap(\.columns)).union(variables.keys).union(Self.builtinVariables)
            let requestCursor = Cursor(node: cursor.node, path: cursor.path.appending("request"), keyMark: cursor.keyMark)
            for name in Set(templateStrings(group.request, target: target).flatMap(variableReferences(in:))).sorted()
            where !known.contains(name) {
                let offer = known.filter { !$0.hasPrefix("__") }.sorted()
                reader.error(requestCursor, "uses ${\(name)}, which no data set or variable defines\(suggestion(for: name, in: Array(known)))"
                    + (offer.isEmpty ? "" : "; available: \(offer.joined(separator: ", "))"), preferKey: true)
            }
        }
    }

    func checkThresholdScopes(_ thresholds: [Threshold], groups: [ThreadGroup], top: MappingReader) {
        let names = groups.map(\.name) + groups.compactMap(\.request.label)
        for threshold in thresholds {
            guard let scope = threshold.scope, !names.contains(scope), let c = top["thresholds"] else { continue }
            // A label may come from a template (`${emotion}`), so an unknown scope is only a warning.
            reader.warning(c, "threshold '\(threshold.expression)': no thread group or label is named '\(scope)'\(suggestion(for: scope, in: names))")
        }
    }

    private func templateStrings(_ request: RequestSpec, target: Target?) -> [String] {
        var strings = [request.label, request.path, request.url].compactMap { $0 }
        strings += (request.headers + (target?.headers ?? [])).map(\.value)
        let t = request.tts
        strings += [t.text, t.emotion, t.emotionIntensity, t.voice, t.speed, t.format, t.model, t.instructions].compactMap { $0 }
        switch request.body {
        case .json(let value): strings += value.strings
        case .raw(let text): strings.append(text)
        case .preset, .none: break
        }
        return strings
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
