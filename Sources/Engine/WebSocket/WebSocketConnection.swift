import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket

/// The server did not switch protocols: its status line (or what was wrong with its 101).
struct WebSocketUpgradeRefused: Error, CustomStringConvertible {
    var description: String
    /// The HTTP status the server answered instead of 101 (429, 503, ...), so that the sample
    /// carries it as an HTTP request's would; nil when there was no such answer.
    var status: Int? = nil
}

/// Opens a WebSocket connection on SwiftNIO: TCP (and TLS), the HTTP/1.1 upgrade, then
/// NIOWebSocket's frame codec under an `NIOAsyncChannel` of frames.
///
/// Why the handshake is ours and not NIO's HTTP client upgrader (which WSClient 1.6.2 uses):
/// NIO's upgrader removes its `HTTPResponseDecoder` on a later event-loop turn, and the decoder
/// hands over the bytes that came behind the 101 only if it has not seen EOF by then (swift-nio
/// PR #1061: the left-overs strategy is not run on EOF). A server that greets at once and
/// closes (101, frames, close frame and FIN in one burst, as an error route or a short answer
/// does) lands all of it in one read: the frames were dropped and the FIN went past before the
/// WebSocket handlers were in place, so the session saw nothing and ran into its timeout
/// (10 of 13 sessions against such a server; docs/websocket.md). Here one handler reads the
/// response head and, in the same call, puts the frame codec and the async channel behind itself
/// and passes the rest of the read on: bytes and EOF reach the frames in the order they came.
enum WebSocketConnection {
    /// A connected channel and its upgrade: the frames once the server answered 101.
    struct Pending: Sendable {
        var channel: any Channel
        var upgraded: EventLoopFuture<Upgraded>
    }

    /// The frames, and when the 101 was read (monotonic µs, on the event loop: the session's
    /// `Connect` does not include the hop to the session's task).
    struct Upgraded: Sendable {
        var frames: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
        var at: Int64
    }

    struct Target: Sendable {
        var secure: Bool
        var host: String
        var port: Int
        /// Path and query, as sent in the request line.
        var path: String
        /// The Host header: host (bracketed if IPv6) and the port unless it is the scheme's default.
        var hostHeader: String

        /// `ws://host[:port]/path?query` or `wss://...` (http and https are taken as ws and wss);
        /// nil when it is not one.
        init?(url: String) {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                  ["ws", "wss", "http", "https"].contains(scheme), let rawHost = components.host, !rawHost.isEmpty else { return nil }
            secure = scheme == "wss" || scheme == "https"
            host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
            let defaultPort = secure ? 443 : 80
            port = components.port ?? defaultPort
            let percentPath = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            path = percentPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
            let bracketed = host.contains(":") ? "[\(host)]" : host
            hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        }
    }

