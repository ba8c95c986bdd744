import Foundation

/// What applies to the samplers of one level of the tree and below (JMeter's scoping rules:
/// config elements, timers and assertions reach their siblings and everything under them).
struct JMXScope {
    var headers: [(name: String, value: String)] = []
    var defaults = HTTPFields()
    var timers: [JMXNode] = []
    var assertions: [JMXNode] = []
    var dataSets: [String] = []
}

/// The walk over a .jmx tree: scopes, thread groups, data sets, and the plan at the end.
struct JMXConverter {
    let jmxPath: String
    let options: JMXImportOptions
    var report: JMXImportReport
    var refs = JMXReferences()
    var variables: [(String, String)] = []
    var dataSets: [(name: String, set: JMXDataSet, node: JMXNode)] = []
    var dataFiles: [(path: String, text: String)] = []
    var groups: [PlanYAML] = []
    /// The sampler each group sends, for notes added once the whole plan is known.
    var groupSamplers: [JMXNode] = []
    var groupNames: Set<String> = []
    var target: String?
    var planName = "imported"
    var description: String?

    init(jmxPath: String, options: JMXImportOptions) {
        self.jmxPath = jmxPath
        self.options = options
        report = JMXImportReport(source: jmxPath)
    }

    var jmxDirectory: String {
        let dir = parentDirectory(of: jmxPath)
        return dir.isEmpty ? FileManager.default.currentDirectoryPath : dir
    }

    var planStem: String { ((options.planPath as NSString).lastPathComponent as NSString).deletingPathExtension }

