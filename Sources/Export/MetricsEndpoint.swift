import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The `/metrics` endpoint of a running ttsload: GET (or HEAD) `/metrics` answers the exposition
/// text (format 0.0.4) that `body` makes at that moment; anything else is 404 or 405.
///
/// On SwiftNIO's event loop (one thread of its own) rather than on Hummingbird: the run drives its
/// outputs from a plain thread that blocks, and an endpoint served from Swift's cooperative pool
/// would compete with it for a pool as wide as the machine's cores.
public final class MetricsEndpoint: @unchecked Sendable {
    /// `HOST:PORT` or `[IPv6]:PORT` as given to `--metrics-listen`.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT`, `[::1]:PORT` or `:PORT` (every address); nil when malformed.
        public init?(parsing text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") {
                host = String(host.dropFirst().dropLast())
            } else if host.contains(":") {
                return nil  // an IPv6 address goes in brackets: "::1:80" could be a host or a host and port
            }
            if host.isEmpty { host = "0.0.0.0" }
            guard !host.contains(where: { $0 == "/" || $0 == " " || $0 == "[" || $0 == "]" }) else { return nil }
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let scrapes = ScrapeCounter()
    /// The port bound (the one asked for, or the one the system chose for port 0).
    public let port: Int

    /// Binds the address and serves until `close`; throws when the address cannot be bound.
    public init(address: Address, body: @escaping @Sendable () -> [UInt8]) throws {
        let scrapes = self.scrapes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(body: body, scrapes: scrapes))
                }
            }
        do {
            let channel = try bootstrap.bind(host: address.host, port: address.port).wait()
            self.channel = channel
            port = channel.localAddress?.port ?? address.port
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Scrapes answered so far.
    public var scrapeCount: Int { scrapes.count }

    /// Waits until a scrape whose figures were read after the call has been answered, or `timeout`
    /// seconds; true when one was.
    public func waitForScrape(timeout: Double) -> Bool { scrapes.waitForNext(timeout: timeout) }

    /// Stops serving and frees the port.
    public func close() {
        guard let channel else { return }
        self.channel = nil
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    deinit { close() }
}

/// Scrapes answered, and a way to wait for one whose body was made after a given moment: a scrape
/// that began before the final figures were set and ended after does not count as carrying them.
private final class ScrapeCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var value = 0
    private var bodiesMade = 0
    private var newestServed = 0

    /// Called before a body is made: its ticket.
    func ticket() -> Int {
        condition.lock()
        defer { condition.unlock() }
        bodiesMade += 1
        return bodiesMade
    }

    /// The body of `ticket` has been written out.
    func served(_ ticket: Int) {
        condition.lock()
        value += 1
        newestServed = max(newestServed, ticket)
        condition.broadcast()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return value
    }

    /// Waits until a body made after this call has been served, or `timeout` seconds.
    func waitForNext(timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let mark = bodiesMade
        let deadline = Date(timeIntervalSinceNow: timeout)
        while newestServed <= mark {
            if !condition.wait(until: deadline) { return newestServed > mark }
        }
        return true
    }
}

/// One connection's requests: `/metrics` answered, the rest refused.
private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body: @Sendable () -> [UInt8]
    private let scrapes: ScrapeCounter
    private var head: HTTPRequestHead?

    init(body: @escaping @Sendable () -> [UInt8], scrapes: ScrapeCounter) {
        self.body = body
        self.scrapes = scrapes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        var status = HTTPResponseStatus.ok
        var bytes: [UInt8]
        var ticket: Int?
        var contentType = "text/plain; version=0.0.4; charset=utf-8"
        if path != "/metrics" {
            status = .notFound
            bytes = Array("ttsload serves /metrics only\n".utf8)
            contentType = "text/plain; charset=utf-8"
        } else if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            bytes = Array("GET /metrics\n".utf8)
            contentType = "text/plain; charset=utf-8"
        } else {
            ticket = scrapes.ticket()
            bytes = body()
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(bytes.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let scrapes = self.scrapes
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            // Counted once written: a scrape "after the end" has then really carried the final figures.
            if let ticket { scrapes.served(ticket) }
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