    /// Connects and sends the upgrade request; the frames come with `Pending.upgraded`.
    /// `sslContext` is the plan's, made once (it loads the trust roots); nil for ws://.
    static func connect(_ target: Target, headers: [(String, String)], sslContext: NIOSSLContext?, connectTimeoutMicros: Int64,
                        maxFrameSize: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Pending {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers where !["host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"].contains(name.lowercased()) {
            request += "\(name): \(value)\r\n"
        }
        request += "\r\n"
        let requestBytes = request
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.microseconds(max(1, connectTimeoutMicros)))
            // A FIN from the server arrives as inputClosed, after the frames before it; the close
            // handshake still needs our half of the connection.
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        return try await bootstrap.connect(host: target.host, port: target.port) { channel in
            channel.eventLoop.makeCompletedFuture {
                if let sslContext {
                    let sni = target.host.contains(":") || target.host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : target.host
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sni))
                }
                let handshake = HandshakeHandler(request: requestBytes, expectedAccept: acceptValue(key: key), maxFrameSize: maxFrameSize,
                                                 promise: channel.eventLoop.makePromise())
                try channel.pipeline.syncOperations.addHandler(handshake)
                return Pending(channel: channel, upgraded: handshake.promise.futureResult)
            }
        }
    }

    /// RFC 6455 4.2.2: base64 of the SHA-1 of the key and the protocol's GUID.
    static func acceptValue(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    /// Sends the upgrade request, reads the response head, and on a valid 101 puts the frame
    /// codec and the async channel behind itself before passing on the rest of the same read
    /// (then everything that follows, EOF included) untouched.
    final class HandshakeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        typealias OutboundOut = ByteBuffer

        /// A response head longer than this is not a WebSocket answer.
        static let maxHeadBytes = 16 << 10

        let request: String
        let expectedAccept: String
        let maxFrameSize: Int
        let promise: EventLoopPromise<Upgraded>
        private var head: ByteBuffer?
        private var sent = false
        private var upgraded = false
        private var failed = false

        init(request: String, expectedAccept: String, maxFrameSize: Int, promise: EventLoopPromise<Upgraded>) {
            self.request = request
            self.expectedAccept = expectedAccept
            self.maxFrameSize = maxFrameSize
            self.promise = promise
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { send(context) }
        }

        /// A connect that failed after the pipeline was set up never gets channelInactive: the
        /// upgrade fails here then, so its promise is always completed.
        func handlerRemoved(context: ChannelHandlerContext) {
            if !upgraded && !failed {
                failed = true
                promise.fail(ChannelError.ioOnClosedChannel)
            }
        }

        func channelActive(context: ChannelHandlerContext) {
            send(context)
            context.fireChannelActive()
        }

        private func send(_ context: ChannelHandlerContext) {
            guard !sent else { return }
            sent = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !upgraded else { return context.fireChannelRead(data) }
            guard !failed else { return }
            var bytes = unwrapInboundIn(data)
            if head == nil { head = bytes } else { head!.writeBuffer(&bytes) }
            guard let buffer = head, let end = Self.headEnd(buffer) else {
                if (head?.readableBytes ?? 0) > Self.maxHeadBytes { fail(context, WebSocketUpgradeRefused(description: "no HTTP response head in \(Self.maxHeadBytes) bytes")) }
                return
            }
            let at = monotonicMicros()
            let text = String(decoding: buffer.readableBytesView.prefix(end), as: UTF8.self)
            if let refusal = Self.check(head: text, expectedAccept: expectedAccept) { return fail(context, refusal) }
            do {
                try context.pipeline.syncOperations.addHandler(WebSocketFrameEncoder(), position: .after(self))
                try context.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)),
                                                               position: .last)
                let frames = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: context.channel)
                upgraded = true
                head = nil
                promise.succeed(Upgraded(frames: frames, at: at))
            } catch {
                return fail(context, error)
            }
            // What came behind the head in this read goes on now, before anything read later.
            let rest = buffer.getSlice(at: buffer.readerIndex + end + 4, length: buffer.readableBytes - end - 4)!
            if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if !upgraded, let e = event as? ChannelEvent, e == .inputClosed {
                fail(context, WebSocketUpgradeRefused(description: "the server closed the connection before answering the upgrade"))
                return
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !upgraded { fail(context, ChannelError.eof) }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            guard upgraded else { return fail(context, error) }
            context.fireErrorCaught(error)
        }

        private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
            guard !failed && !upgraded else { return }
            failed = true
            promise.fail(error)
            context.close(promise: nil)
        }

        /// The offset of the CRLFCRLF that ends the head, if it is in `buffer`.
        static func headEnd(_ buffer: ByteBuffer) -> Int? {
            let view = buffer.readableBytesView
            guard view.count >= 4 else { return nil }
            var i = view.startIndex
            while i + 3 < view.endIndex {
                if view[i] == 13 && view[i + 1] == 10 && view[i + 2] == 13 && view[i + 3] == 10 { return i - view.startIndex }
                i += 1
            }
            return nil
        }

        /// RFC 6455 4.1: a 101 with `Upgrade: websocket`, `Connection: upgrade` and the accept
        /// value for our key. nil when it holds; otherwise why not.
        static func check(head: String, expectedAccept: String) -> WebSocketUpgradeRefused? {
            let lines = head.components(separatedBy: "\r\n")
            let status = lines.first ?? ""
            let parts = status.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1] == "101" else {
                let code = parts.count >= 2 && parts[0].hasPrefix("HTTP/") ? Int(parts[1]).flatMap { (100...599).contains($0) ? $0 : nil } : nil
                return WebSocketUpgradeRefused(description: "the server answered '\(status.prefix(80))'", status: code)
            }
            var fields: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                fields[name] = fields[name].map { $0 + ", " + value } ?? value
            }
            guard fields["upgrade"]?.lowercased().split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "websocket" }) == true else {
                return WebSocketUpgradeRefused(description: "101 without 'Upgrade: websocket'")
            }
            guard fields["connection"]?.lowercased().split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "upgrade" }) == true else {
                return WebSocketUpgradeRefused(description: "101 without 'Connection: upgrade'")
            }
            guard fields["sec-websocket-accept"] == expectedAccept else {
                return WebSocketUpgradeRefused(description: "101 with a wrong Sec-WebSocket-Accept")
            }
            // No extension was offered, so none may be in use (RFC 6455 9.1).
            if let extensions = fields["sec-websocket-extensions"], !extensions.isEmpty {
                return WebSocketUpgradeRefused(description: "101 with extensions that were not offered: '\(extensions.prefix(80))'")
            }
            return nil
        }
    }
}
