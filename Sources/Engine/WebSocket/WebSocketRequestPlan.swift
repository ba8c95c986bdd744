import Foundation
import NIOSSL
import Plan

/// One message of a session as it is sent: its text (JSON is sent as a text frame too) and how
/// long after the previous message it goes (a split's pace; 0 for the rest).
struct RenderedMessage: Sendable {
    var text: String
    var delayMicros: Int64
}

/// A WebSocket session as a virtual user runs it, after rendering.
struct RenderedSession: Sendable {
    var url: String
    var headers: [(String, String)]
    var messages: [RenderedMessage]
    var label: String
}

/// A thread group's `request.websocket`, compiled once: templates for the URL, headers and
/// messages; the split of a message into pieces happens per session (its text may have variables).
final class WebSocketRequestPlan: @unchecked Sendable {
    enum Body {
        case json(JSONTemplate)
        case text(Template)
    }

    struct Step {
        var body: Body
        var split: WebSocketSpec.Split?
        var splitText: Template?
    }

    let url: Template
    let headers: [(String, Template)]
    let steps: [Step]
    let label: Template
    let frames: WebSocketSpec.Frames
    let audioField: [String]
    let done: WebSocketSpec.DoneMatcher?
    /// The whole session and its connect (upgrade included), µs.
    let timeoutMicros: Int64
    let connectTimeoutMicros: Int64
    /// The TLS context of wss:// sessions (target.insecure, target.tls: CA, client certificate),
    /// made once for the group: making one reads the trust roots and the PEM files, which per
    /// session would cost more than the session's own handshake. The error (a PEM file that
    /// cannot be read, say) fails each wss:// session with class `tls`.
    let tls: Result<NIOSSLContext, any Error>

    /// `baseURL` is the target's http(s) address; a `path` is taken on it with ws(s)://.
    init(spec: WebSocketSpec, group: ThreadGroup, target: Target, baseURL: String, baseDirectory: String) {
        if let url = spec.url {
            self.url = Template(url)
        } else {
            let base = baseURL.hasPrefix("https://") ? "wss://" + baseURL.dropFirst(8)
                : baseURL.hasPrefix("http://") ? "ws://" + baseURL.dropFirst(7) : Substring(baseURL)
            self.url = Template(String(base) + (spec.path ?? "/"))
        }
        headers = (target.headers + group.request.headers).map { ($0.name, Template($0.value)) }
        steps = spec.messages.map { step in
            let body: Body
            switch step.message {
            case .json(let value): body = .json(JSONTemplate(value))
            case .text(let text): body = .text(Template(text))
            }
            return Step(body: body, split: step.split, splitText: step.split?.text.map(Template.init))
        }
        label = Template(group.request.label ?? group.name)
        frames = spec.frames
        audioField = spec.audioField
        done = spec.done
        timeoutMicros = (spec.timeout ?? group.request.timeout.response).microseconds
        // The session's timeout covers its connect too: a longer connect timeout would outlast it.
        connectTimeoutMicros = min(group.request.timeout.connect.microseconds, timeoutMicros)
        tls = Result { try Self.tlsContext(target: target, baseDirectory: baseDirectory) }
    }

    private static func tlsContext(target: Target, baseDirectory: String) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        let connection = target.connection
        if target.insecure { configuration.certificateVerification = .none }
        if let ca = connection.caFile { configuration.trustRoots = .file(TargetConnection.path(ca, baseDirectory: baseDirectory)) }
        if let cert = connection.certFile {
            let certPath = TargetConnection.path(cert, baseDirectory: baseDirectory)
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) }
            // As for libcurl: the key is in the certificate's file unless key_file names another.
            let keyPath = connection.keyFile.map { TargetConnection.path($0, baseDirectory: baseDirectory) } ?? certPath
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    func render(_ lookup: (String) -> String?) -> RenderedSession {
        var messages: [RenderedMessage] = []
        for step in steps {
            guard let split = step.split else {
                messages.append(RenderedMessage(text: Self.text(step.body, lookup), delayMicros: 0))
                continue
            }
            let whole: String
            switch step.body {
            case .text(let t): whole = t.render(lookup)
            case .json: whole = step.splitText?.render(lookup) ?? ""
            }
            for (i, piece) in Self.pieces(of: whole, split.rule).enumerated() {
                let text: String
                switch step.body {
                case .text: text = piece
                case .json: text = Self.text(step.body) { $0 == "piece" ? piece : lookup($0) }
                }
                messages.append(RenderedMessage(text: text, delayMicros: i == 0 ? 0 : split.pace.microseconds))
            }
        }
        return RenderedSession(url: url.render(lookup), headers: headers.map { ($0.0, $0.1.render(lookup)) },
                               messages: messages, label: label.render(lookup))
    }

    private static func text(_ body: Body, _ lookup: (String) -> String?) -> String {
        switch body {
        case .text(let t): return t.render(lookup)
        case .json(let t):
            var out: [UInt8] = []
            t.render(lookup, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The pieces of `text`: N of nearly equal length in characters (never an empty piece, so
    /// fewer when the text is shorter than N), or one per word with the spaces after it.
    static func pieces(of text: String, _ rule: WebSocketSpec.Split.Rule) -> [String] {
        let characters = Array(text)
        switch rule {
        case .pieces(let n):
            let count = min(n, max(characters.count, 1))
            var out: [String] = []
            var start = 0
            for i in 0..<count {
                let end = characters.count * (i + 1) / count
                out.append(String(characters[start..<end]))
                start = end
            }
            return out
        case .words:
            var out: [String] = []
            var current = ""
            var inSpace = false
            for c in characters {
                if c.isWhitespace {
                    inSpace = true
                } else if inSpace {
                    out.append(current)
                    current = ""
                    inSpace = false
                }
                current.append(c)
            }
            if !current.isEmpty || out.isEmpty { out.append(current) }
            return out
        }
    }
}
