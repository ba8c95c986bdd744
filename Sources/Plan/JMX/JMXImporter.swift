import Foundation

/// Options of `ttsload import-jmx`.
public struct JMXImportOptions: Sendable {
    /// Where the plan will be written: data files go beside it, in `<plan name>-data/`.
    public var planPath: String
    /// Read CSV files that lie outside the .jmx's folder.
    public var allowOutsideFiles = false
    /// How long a thread group runs that JMeter would run without end or for a loop count.
    public var defaultDurationMs = 300_000

    public init(planPath: String, allowOutsideFiles: Bool = false, defaultDurationMs: Int = 300_000) {
        self.planPath = planPath
        self.allowOutsideFiles = allowOutsideFiles
        self.defaultDurationMs = defaultDurationMs
    }
}

/// A converted plan: its YAML, the data files it refers to, and the report.
public struct JMXImportResult: Sendable {
    public var yaml: String
    /// Files to write, paths relative to the plan's folder, with their text.
    public var dataFiles: [(path: String, text: String)]
    public var report: JMXImportReport
}

/// Converts a JMeter .jmx into a ttsload plan (docs/jmx-import.md). Every element of the .jmx gets
/// an entry in the report: converted, approximated (with how) or skipped (with why). Only a file
/// that is not a readable JMeter plan stops the import.
public enum JMXImporter {
    public static func convert(path: String, options: JMXImportOptions) throws(JMXReadError) -> JMXImportResult {
        let roots = try JMXReader.read(path: path)
        var converter = JMXConverter(jmxPath: path, options: options)
        return converter.convert(roots)
    }
}

/// HTTP Request fields that HTTP Request Defaults may supply (empty means "not given", as in JMeter).
struct HTTPFields {
    var domain = "", port = "", scheme = "", path = "", connectTimeout = "", responseTimeout = ""

    init() {}

    init(_ e: JMXElement) {
        domain = e.string("HTTPSampler.domain") ?? ""
        port = e.string("HTTPSampler.port") ?? ""
        scheme = e.string("HTTPSampler.protocol") ?? ""
        path = e.string("HTTPSampler.path") ?? ""
        connectTimeout = e.string("HTTPSampler.connect_timeout") ?? ""
        responseTimeout = e.string("HTTPSampler.response_timeout") ?? ""
    }

    /// These fields with the empty ones taken from `base`.
    func over(_ base: HTTPFields) -> HTTPFields {
        var f = self
        if f.domain.isEmpty { f.domain = base.domain }
        if f.port.isEmpty { f.port = base.port }
        if f.scheme.isEmpty { f.scheme = base.scheme }
        if f.path.isEmpty { f.path = base.path }
        if f.connectTimeout.isEmpty { f.connectTimeout = base.connectTimeout }
        if f.responseTimeout.isEmpty { f.responseTimeout = base.responseTimeout }
        return f
    }
}

/// What applies to the samplers of one level of the tree and below (JMeter's scoping rules:
/// config elements, timers and assertions reach their siblings and everything under them).
struct JMXScope {
    var headers: [(name: String, value: String)] = []
    var defaults = HTTPFields()
    var timers: [JMXNode] = []
    var assertions: [JMXNode] = []
    var dataSets: [String] = []
}