    var variableValues: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in variables where out[k] == nil { out[k] = v }
        for p in refs.properties where out[p.name] == nil { out[p.name] = p.value }
        return out
    }

    /// A property's value with every reference resolved (for numbers, hosts, file names).
    mutating func literal(_ text: String, notes: inout [String]) -> String {
        refs.literal(text, variables: variableValues, notes: &notes)
    }

    mutating func template(_ text: String, notes: inout [String]) -> String {
        refs.template(text, notes: &notes)
    }

    // MARK: the walk

    mutating func convert(_ roots: [JMXNode]) -> JMXImportResult {
        for root in roots {
            guard root.element.isEnabled else { report.add(root, .skipped, "disabled (enabled=\"false\")"); continue }
            if root.element.name == "TestPlan" {
                testPlan(root)
            } else {
                report.add(root, .skipped, "not a TestPlan at the top of the file")
            }
        }
        return finish()
    }

    mutating func testPlan(_ node: JMXNode) {
        let e = node.element
        planName = e.testName
        if let comment = e.string("TestPlan.comments"), !comment.isEmpty { description = comment }
        var notes: [String] = []
        if let udv = e.elementProp("TestPlan.user_defined_variables") { readArguments(udv, notes: &notes) }
        var outcome = JMXImportReport.Outcome.converted
        if e.bool("TestPlan.serialize_threadgroups") {
            notes.append("thread groups run one after another in JMeter; ttsload starts them together (give each a delay)")
            outcome = .approximated
        }
        if let cp = e.string("TestPlan.user_define_classpath"), !cp.isEmpty {
            notes.append("the extra classpath is ignored")
        }
        report.add(node, outcome, (["name, comments and user-defined variables"] + notes).joined(separator: "; "))
        var scope = JMXScope()
        var none: GroupContext?
        level(node.children, scope: &scope, group: &none)
    }

    /// User Defined Variables (an Arguments element): `variables:` entries.
    mutating func readArguments(_ e: JMXElement, notes: inout [String]) {
        for argument in e.collection("Arguments.arguments") {
            let name = argument.string("Argument.name") ?? ""
            let raw = argument.string("Argument.value") ?? ""
            guard JMXReferences.isIdentifier(name) else {
                if !name.isEmpty { notes.append("variable '\(name)' is not a ttsload variable name; left out") }
                continue
            }
            // A variable's value is read once, as JMeter does at the start of the test.
            let value = raw.contains("${") ? literal(raw, notes: &notes) : raw
            variables.removeAll { $0.0 == name }
            variables.append((name, value))
        }
    }

    /// One `<hashTree>` level: scope elements first (they apply to every sibling whatever their
    /// order), then thread groups, controllers and samplers, in order. `group` is the thread
    /// group being assembled (nil outside one); samplers found at this level are added to it.
    mutating func level(_ nodes: [JMXNode], scope: inout JMXScope, group: inout GroupContext?) {
        var rest: [JMXNode] = []
        for node in nodes {
            let e = node.element
            guard e.isEnabled else {
                report.add(node, .skipped, "disabled (enabled=\"false\"): left out with everything under it")
                skipSubtree(node.children, reason: "inside '\(e.testName)', which is disabled")
                continue
            }
            switch JMXElementKind(e) {
            case .headers:
                var notes: [String] = []
                for h in e.collection("HeaderManager.headers") {
                    let name = h.string("Header.name") ?? ""
                    guard !name.isEmpty else { continue }
                    let value = template(h.string("Header.value") ?? "", notes: &notes)
                    scope.headers.removeAll { $0.name.lowercased() == name.lowercased() }
                    scope.headers.append((name, value))
                }
                report.add(node, notes.isEmpty ? .converted : .approximated, (["headers of the requests in its scope"] + notes).joined(separator: "; "))
            case .httpDefaults:
                scope.defaults = HTTPFields(e).over(scope.defaults)
                var notes = ["defaults of the requests in its scope"]
                if !(e.elementProp("HTTPsampler.Arguments")?.collection("Arguments.arguments").isEmpty ?? true) {
                    notes.append("its parameters are not carried over")
                }
                report.add(node, notes.count > 1 ? .approximated : .converted, notes.joined(separator: "; "))
            case .variables:
                var notes: [String] = []
                readArguments(e, notes: &notes)
                report.add(node, notes.isEmpty ? .converted : .approximated, (["variables: entries"] + notes).joined(separator: "; "))
            case .csv:
                if let name = dataSet(node) { scope.dataSets.append(name) }
            case .timer:
                scope.timers.append(node)
            case .assertion:
                scope.assertions.append(node)
            default:
                rest.append(node)
            }
        }
        for node in rest {
            let e = node.element
            let kind = JMXElementKind(e)
            switch kind {
            case .threadGroup:
                if group != nil { report.add(node, .skipped, "a thread group inside a thread group"); continue }
                threadGroup(node, scope: scope)
            case .sampler:
                guard group != nil else { report.add(node, .skipped, "a sampler outside any thread group"); continue }
                if let converted = sampler(node, scope: scope) { group?.samplers.append(converted) }
            case .transparentController:
                guard group != nil else { report.add(node, .skipped, "a controller outside any thread group"); continue }
                var notes: [String] = []
                var outcome = JMXImportReport.Outcome.converted
                if e.name == "LoopController" {
                    let loops = literal(e.string("LoopController.loops") ?? "1", notes: &notes)
                    if loops != "1" {
                        outcome = .approximated
                        notes.append("loops \(loops): each sampler inside is sent once per turn of the group, not \(loops) times")
                    }
                } else if e.name == "TransactionController" {
                    outcome = .approximated
                    notes.append("ttsload writes no parent sample for the transaction")
                }
                report.add(node, outcome, (["its samplers are converted in order"] + notes).joined(separator: "; "))
                var inner = scope
                level(node.children, scope: &inner, group: &group)
            default:
                report.add(node, .skipped, kind.skipReason(e))
                skipSubtree(node.children, reason: "inside '\(e.testName)', which is skipped")
            }
        }
    }

    mutating func skipSubtree(_ nodes: [JMXNode], reason: String) {
        for n in nodes {
            report.add(n, .skipped, n.element.isEnabled ? reason : "disabled (enabled=\"false\")")
            skipSubtree(n.children, reason: reason)
        }
    }

    // MARK: thread groups

    struct GroupContext {
        var node: JMXNode
        var samplers: [ConvertedSampler] = []
    }

    mutating func threadGroup(_ node: JMXNode, scope: JMXScope) {
        let e = node.element
        var valueNotes: [String] = []
        var resolved: [String: String] = [:]
        for child in e.children where child.attributes["name"] != nil && child.name != "elementProp" && child.name != "collectionProp" {
            resolved[child.attributes["name"]!] = literal(child.text, notes: &valueNotes)
        }
        var reader = JMXLoadReader(element: e, value: { resolved[$0] }, defaultDurationMs: options.defaultDurationMs)
        let load = reader.read()
        var notes = valueNotes + reader.notes
        var approximated = reader.approximated || valueNotes.contains { $0.contains("left out") }
        if let action = e.string("ThreadGroup.on_sample_error"), !action.isEmpty, action != "continue" {
            notes.append("on sample error '\(action)': ttsload goes on after a failed sample")
            approximated = true
        }
        var inner = scope
        var context: GroupContext? = GroupContext(node: node)
        level(node.children, scope: &inner, group: &context)
        let samplers = context?.samplers ?? []
        guard let (shape, delayMs) = load else {
            report.add(node, .skipped, (["its load cannot be converted"] + notes).joined(separator: "; "))
            return
        }
        guard !samplers.isEmpty else {
            report.add(node, .skipped, (["no sampler ttsload can send"] + notes).joined(separator: "; "))
            return
        }
        if samplers.count > 1 {
            notes.append("JMeter's threads send its \(samplers.count) samplers in turn; ttsload gives each sampler its own group with a share of the users (rates per sampler stay close when their latencies are alike)")
            approximated = true
        }
        var written = 0
        for (index, s) in samplers.enumerated() {
            let part = shape.share(index, of: samplers.count)
            if part.isEmpty {
                report.replace(s.node, .skipped, "its share of the group's users is 0 (more samplers than users)")
                continue
            }
            let base = samplers.count == 1 ? e.testName : "\(e.testName) / \(s.node.element.testName)"
            var name = base
            var n = 2
            while groupNames.contains(name) { name = "\(base) (\(n))"; n += 1 }
            groupNames.insert(name)
            var fields: [PlanYAML.Field] = [.init("name", .string(name))]
            if delayMs > 0 { fields.append(.init("delay", .string(JMXDuration.text(delayMs)))) }
            fields.append(.init("request", .map(s.request)))
            fields.append(.init("load", part.yaml))
            if let think = s.thinkTime { fields.append(.init("think_time", think)) }
            if !s.checks.isEmpty { fields.append(.init("checks", .map(s.checks))) }
            if !s.dataSets.isEmpty { fields.append(.init("data", .list(s.dataSets.map { .string($0) }))) }
            groups.append(.map(fields))
            groupSamplers.append(s.node)
            written += 1
        }
        report.add(node, approximated ? .approximated : .converted,
                   (["\(written) thread group\(written == 1 ? "" : "s") (\(Self.describe(shape)))"] + notes).joined(separator: "; "))
    }

    static func describe(_ shape: JMXLoadShape) -> String {
        switch shape {
        case let .users(n, ramp, duration): return "\(n) users, ramp-up \(JMXDuration.text(ramp)), \(JMXDuration.text(duration))"
        case .stages(let s): return "\(s.count) stages up to \(Int(s.map(\.target).max() ?? 0)) users"
        case .arrivals(let s, let poisson): return "\(s.count) arrival-rate stages, \(poisson ? "Poisson" : "evenly spaced")"
        }
    }

    // MARK: data sets

    mutating func dataSet(_ node: JMXNode) -> String? {
        let e = node.element
        var notes: [String] = []
        var resolved: [String: String] = [:]
        for child in e.children where child.attributes["name"] != nil {
            resolved[child.attributes["name"]!] = literal(child.text, notes: &notes)
        }
        let file = resolved["filename"] ?? ""
        do {
            var set = try JMXDataSet.read(e, file: file, baseDirectory: jmxDirectory, allowOutside: options.allowOutsideFiles,
                                          value: { resolved[$0] })
            var base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                .replacingOccurrences(of: "[^A-Za-z0-9_]", with: "_", options: .regularExpression)
            if base.isEmpty || base.first!.isNumber { base = "data_" + base }
            var name = base
            var n = 2
            while dataSets.contains(where: { $0.name == name }) { name = "\(base)_\(n)"; n += 1 }
            set.name = name
            let relative = "\(planStem)-data/\(name).csv"
            dataFiles.append((relative, set.csv))
            dataSets.append((name, set, node))
            let approximated = set.approximated || !notes.isEmpty
            report.add(node, approximated ? .approximated : .converted,
                       (["data set '\(name)' (\(set.columns.joined(separator: ", "))), order \(set.order), rewritten with a header row to \(relative)"]
                        + notes + set.notes).joined(separator: "; "))
            return name
        } catch {
            guard case .refused(let why) = error else { return nil }
            // The variables it would set are defined empty, so the plan still validates.
            let names = (resolved["variableNames"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for v in names where JMXReferences.isIdentifier(v) && !variables.contains(where: { $0.0 == v }) { variables.append((v, "")) }
            report.add(node, .skipped, why + (names.isEmpty ? "" : "; its variables (\(names.joined(separator: ", "))) are sent empty"))
            return nil
        }
    }

    // MARK: the plan

    mutating func finish() -> JMXImportResult {
        // References to variables nothing defines (set by extractors or scripts in JMeter) are
        // defined empty so the plan validates; the report names them.
        var known = Set(variableValues.keys).union(PlanDecoder.builtinVariables)
        for d in dataSets { known.formUnion(d.set.columns) }
        var undefined: [String] = []
        for (g, node) in zip(groups, groupSamplers) {
            let names = Self.strings(g).flatMap(variableReferences(in:)).filter { !$0.hasPrefix("env:") && !PlanDecoder.builtinVariables.contains($0) }
            let missing = Set(names).subtracting(variableValues.keys).subtracting(dataSets.flatMap(\.set.columns)).sorted()
            if !missing.isEmpty {
                report.append(node, .approximated, missing.map { "${\($0)} is set by nothing ttsload runs (a script or extractor in JMeter): sent empty" }.joined(separator: "; "))
            }
            for name in missing where !known.contains(name) {
                undefined.append(name)
                known.insert(name)
            }
        }
        for name in undefined { variables.append((name, "")) }

        var top: [PlanYAML.Field] = [.init("name", .string(planName))]
        if let description { top.append(.init("description", .string(description))) }
        top.append(.init("target", .map([.init("url", .string(target ?? "http://127.0.0.1")), .init("api", .string("raw"))])))
        let vars = variableValues
        var seen: Set<String> = []
        var varFields: [PlanYAML.Field] = []
        for (k, _) in variables + refs.properties.map({ ($0.name, $0.value) }) where seen.insert(k).inserted {
            varFields.append(.init(k, .string(vars[k] ?? "")))
        }
        if !varFields.isEmpty { top.append(.init("variables", .map(varFields))) }
        if !dataSets.isEmpty {
            top.append(.init("data", .map(dataSets.map { d in
                var f: [PlanYAML.Field] = [.init("file", .string("\(planStem)-data/\(d.name).csv")), .init("order", .string(d.set.order))]
                if let onEnd = d.set.onEnd { f.append(.init("on_end", .string(onEnd))) }
                return .init(d.name, .map(f))
            })))
        }
        if groups.isEmpty {
            // A plan needs a group; without one the import still writes a plan that says why.
            top.append(.init("thread_groups", .list([])))
        } else {
            top.append(.init("thread_groups", .list(groups)))
        }
        var comment = ["Converted from \((jmxPath as NSString).lastPathComponent) by ttsload import-jmx.",
                       "\(report.count(.converted)) elements converted, \(report.count(.approximated)) approximated, \(report.count(.skipped)) skipped: see the import report."]
        if !undefined.isEmpty {
            comment.append("Defined empty (set at run time in JMeter by elements not converted): \(undefined.joined(separator: ", ")).")
        }
        if !refs.properties.isEmpty {
            comment.append("JMeter properties became variables: --set variables.NAME=VALUE instead of -JNAME=VALUE.")
        }
        comment.append("Point it at another server with --set target.url=http://host:port")
        return JMXImportResult(yaml: PlanYAML.map(top).render(comment: comment), dataFiles: dataFiles, report: report)
    }

    static func scalarText(_ y: PlanYAML) -> String {
        switch y {
        case .int(let i): return String(i)
        case .string(let s): return s
        default: return "?"
        }
    }

    static func strings(_ y: PlanYAML) -> [String] {
        switch y {
        case .string(let s): return [s]
        case .list(let items): return items.flatMap(strings)
        case .map(let fields): return fields.filter { $0.key != "name" }.flatMap { strings($0.value) }
        default: return []
        }
    }
}
