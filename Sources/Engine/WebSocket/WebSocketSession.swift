import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import Plan
import Results
import TTS

/// What one session gave: its times (monotonic µs), byte counts, audio and how it ended.
struct WebSocketOutcome: Sendable {
    /// The user's session token (`EngineLoop` maps it back to the user).
    var token: Int
    /// When the upgrade completed, the first message arrived, the session ended; 0 when not reached.
    var connectedAt: Int64 = 0
    var firstMessageAt: Int64 = 0
    var endedAt: Int64 = 0
    /// When each message went out (in order).
    var sentAt: [Int64] = []
    var bytesSent: Int64 = 0
    var bytesReceived: Int64 = 0
    var audioBytes: Int64 = 0
    var messagesReceived = 0
    var audioMessages = 0
    var measures: AudioMeasures?
    /// The close code the server sent (nil: no close frame seen, or the session ended at done).
    var closeCode: Int?
    var failure: WebSocketFailure?
}

/// Runs WebSocket sessions on SwiftNIO event loops: `WebSocketConnection` (our upgrade, NIOWebSocket's
/// frame codec) and the frame rules a client needs, here (messages from fragments, pong to ping,
/// the close handshake).
///
/// Why beside the libcurl loops rather than inside them: Debian's libcurl 7.88 is built without
/// WebSocket support, and framing on a CONNECT_ONLY socket means doing framing and TLS through
/// curl_easy_send/recv inside the engine's epoll loop. On NIO the codec, TLS and the event loops
/// are maintained code; a session is an async task on NIO's event loops (one per core), and the
/// engine thread that started it only learns of its end (`WebSocketSessions`). Concurrency stays
/// bounded by the plan's users: a user has at most one session in flight.
///
/// Why not hummingbird-project's WSClient (used until the frames-at-the-upgrade loss was found):
/// its handshake runs on NIO's HTTP client upgrader, which drops the frames of a server that
/// greets and closes in one burst (`WebSocketConnection` says how); docs/websocket.md.
enum WebSocketSession {
    private struct SessionTimeout: Error {}
    /// The plan's TLS files could not be used (class `tls`).
    private struct TLSSetupFailed: Error, CustomStringConvertible {
        var description: String
    }
    /// The server broke the protocol (RFC 6455 close code and why); the session closes with it.
    struct ProtocolViolation: Error, CustomStringConvertible {
        var code: WebSocketErrorCode
        var description: String
    }

    /// A close frame the server sent: its code (nil: the frame had none, 1005) and reason.
    struct ServerClose: Sendable {
        var code: UInt16?
        var reason: String?
    }

    /// Messages larger than this (all fragments together) fail the session (close 1009).
    static let maxMessageBytes = 16 << 20
    /// After done (or a failure), how long the server has to answer our close frame.
    static let closeTimeout: Duration = .seconds(1)

    /// Mutable state of one session, written by its handler task only (and its sender child,
    /// which returns its own list); read after the session returned.
    private final class State: @unchecked Sendable {
        var outcome: WebSocketOutcome
        var reader: WebSocketFrameReader
        var ended = false  // done, or a failure decided while reading
        var serverClose: ServerClose?
        init(token: Int, reader: WebSocketFrameReader) {
            outcome = WebSocketOutcome(token: token)
            self.reader = reader
        }
    }

