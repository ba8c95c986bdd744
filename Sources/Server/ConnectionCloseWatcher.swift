import NIOCore
import Synchronization

/// Watches one HTTP/1 connection from inside its pipeline, for two jobs:
///
/// 1. Tells request handlers that their client has gone, so queued work for it can be dropped.
///    Hummingbird's own `consumeWithCancellationOnInboundClose` closes the connection after
///    every response (it is meant for server-sent events), which would break keep-alive for
///    every load client. With remote half-closure enabled (Hummingbird's default) a client's
///    close arrives here as `inputClosed`.
/// 2. Holds back a close (and the graceful-shutdown quiesce event) until every response byte
///    queued on the connection has reached the socket: on graceful shutdown Hummingbird closes
///    a connection right after queueing the last part of its response, and NIO drops writes
///    still pending at close, which would truncate a large response.
final class ConnectionCloseWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let signal = ConnectionSignal()
    private let metrics: ServerMetrics
    private var outstandingWrites = 0

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    private var quiesceHeld = false
    private var heldClose: (mode: CloseMode, promise: EventLoopPromise<Void>?)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        outstandingWrites += 1
        let done = promise ?? context.eventLoop.makePromise()
        done.futureResult.assumeIsolated().whenComplete { _ in
            self.outstandingWrites -= 1
            guard self.outstandingWrites == 0 else { return }
            if self.quiesceHeld {
                self.quiesceHeld = false
                context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
            if let close = self.heldClose {
                self.heldClose = nil
                context.close(mode: close.mode, promise: close.promise)
            }
        }
        context.write(data, promise: done)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // A failed write completes its promise too, so a held close always happens.
        if mode == .all, outstandingWrites > 0, heldClose == nil {
            heldClose = (mode, promise)
            return
        }
        context.close(mode: mode, promise: promise)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        ConnectionSignal.register(signal, for: context.channel)
        metrics.openConnections.add(1, ordering: .relaxed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ConnectionSignal.unregister(context.channel)
        metrics.openConnections.subtract(1, ordering: .relaxed)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            signal.fire()
        }
        if event is ChannelShouldQuiesceEvent, outstandingWrites > 0 {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        signal.fire()
        ConnectionSignal.unregister(context.channel)
        context.fireChannelInactive()
    }
}

/// The "client gone" signal of one connection; callbacks run once, on the event loop thread.
final class ConnectionSignal: Sendable {
    private struct State {
        var closed = false
        var nextToken = 0
        var callbacks: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())
    private static let registry = Mutex<[ObjectIdentifier: ConnectionSignal]>([:])

    static func register(_ signal: ConnectionSignal, for channel: any Channel) {
        registry.withLock { $0[ObjectIdentifier(channel)] = signal }
    }

    static func unregister(_ channel: any Channel) {
        _ = registry.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The signal of a live connection, nil if it has already gone.
    static func signal(for channel: any Channel) -> ConnectionSignal? {
        registry.withLock { $0[ObjectIdentifier(channel)] }
    }

    /// Runs `callback` when the client goes (at once if it already has); returns a token for `remove`.
    func onClose(_ callback: @escaping @Sendable () -> Void) -> Int? {
        let token = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextToken += 1
            state.callbacks[state.nextToken] = callback
            return state.nextToken
        }
        if token == nil { callback() }
        return token
    }

    func remove(_ token: Int?) {
        guard let token else { return }
        _ = state.withLock { $0.callbacks.removeValue(forKey: token) }
    }

    func fire() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.closed else { return [] }
            state.closed = true
            defer { state.callbacks.removeAll() }
            return Array(state.callbacks.values)
        }
        callbacks.forEach { $0() }
    }
}
