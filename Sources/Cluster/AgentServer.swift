import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// `ttsload agent`: the control API (docs/distributed.md) on Hummingbird, in front of `AgentService`.
public struct AgentServer: Sendable {
    public let service: AgentService
    public let token: String
    public let host: String
    public let port: Int
    /// PEM certificate chain and key: serve HTTPS (the controller then needs `--ca`).
    public let tls: (certificate: String, key: String)?

    public init(service: AgentService, token: String, host: String, port: Int, tls: (certificate: String, key: String)? = nil) {
        self.service = service
        self.token = token
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// The HTTP/1.1 server, wrapped in TLS when a certificate was given.
    func serverBuilder() throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        return try .tls(.http1(), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }

    /// Serves until cancelled (SIGINT/SIGTERM end the process through the caller).
    public func run(onListening: @escaping @Sendable (String) async -> Void) async throws {
        let router = Router()
        router.add(middleware: BearerAuthentication(token: token, service: service))
        register(on: router)
        var logger = Logger(label: "ttsload.agent")
        logger.logLevel = .warning
        let host = self.host
        let scheme = tls == nil ? "http" : "https"
        let app = Application(
            router: router,
            server: try serverBuilder(),
            configuration: .init(address: .hostname(host, port: port), serverName: "ttsload-agent"),
            onServerRunning: { channel in
                await onListening("\(scheme)://\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger)
        let service = self.service
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // No signal handling of Hummingbird's own: on SIGTERM it stopped accepting connections
            // at once and returned, and the process exited before the controller could fetch the
            // spool. The daemon's handler (AgentCommand) stops the load, hands the spool over, exits.
            tasks.addTask { try await app.runService(gracefulShutdownSignals: []) }
            tasks.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(500))
                    service.watchdogTick()
                }
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        let service = self.service
        let prefix = AgentProtocol.prefix
        router.get("\(prefix)/info") { _, _ in Self.json(200, service.info) }
        router.get("\(prefix)/clock") { _, _ in
            Self.json(200, AgentProtocol.Clock(wallMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)))
        }
        router.post("\(prefix)/prepare") { request, _ in
            do {
                let body: AgentProtocol.Prepare = try await Self.decode(request)
                return Self.json(200, try service.prepare(body))
            } catch let refusal as AgentService.Refusal {
                return Self.refused(refusal)
            } catch {
                return Self.json(400, AgentProtocol.ErrorBody(error: "\(error)"))
            }
        }
        router.post("\(prefix)/start") { request, _ in
            do {
                let body: AgentProtocol.Start = try await Self.decode(request)
                try service.start(body)
                return Self.json(202, AgentProtocol.ErrorBody(error: ""))
            } catch let refusal as AgentService.Refusal {
                return Self.refused(refusal)
            } catch {
                return Self.json(400, AgentProtocol.ErrorBody(error: "\(error)"))
            }
        }
        router.post("\(prefix)/stop") { request, _ in
            do {
                try service.stop(runID: request.uri.queryParameters["run"].map(String.init))
                return Self.json(202, AgentProtocol.ErrorBody(error: ""))
            } catch {
                return Self.refused(error)
            }
        }
        router.get("\(prefix)/status") { request, _ in
            do {
                return Self.json(200, try service.status(runID: request.uri.queryParameters["run"].map(String.init)))
            } catch {
                return Self.refused(error)
            }
        }
        router.get("\(prefix)/stream") { request, _ in
            let run: AgentRun
            do {
                run = try service.current(request.uri.queryParameters["run"].map(String.init))
            } catch {
                return Self.refused(error)
            }
            let from = request.uri.queryParameters["from"].flatMap { Int($0) } ?? 0
            let body = ResponseBody { writer in
                // Counted while open: a shutting-down agent waits for a follower to fetch its spool.
                service.streamFollowed(1)
                defer { service.streamFollowed(-1) }
                var next = from
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                while true {
                    let (records, ended) = run.records(from: next)
                    if !records.isEmpty {
                        var buffer = ByteBuffer()
                        for record in records {
                            buffer.writeBytes(try encoder.encode(record))
                            buffer.writeInteger(UInt8(ascii: "\n"))
                        }
                        next = records.last!.seq + 1
                        try await writer.write(buffer)
                    }
                    if ended { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.finish(nil)
                service.endRecordDelivered(runID: run.id)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
        }
        router.get("\(prefix)/runs/:id/spool") { request, context in
            do {
                let agent = request.uri.queryParameters["agent"].map(String.init)
                let spool = try service.spool(runID: context.parameters.get("id") ?? "", agent: agent)
                // agent.json before the rows: a note that says "finished" was written after the
                // JTL was closed, so the rows read next are all of them.
                let note = spool.note
                // Read as it stands: while the run goes on this is every flushed row (a torn last
                // line is possible, and JTL readers drop it).
                let data = try Data(contentsOf: URL(fileURLWithPath: spool.path))
                let packed = try Gzip.compress([UInt8](data))
                var headers: HTTPFields = [.contentType: "text/csv", .contentEncoding: "gzip"]
                if let note {
                    Self.setHeader(&headers, AgentProtocol.SpoolHeader.run, note.runID)
                    Self.setHeader(&headers, AgentProtocol.SpoolHeader.agent, note.agent)
                    if note.state == "finished", let samples = note.samples {
                        Self.setHeader(&headers, AgentProtocol.SpoolHeader.samples, String(samples))
                    }
                }
                let body = ResponseBody(contentLength: packed.count) { writer in
                    try await writer.write(ByteBuffer(bytes: packed))
                    try await writer.finish(nil)
                    // Written through to the socket: a shutting-down agent may exit now (the
                    // kernel still sends what it holds).
                    service.spoolServed(note)
                }
                return Response(status: .ok, headers: headers, body: body)
            } catch {
                return Self.refused(error)
            }
        }
    }

    static func setHeader(_ fields: inout HTTPFields, _ name: String, _ value: String) {
        if let name = HTTPFields.Element.Name(name) { fields[name] = value }
    }

    static func decode<T: Decodable>(_ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: AgentProtocol.maxBodyBytes) } catch {
            throw AgentService.Refusal.invalid("body: larger than \(AgentProtocol.maxBodyBytes / 1_048_576) MiB (the plan's files may come to \(AgentProtocol.maxShippedBytes / 1_048_576) MiB)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AgentService.Refusal.invalid("\(key.stringValue): missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw AgentService.Refusal.invalid("\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw AgentService.Refusal.invalid("body: not the expected JSON (\(error))")
        }
    }

    static func json<T: Encodable>(_ status: Int, _ value: T) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: AgentProtocol.encode(value))))
    }

