import Foundation
import Plan
import TTS

/// A request as a virtual user sends it, after rendering.
struct RenderedRequest {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]?
    var label: String
    /// The input text sent (TTS presets), for characters and the `distinct` check.
    var text: String?
}

/// Everything needed to build one thread group's requests, compiled once from the plan.
final class RequestPlan: @unchecked Sendable {
    enum Body {
        case none
        case raw(Template)
        case json(JSONTemplate)
        case preset([(key: String, template: Template, numeric: Bool, boolean: Bool)])
    }

    let method: String
    let url: Template
    let headers: [(String, Template)]
    let body: Body
    let label: Template
    let timeouts: Timeouts
    let http2: Bool
    let insecure: Bool
    /// CA bundle, client certificate and key (absolute paths), proxy.
    let connection: TargetConnection
    /// The headers already rendered when none has a variable.
    let constantHeaders: [(String, String)]?
    /// The preset's text field, rendered per request.
    let textTemplate: Template?

    /// `baseURL` is the target's address (the embedded server's once it is up).
    init(group: ThreadGroup, target: Target, baseURL: String, baseDirectory: String = ".") {
        let request = group.request
        method = request.method
        let path = request.path ?? target.api.defaultPath ?? "/"
        url = Template(request.url ?? baseURL + path)
        label = Template(request.label ?? group.name)
        timeouts = request.timeout
        http2 = target.httpVersion == .http2
        insecure = target.insecure
        var connection = target.connection
        connection.caFile = connection.caFile.map { TargetConnection.path($0, baseDirectory: baseDirectory) }
        connection.certFile = connection.certFile.map { TargetConnection.path($0, baseDirectory: baseDirectory) }
        connection.keyFile = connection.keyFile.map { TargetConnection.path($0, baseDirectory: baseDirectory) }
        self.connection = connection
        textTemplate = target.api != .raw ? request.tts.text.map(Template.init) : nil
        switch request.body {
        case .none: body = .none
        case .raw(let text): body = .raw(Template(text))
        case .json(let value): body = .json(JSONTemplate(value))
        case .preset:
            let fields = PresetBody.fields(target.api, request.tts, stream: request.stream) ?? []
            body = .preset(fields.map { ($0.key, Template($0.template), $0.numeric, $0.boolean) })
        }
        var merged: [(String, Template)] = (target.headers + request.headers).map { ($0.name, Template($0.value)) }
        let hasContentType = merged.contains { $0.0.lowercased() == "content-type" }
        if !hasContentType, case .json = body { merged.append(("Content-Type", Template("application/json"))) }
        if !hasContentType, case .preset = body { merged.append(("Content-Type", Template("application/json"))) }
        headers = merged
        // Headers without variables are rendered once, not per request.
        constantHeaders = merged.allSatisfy { $0.1.isConstant } ? merged.map { ($0.0, $0.1.render { _ in nil }) } : nil
    }

    func render(_ lookup: (String) -> String?) -> RenderedRequest {
        var bytes: [UInt8]?
        switch body {
        case .none: bytes = nil
        case .raw(let t): bytes = Array(t.render(lookup).utf8)
        case .json(let t):
            var out: [UInt8] = []
            t.render(lookup, into: &out)
            bytes = out
        case .preset(let fields):
            var out: [UInt8] = [UInt8(ascii: "{")]
            for (i, field) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.string(field.key, into: &out)
                out.append(UInt8(ascii: ":"))
                let value = field.template.render(lookup)
                if field.boolean, value == "true" || value == "false" {
                    out.append(contentsOf: value.utf8)
                } else if field.numeric, let number = JSONWriter.number(value) {
                    out.append(contentsOf: number.utf8)
                } else {
                    JSONWriter.string(value, into: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
            bytes = out
        }
        let renderedHeaders = constantHeaders ?? headers.map { ($0.0, $0.1.render(lookup)) }
        return RenderedRequest(method: method, url: url.render(lookup), headers: renderedHeaders,
                               body: bytes, label: label.render(lookup), text: textTemplate?.render(lookup))
    }
}

/// A JSON body template: strings are templates, everything else is fixed.
indirect enum JSONTemplate {
    case literal(String)  // null, true, 3, 0.5 as JSON text
    case string(Template)
    case array([JSONTemplate])
    case object([(String, JSONTemplate)])

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .literal("null")
        case .bool(let b): self = .literal(b ? "true" : "false")
        case .int(let i): self = .literal(String(i))
        case .double(let d): self = .literal(d.isFinite ? String(d) : "null")
        case .string(let s): self = .string(Template(s))
        case .array(let items): self = .array(items.map(JSONTemplate.init))
        case .object(let pairs): self = .object(pairs.map { ($0.0, JSONTemplate($0.1)) })
        }
    }

    func render(_ lookup: (String) -> String?, into out: inout [UInt8]) {
        switch self {
        case .literal(let text): out.append(contentsOf: text.utf8)
        case .string(let t): JSONWriter.string(t.render(lookup), into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.render(lookup, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.string(pair.0, into: &out)
                out.append(UInt8(ascii: ":"))
                pair.1.render(lookup, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
