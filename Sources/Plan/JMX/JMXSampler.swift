import Foundation

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

/// A converted sampler, waiting for its thread group's load.
struct ConvertedSampler {
    var node: JMXNode
    var request: [PlanYAML.Field]
    var thinkTime: PlanYAML?
    var checks: [PlanYAML.Field]
    var dataSets: [String]
    var origin: String
}


/// HTTP samplers into `request:` fields.
extension JMXConverter {
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
            let ms = JMXNumber.milliseconds(literal(text, notes: &notes))
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
        assertions(scope.assertions, checks: &checks)
        if notes.contains(where: { $0.contains("left out") }) { approximated = true }
        report.add(node, approximated ? .approximated : .converted,
                   (["\(method) \(fullURL ?? origin + (path.isEmpty ? "/" : path))"] + notes).joined(separator: "; "))
        return ConvertedSampler(node: node, request: request, thinkTime: think, checks: checks,
                                dataSets: scope.dataSets, origin: origin)
    }

}