    /// Runs `session` to its end, at most the plan's timeout. `start` (monotonic µs) is the
    /// sample's origin (TTFA counts from it).
    static func run(_ session: RenderedSession, plan: WebSocketRequestPlan, token: Int, start: Int64,
                    expectation: AudioExpectation, measureContent: Bool, chunkFigures: ChunkFigureSettings) async -> WebSocketOutcome {
        let analyzer = AudioStreamAnalyzer(expectation: expectation, measureContent: measureContent, chunkFigures: chunkFigures)
        let state = State(token: token, reader: WebSocketFrameReader(frames: plan.frames, audioField: plan.audioField,
                                                                      done: plan.done, analyzer: analyzer))
        do {
            guard let target = WebSocketConnection.Target(url: session.url) else {
                throw WebSocketUpgradeRefused(description: "not a ws:// or wss:// URL: '\(WebSocketFrameReader.excerpt(session.url))'")
            }
            let sslContext: NIOSSLContext?
            do {
                sslContext = target.secure ? try plan.tls.get() : nil
            } catch {
                throw TLSSetupFailed(description: "TLS setup failed: \(error)")
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let pending = try await WebSocketConnection.connect(target, headers: session.headers, sslContext: sslContext,
                                                                        connectTimeoutMicros: plan.connectTimeoutMicros,
                                                                        maxFrameSize: maxMessageBytes)
                    // The session's timeout (or the run's stop) cancels this task: the channel goes with it.
                    try await withTaskCancellationHandler {
                        let upgraded: WebSocketConnection.Upgraded
                        do {
                            upgraded = try await pending.upgraded.get()
                        } catch {
                            pending.channel.close(promise: nil)
                            throw error
                        }
                        state.outcome.connectedAt = upgraded.at
                        try await upgraded.frames.executeThenClose { inbound, outbound in
                            try await converse(session, state: state, channel: pending.channel, inbound: inbound, outbound: outbound)
                        }
                    } onCancel: {
                        pending.channel.close(promise: nil)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .microseconds(plan.timeoutMicros))
                    throw SessionTimeout()
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch is SessionTimeout {
            if !state.ended {
                let phase = state.outcome.connectedAt == 0 ? "connecting" : "after \(state.reader.messages) messages (\(state.reader.audioMessages) with audio)"
                state.outcome.failure = .init(errorClass: .timeout, message: "WebSocket session timed out after \(PlanDuration(microseconds: plan.timeoutMicros)), \(phase)")
            }
        } catch {
            if !state.ended { state.outcome.failure = classify(error, connected: state.outcome.connectedAt > 0, audio: state.reader.audioMessages) }
        }
        let end = monotonicMicros()
        var outcome = state.outcome
        outcome.endedAt = outcome.endedAt > 0 ? outcome.endedAt : end
        if let close = state.serverClose { outcome.closeCode = Int(close.code ?? 1005) }
        if outcome.failure == nil && !state.ended {
            outcome.failure = closing(state.serverClose, expectsDone: plan.done, audio: state.reader.audioMessages, messages: state.reader.messages)
        }
        outcome.messagesReceived = state.reader.messages
        outcome.audioMessages = state.reader.audioMessages
        outcome.audioBytes = state.reader.audioBytes
        outcome.measures = analyzer.finish(requestStart: start, end: outcome.endedAt)
        return outcome
    }

    /// A client frame: masked with a fresh key (RFC 6455 5.3; NIOWebSocket's encoder applies it).
    static func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    static func closeFrame(_ code: WebSocketErrorCode) -> WebSocketFrame {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return frame(.connectionClose, buffer)
    }

    /// Sends the messages (paced) while reading until done, a failure or the server's close;
    /// then the close handshake.
    private static func converse(_ session: RenderedSession, state: State, channel: any Channel,
                                 inbound: NIOAsyncChannelInboundStream<WebSocketFrame>,
                                 outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) async throws {
        var frames = inbound.makeAsyncIterator()
        var violation: ProtocolViolation?
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                // What went out so far is returned however sending stops (all sent, cancelled at
                // done, or the connection gone): the sample lists every message that was sent.
                var sent: [Int64] = []
                var due = monotonicMicros()
                do {
                    for message in session.messages {
                        if message.delayMicros > 0 {
                            due += message.delayMicros
                            let wait = due - monotonicMicros()
                            // Pacing, not synchronisation: the next piece is due at a set time.
                            if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }
                        } else {
                            due = monotonicMicros()
                        }
                        try Task.checkCancellation()
                        let at = monotonicMicros()
                        try await outbound.write(frame(.text, ByteBuffer(string: message.text)))
                        sent.append(at)
                    }
                } catch {}
                return sent
            }
            var bytesReceived: Int64 = 0
            // A message being put together from fragments: its opcode and bytes so far.
            var partial: (opcode: WebSocketOpcode, data: ByteBuffer)?
            reading: while true {
                let next: WebSocketFrame?
                do {
                    next = try await frames.next()
                } catch let error as NIOWebSocketError {
                    violation = ProtocolViolation(code: error == .invalidFrameLength ? .messageTooLarge : .protocolError, description: "invalid frame from the server: \(error)")
                    break reading
                }
                guard let frame = next else { break reading }
                // A server never masks its frames (RFC 6455 5.1: the client closes on one).
                guard frame.maskKey == nil else {
                    violation = ProtocolViolation(code: .protocolError, description: "a masked frame (a server's frames are never masked)")
                    break reading
                }
                // No extension was negotiated, so no reserved bit may be set (RFC 6455 5.2).
                guard frame.reservedBits.isEmpty else {
                    violation = ProtocolViolation(code: .protocolError, description: "a frame with reserved bits set (no extension was negotiated)")
                    break reading
                }
                var message: (opcode: WebSocketOpcode, data: ByteBuffer)?
                switch frame.opcode {
                case .text, .binary:
                    guard partial == nil else {
                        violation = ProtocolViolation(code: .protocolError, description: "a new message began inside a fragmented one")
                        break reading
                    }
                    if frame.fin { message = (frame.opcode, frame.unmaskedData) } else { partial = (frame.opcode, frame.unmaskedData) }
                case .continuation:
                    guard var p = partial else {
                        violation = ProtocolViolation(code: .protocolError, description: "a continuation frame outside a message")
                        break reading
                    }
                    var data = frame.unmaskedData
                    guard p.data.readableBytes + data.readableBytes <= maxMessageBytes else {
                        violation = ProtocolViolation(code: .messageTooLarge, description: "a message over \(maxMessageBytes) bytes")
                        break reading
                    }
                    p.data.writeBuffer(&data)
                    partial = nil
                    if frame.fin { message = p } else { partial = p }
                case .ping:
                    try await outbound.write(Self.frame(.pong, frame.unmaskedData))
                    continue reading
                case .pong:
                    continue reading
                case .connectionClose:
                    var data = frame.unmaskedData
                    let code = data.readableBytes >= 2 ? data.readInteger(as: UInt16.self) : nil
                    let reason = data.readableBytes > 0 ? data.readString(length: data.readableBytes) : nil
                    state.serverClose = ServerClose(code: code, reason: reason)
                    // Answer with the same code (RFC 6455 5.5.1); the server may be gone already.
                    try? await outbound.write(closeFrame(code.map { WebSocketErrorCode(codeNumber: Int($0)) } ?? .normalClosure))
                    break reading
                default:
                    violation = ProtocolViolation(code: .protocolError, description: "a frame with the reserved opcode \(frame.opcode)")
                    break reading
                }
                guard let message else { continue reading }
                let at = monotonicMicros()
                if state.outcome.firstMessageAt == 0 { state.outcome.firstMessageAt = at }
                bytesReceived += Int64(message.data.readableBytes)
                let verdict: WebSocketFrameReader.Verdict
                if message.opcode == .binary {
                    verdict = message.data.withUnsafeReadableBytes { state.reader.binary($0, at: at) }
                } else if let text = String(validating: message.data.readableBytesView, as: UTF8.self) {
                    verdict = state.reader.text(text, at: at)
                } else {
                    violation = ProtocolViolation(code: .dataInconsistentWithMessage, description: "a text message that is not UTF-8")
                    break reading
                }
                switch verdict {
                case .more: continue
                case .done:
                    state.ended = true
                    state.outcome.endedAt = at
                    break reading
                case .failed(let failure):
                    state.ended = true
                    state.outcome.endedAt = at
                    state.outcome.failure = failure
                    break reading
                }
            }
            state.outcome.bytesReceived = bytesReceived
            if let violation, !state.ended {
                state.ended = true
                state.outcome.endedAt = monotonicMicros()
                state.outcome.failure = .init(errorClass: .malformedEvent, message: "WebSocket protocol error after \(state.reader.messages) messages: \(violation.description)")
            }
            // Reading ended (done, a failure, the server's close or EOF) before every message
            // went: the rest is not sent, and a paced sender is not waited for.
            group.cancelAll()
            if let sent = try await group.next() {
                state.outcome.sentAt = sent
                state.outcome.bytesSent = session.messages.prefix(sent.count).reduce(0) { $0 + Int64($1.text.utf8.count) }
            }
        }
        // We end the session (done, or a failure while the connection held): send our close and
        // give the server `closeTimeout` to answer it, as RFC 6455 7.1.1 has the server close TCP.
        if state.serverClose == nil && state.ended {
            try? await outbound.write(closeFrame(violation?.code ?? .normalClosure))
            try? await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(for: closeTimeout)
                    channel.close(promise: nil)
                }
                while let frame = try await frames.next() {
                    if frame.opcode == .connectionClose { break }
                }
                group.cancelAll()
            }
        }
    }

    /// How a session that ended without its done message (or a failure) is judged by its close.
    private static func closing(_ frame: ServerClose?, expectsDone done: WebSocketSpec.DoneMatcher?, audio: Int, messages: Int) -> WebSocketFailure? {
        guard let frame else {
            return audio > 0
                ? .init(errorClass: .closedMidAudio, message: "the connection closed without a close frame after \(audio) audio messages")
                : .init(errorClass: .reset, message: "the connection closed without a close frame after \(messages) messages, before any audio")
        }
        // A close frame without a code (1005, "no status") is taken as a normal close.
        let code = frame.code ?? 1005
        let reason = frame.reason.map { ": '\(WebSocketFrameReader.excerpt($0))'" } ?? ""
        if code != 1000 && code != 1001 && code != 1005 {
            return .init(errorClass: .closeError, message: "closed with code \(code) (\(WebSocketErrorCode(codeNumber: Int(code))))\(reason) after \(audio) audio messages")
        }
        guard let done else { return nil }
        let expected = "\(done.field.joined(separator: ".")): \(done.equals)"
        return audio > 0
            ? .init(errorClass: .closedMidAudio, message: "closed (\(code))\(reason) after \(audio) audio messages, before the done message (\(expected))")
            : .init(errorClass: .noDoneEvent, message: "closed (\(code))\(reason) before any audio and without the done message (\(expected))")
    }

    private static func classify(_ error: any Error, connected: Bool, audio: Int) -> WebSocketFailure {
        let text = String(describing: error)
        if let refused = error as? WebSocketUpgradeRefused {
            // An HTTP answer instead of 101 (401, 429, 503...) counts as that status, as over HTTP.
            if let status = refused.status {
                return .init(errorClass: .checkFailed, message: "status \(status): WebSocket upgrade refused by the server: \(refused.description)", status: status)
            }
            return .init(errorClass: .other, message: "WebSocket upgrade refused by the server: \(refused.description)")
        }
        if let setup = error as? TLSSetupFailed { return .init(errorClass: .tls, message: setup.description) }
        if !connected {
            if text.contains("refused") || text.contains("ECONNREFUSED") { return .init(errorClass: .connectRefused, message: "connection refused: \(text)") }
            if error is NIOSSLError || text.contains("SSL") || text.contains("TLS") { return .init(errorClass: .tls, message: text) }
            if text.lowercased().contains("resolve") || text.contains("NXDOMAIN") { return .init(errorClass: .dns, message: text) }
            if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") { return .init(errorClass: .timeout, message: text) }
            return .init(errorClass: .other, message: "WebSocket connect failed: \(text)")
        }
        return audio > 0 ? .init(errorClass: .closedMidAudio, message: "the connection failed after \(audio) audio messages: \(text)")
            : .init(errorClass: .reset, message: "the connection failed before any audio: \(text)")
    }
}