    static func refused(_ error: Error) -> Response {
        switch error as? AgentService.Refusal {
        case .busy(let m): return json(409, AgentProtocol.ErrorBody(error: m))
        case .invalid(let m): return json(400, AgentProtocol.ErrorBody(error: m))
        case .unknown(let m): return json(404, AgentProtocol.ErrorBody(error: m))
        case nil: return json(500, AgentProtocol.ErrorBody(error: "\(error)"))
        }
    }
}

/// Every request must carry `Authorization: Bearer <token>`; others get 401 and reach nothing.
struct BearerAuthentication: RouterMiddleware {
    typealias Context = BasicRequestContext
    let expected: [UInt8]
    let service: AgentService

    init(token: String, service: AgentService) {
        expected = Array("Bearer \(token)".utf8)
        self.service = service
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = Array((request.headers[.authorization] ?? "").utf8)
        guard Self.constantTimeEqual(given, expected) else {
            return AgentServer.json(401, AgentProtocol.ErrorBody(error: "missing or wrong bearer token"))
        }
        if let name = HTTPFields.Element.Name(AgentProtocol.controllerHeader), request.headers[name] != nil { service.touch() }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response time does not tell how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { difference |= (i < a.count ? a[i] : 0) ^ b[i] }
        return difference == 0
    }
}