/// A converted sampler, waiting for its thread group's load.
struct ConvertedSampler {
    var node: JMXNode
    var request: [PlanYAML.Field]
    var thinkTime: PlanYAML?
    var checks: [PlanYAML.Field]
    var durationLimitMs: Int?
    var dataSets: [String]
    var origin: String
}

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
    var thresholds: [String] = []
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
            if let limit = s.durationLimitMs {
                // Scoped to the label (a group named "step 2" would read as a step scope).
                let label = s.node.element.testName
                let scope = label.contains("${") || label.range(of: "^(each )?steps? ", options: .regularExpression) != nil ? name : label
                let threshold = "\(scope): max < \(JMXDuration.text(limit))"
                if !thresholds.contains(threshold) { thresholds.append(threshold) }
            }
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

    // MARK: samplers

    mutating func sampler(_ node: JMXNode, scope outer: JMXScope) -> ConvertedSampler? {
        let e = node.element
        // Elements under the sampler apply to it alone.
        var scope = outer
        var inner: [JMXNode] = []
        for child in node.children {
            if !child.element.isEnabled { report.add(child, .skipped, "disabled (enabled=\"false\")"); continue }
            inner.append(child)
        }
        var none: GroupContext?
        level(inner, scope: &scope, group: &none)
        var notes: [String] = []
        var approximated = false
        let fields = HTTPFields(e).over(scope.defaults)
        let scheme = literal(fields.scheme.isEmpty ? "http" : fields.scheme, notes: &notes).lowercased()
        let host = literal(fields.domain, notes: &notes)
        let port = literal(fields.port, notes: &notes)
        var path = template(fields.path, notes: &notes)
        var method = (e.string("HTTPSampler.method") ?? "GET").uppercased()
        if method.isEmpty { method = "GET" }
        guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(method) else {
            report.add(node, .skipped, "method \(method) is not one ttsload sends")
            return nil
        }
        var fullURL: String?
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            fullURL = path
        } else if host.isEmpty {
            report.add(node, .skipped, "no server name (neither the sampler nor HTTP Request Defaults give one)")
            return nil
        }
        if !path.isEmpty && !path.hasPrefix("/") && fullURL == nil { path = "/" + path }
        let defaultPort = scheme == "https" ? "443" : "80"
        let origin = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)" + (port.isEmpty || port == defaultPort ? "" : ":\(port)")

        // Body and parameters.
        var request: [PlanYAML.Field] = [.init("label", .string(template(e.testName, notes: &notes))), .init("method", .string(method))]
        var headers = scope.headers
        let arguments = e.elementProp("HTTPsampler.Arguments")?.collection("Arguments.arguments") ?? []
        var body: String?
        if e.bool("HTTPSampler.postBodyRaw") {
            body = arguments.map { template($0.string("Argument.value") ?? "", notes: &notes) }.joined()
        } else if !arguments.isEmpty {
            let pairs = arguments.map { a -> String in
                let name = template(a.string("Argument.name") ?? "", notes: &notes)
                let value = template(a.string("Argument.value") ?? "", notes: &notes)
                let encode = a.bool("HTTPArgument.always_encode")
                func enc(_ s: String) -> String {
                    encode ? (s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? s) : s
                }
                return enc(name) + "=" + enc(value)
            }.joined(separator: "&")
            if ["POST", "PUT", "PATCH"].contains(method) && !e.bool("HTTPSampler.DO_MULTIPART_POST") {
                body = pairs
                if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                    headers.append(("Content-Type", "application/x-www-form-urlencoded"))
                }
            } else if e.bool("HTTPSampler.DO_MULTIPART_POST") {
                notes.append("multipart/form-data is not built; the parameters are sent as a form-encoded body")
                approximated = true
                body = pairs
            } else {
                path += (path.contains("?") ? "&" : "?") + pairs
            }
        }
        if !(e.elementProp("HTTPsampler.Files")?.collection("HTTPFileArgs.files").isEmpty ?? true) {
            notes.append("file uploads are not carried over")
            approximated = true
        }
        if let url = fullURL {
            request.append(.init("url", .string(url)))
        } else if target == nil || target == origin {
            target = origin
            request.append(.init("path", .string(path.isEmpty ? "/" : path)))
        } else {
            request.append(.init("url", .string(origin + (path.isEmpty ? "/" : path))))
            notes.append("another server than the plan's target (\(target!)): written as a full url, which --set target.url does not move")
        }
        if !headers.isEmpty { request.append(.init("headers", .map(headers.map { .init($0.name, .string($0.value)) }))) }
        if let body { request.append(.init("body", .string(body))) }

        // Timeouts (milliseconds in JMeter; empty or 0: none, which ttsload does not have).
        var timeout: [PlanYAML.Field] = []
        for (key, text) in [("connect", fields.connectTimeout), ("response", fields.responseTimeout)] {
            let ms = Int(literal(text, notes: &notes).trimmingCharacters(in: .whitespaces)) ?? 0
            if ms > 0 { timeout.append(.init(key, .string(JMXDuration.text(ms)))) }
        }
        if !timeout.isEmpty { request.append(.init("timeout", .map(timeout))) }
        if e.property("HTTPSampler.use_keepalive") != nil && !e.bool("HTTPSampler.use_keepalive") {
            notes.append("keep-alive off: ttsload keeps connections open between requests")
            approximated = true
        }
        if e.bool("HTTPSampler.image_parser") {
            notes.append("embedded resources are not fetched")
            approximated = true
        }
        if e.bool("HTTPSampler.follow_redirects") || e.bool("HTTPSampler.auto_redirects") {
            notes.append("redirects: ttsload records the redirect response itself and does not follow it")
            approximated = true
        }

        let think = thinkTime(scope.timers, notes: &notes, approximated: &approximated)
        var checks: [PlanYAML.Field] = []
        var durationLimit: Int?
        assertions(scope.assertions, checks: &checks, durationLimit: &durationLimit)
        if notes.contains(where: { $0.contains("left out") }) { approximated = true }
        report.add(node, approximated ? .approximated : .converted,
                   (["\(method) \(fullURL ?? origin + (path.isEmpty ? "/" : path))"] + notes).joined(separator: "; "))
        return ConvertedSampler(node: node, request: request, thinkTime: think, checks: checks, durationLimitMs: durationLimit,
                                dataSets: scope.dataSets, origin: origin)
    }

    /// Timers in scope, summed as JMeter sums them before each sample: constants add up, one
    /// random timer gives the distribution.
    mutating func thinkTime(_ timers: [JMXNode], notes: inout [String], approximated: inout Bool) -> PlanYAML? {
        var constant = 0
        var random: (kind: String, a: Int, b: Int)?
        for t in timers {
            let e = t.element
            var n: [String] = []
            let delay = Int(Double(literal(e.string("ConstantTimer.delay") ?? "0", notes: &n).trimmingCharacters(in: .whitespaces)) ?? 0)
            let range = Int(Double(literal(e.string("RandomTimer.range") ?? "0", notes: &n).trimmingCharacters(in: .whitespaces)) ?? 0)
            var entryNote = ""
            var outcome = JMXImportReport.Outcome.converted
            switch e.name {
            case "ConstantTimer":
                constant += delay
                entryNote = "think time \(JMXDuration.text(delay))"
            case "UniformRandomTimer", "GaussianRandomTimer":
                let kind = e.name == "UniformRandomTimer" ? "uniform" : "gaussian"
                if random == nil {
                    random = (kind, delay, range)
                    entryNote = kind == "uniform" ? "think time uniform in [\(JMXDuration.text(delay)), \(JMXDuration.text(delay + range))]"
                        : "think time Gaussian, mean \(JMXDuration.text(delay)), deviation \(JMXDuration.text(range))"
                } else {
                    constant += delay + (kind == "uniform" ? range / 2 : 0)
                    outcome = .approximated
                    entryNote = "a second random timer in scope: its mean is added as a constant"
                    approximated = true
                }
            default:
                continue
            }
            if !n.isEmpty { outcome = .approximated; approximated = true }
            // A timer reaches every sampler in its scope: reported once per sampler it shapes.
            report.add(t, outcome, ([entryNote] + n).joined(separator: "; "))
        }
        switch random {
        case nil:
            return constant > 0 ? .string(JMXDuration.text(constant)) : nil
        case let r? where r.kind == "uniform":
            return .map([.init("uniform", .list([.string(JMXDuration.text(constant + r.a)), .string(JMXDuration.text(constant + r.a + r.b))]))])
        case let r?:
            return .map([.init("gaussian", .list([.string(JMXDuration.text(constant + r.a)), .string(JMXDuration.text(r.b))]))])
        }
    }

    /// Response, Duration and Size assertions into checks (and a threshold for durations).
    mutating func assertions(_ nodes: [JMXNode], checks: inout [PlanYAML.Field], durationLimit: inout Int?) {
        var codes: [PlanYAML] = []
        for a in nodes {
            let e = a.element
            var n: [String] = []
            switch e.name {
            case "ResponseAssertion":
                let field = e.string("Assertion.test_field") ?? "Assertion.response_data"
                let type = Int(e.string("Assertion.test_type") ?? "") ?? 2
                let strings = e.collection("Asserion.test_strings").map { literal($0.text, notes: &n) }
                let not = type & 4 != 0, or = type & 32 != 0
                if field == "Assertion.response_code" && !not && (or || strings.count == 1) {
                    var parsed: [PlanYAML] = []
                    for s in strings {
                        let t = s.trimmingCharacters(in: .whitespaces)
                        if let code = Int(t), (100...599).contains(code) { parsed.append(.int(code)) }
                        else if let first = t.first, ("1"..."5").contains(first), type & (1 | 2) != 0,
                                ["xx", "..", "\\d\\d", "[0-9][0-9]", "\\d{2}", "[0-9]{2}"].contains(String(t.dropFirst())) {
                            parsed.append(.string("\(first)xx"))
                        } else { parsed = []; break }
                    }
                    if !parsed.isEmpty {
                        codes += parsed
                        report.add(a, .converted, "status check \(parsed.map(Self.scalarText).joined(separator: ", "))")
                        continue
                    }
                }
                if field == "Assertion.response_headers", !not, strings.count == 1,
                   let match = strings[0].range(of: "(?i)^content-type:\\s*", options: .regularExpression) {
                    let media = strings[0][match.upperBound...].trimmingCharacters(in: .whitespaces)
                    if !media.isEmpty, !media.contains(where: { "*+?[](){}|\\^$".contains($0) }) {
                        checks.append(.init("content_type", .string(media)))
                        report.add(a, .approximated, "content_type check \(media) (compared without parameters, not as a header substring)")
                        continue
                    }
                }
                report.add(a, .skipped, "this response assertion (\(field.replacingOccurrences(of: "Assertion.", with: "")), test type \(type)) has no ttsload check: ttsload checks status, content type, size and audio")
            case "DurationAssertion":
                let ms = Int(literal(e.string("DurationAssertion.duration") ?? "", notes: &n).trimmingCharacters(in: .whitespaces)) ?? 0
                guard ms > 0 else { report.add(a, .skipped, "no duration given"); continue }
                durationLimit = min(durationLimit ?? ms, ms)
                report.add(a, .approximated, "threshold max < \(JMXDuration.text(ms)) on the group: ttsload judges the run against it (exit 1) instead of failing each slow sample")
            case "SizeAssertion":
                let size = Int(literal(e.string("SizeAssertion.size") ?? "", notes: &n).trimmingCharacters(in: .whitespaces)) ?? -1
                let op = Int(e.string("SizeAssertion.operator") ?? "") ?? 1
                let scope = e.string("Assertion.test_field") ?? e.string("SizeAssertion.test_field") ?? ""
                guard size >= 0, scope.isEmpty || scope.contains("response_data") || scope == "SizeAssertion.response_network_size" else {
                    report.add(a, .skipped, "size assertion on headers or without a size")
                    continue
                }
                switch op {
                case 3: checks.append(.init("min_bytes", .int(size + 1)))
                case 5: checks.append(.init("min_bytes", .int(size)))
                case 4: checks.append(.init("max_bytes", .int(max(0, size - 1))))
                case 6: checks.append(.init("max_bytes", .int(size)))
                case 1: checks.append(.init("min_bytes", .int(size))); checks.append(.init("max_bytes", .int(size)))
                default: report.add(a, .skipped, "size assertion with 'not equal' has no ttsload check"); continue
                }
                report.add(a, .converted, "body size check")
            default:
                report.add(a, .skipped, JMXElementKind(e).skipReason(e))
            }
        }
        if !codes.isEmpty { checks.insert(.init("status", codes.count == 1 ? codes[0] : .list(codes)), at: 0) }
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
        if !thresholds.isEmpty { top.append(.init("thresholds", .list(thresholds.map { .string($0) }))) }
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
