import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import Plan
import Results
import TTS
import WSClient

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

/// Runs WebSocket sessions on SwiftNIO event loops with hummingbird-project's `WSClient`.
///
/// Why beside the libcurl loops rather than inside them: Debian's libcurl 7.88 is built without
/// WebSocket support, and framing on a CONNECT_ONLY socket means writing and maintaining a
/// WebSocket client (masking, fragments, control frames, close handshake, TLS through
/// curl_easy_send/recv) inside the engine's epoll loop. WSClient is a maintained client; a
/// session is an async task on NIO's event loops (one per core), and the engine thread that
/// started it only learns of its end (`WebSocketSessions`). Concurrency stays bounded by the
/// plan's users: a user has at most one session in flight. docs/websocket.md has the figures.
enum WebSocketSession {
    private struct SessionTimeout: Error {}

    /// Mutable state of one session, written by its handler task only (and its sender child,
    /// which returns its own list); read after the client returned.
    private final class State: @unchecked Sendable {
        var outcome: WebSocketOutcome
        var reader: WebSocketFrameReader
        var ended = false  // done, or a failure decided while reading
        init(token: Int, reader: WebSocketFrameReader) {
            outcome = WebSocketOutcome(token: token)
            self.reader = reader
        }
    }

    static let logger: Logger = {
        var l = Logger(label: "ttsload.websocket")
        l.logLevel = .critical
        return l
    }()

    /// Runs `session` to its end, at most the plan's timeout. `start` (monotonic µs) is the
    /// sample's origin (TTFA counts from it).
    static func run(_ session: RenderedSession, plan: WebSocketRequestPlan, token: Int, start: Int64,
                    expectation: AudioExpectation, measureContent: Bool) async -> WebSocketOutcome {
        let analyzer = AudioStreamAnalyzer(expectation: expectation, measureContent: measureContent)
        let state = State(token: token, reader: WebSocketFrameReader(frames: plan.frames, audioField: plan.audioField,
                                                                      done: plan.done, analyzer: analyzer))
        var configuration = WebSocketClientConfiguration(maxFrameSize: 16 << 20, closeTimeout: .seconds(1))
        for (name, value) in session.headers {
            if let field = HTTPField.Name(name) { configuration.additionalHeaders[field] = value }
        }
        var tls: TLSConfiguration?
        if session.url.hasPrefix("wss://") {
            var t = TLSConfiguration.makeClientConfiguration()
            if plan.insecure { t.certificateVerification = .none }
            if let ca = plan.caFile { t.trustRoots = .file(ca) }
            tls = t
        }
        let clientConfiguration = configuration, clientTLS = tls
        var closeFrame: WebSocketCloseFrame?
        do {
            closeFrame = try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
                group.addTask {
                    try await WebSocketClient.connect(url: session.url, configuration: clientConfiguration, tlsConfiguration: clientTLS,
                                                      logger: logger) { inbound, outbound, _ in
                        try await converse(session, state: state, inbound: inbound, outbound: outbound)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .microseconds(plan.timeoutMicros))
                    throw SessionTimeout()
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
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
        if let closeFrame { outcome.closeCode = Int(UInt16(webSocketErrorCode: closeFrame.closeCode)) }
        if outcome.failure == nil && !state.ended {
            outcome.failure = closing(closeFrame, expectsDone: plan.done, audio: state.reader.audioMessages, messages: state.reader.messages)
        }
        outcome.messagesReceived = state.reader.messages
        outcome.audioMessages = state.reader.audioMessages
        outcome.audioBytes = state.reader.audioBytes
        outcome.measures = analyzer.finish(requestStart: start, end: outcome.endedAt)
        return outcome
    }

    /// Sends the messages (paced) while reading until done, a failure or the server's close.
    private static func converse(_ session: RenderedSession, state: State, inbound: WebSocketInboundStream,
                                 outbound: WebSocketOutboundWriter) async throws {
        state.outcome.connectedAt = monotonicMicros()
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var sent: [Int64] = []
                var due = monotonicMicros()
                for message in session.messages {
                    if message.delayMicros > 0 {
                        due += message.delayMicros
                        let wait = due - monotonicMicros()
                        // Pacing, not synchronisation: the next piece is due at a set time.
                        if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }
                    } else {
                        due = monotonicMicros()
                    }
                    sent.append(monotonicMicros())
                    try await outbound.write(.text(message.text))
                }
                return sent
            }
            var bytesReceived: Int64 = 0
            reading: for try await message in inbound.messages(maxSize: 16 << 20) {
                let at = monotonicMicros()
                if state.outcome.firstMessageAt == 0 { state.outcome.firstMessageAt = at }
                let verdict: WebSocketFrameReader.Verdict
                switch message {
                case .binary(let buffer):
                    bytesReceived += Int64(buffer.readableBytes)
                    verdict = buffer.withUnsafeReadableBytes { state.reader.binary($0, at: at) }
                case .text(let text):
                    bytesReceived += Int64(text.utf8.count)
                    verdict = state.reader.text(text, at: at)
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
            // Done (or failed, or closed) before every message went: the rest is not sent.
            if state.ended { group.cancelAll() }
            do {
                if let sent = try await group.next() {
                    state.outcome.sentAt = sent
                    state.outcome.bytesSent = session.messages.prefix(sent.count).reduce(0) { $0 + Int64($1.text.utf8.count) }
                }
            } catch {
                // The sender stopped: cancelled at done, or the connection went (the reader saw why).
            }
        }
    }

    /// How a session that ended without its done message (or a failure) is judged by its close.
    private static func closing(_ frame: WebSocketCloseFrame?, expectsDone done: WebSocketSpec.DoneMatcher?, audio: Int, messages: Int) -> WebSocketFailure? {
        guard let frame else {
            return audio > 0
                ? .init(errorClass: .closedMidAudio, message: "the connection closed without a close frame after \(audio) audio messages")
                : .init(errorClass: .reset, message: "the connection closed without a close frame after \(messages) messages, before any audio")
        }
        let code = UInt16(webSocketErrorCode: frame.closeCode)
        let reason = frame.reason.map { ": '\(WebSocketFrameReader.excerpt($0))'" } ?? ""
        if code != 1000 && code != 1001 {
            return .init(errorClass: .closeError, message: "closed with code \(code) (\(frame.closeCode))\(reason) after \(audio) audio messages")
        }
        guard let done else { return nil }
        let expected = "\(done.field.joined(separator: ".")): \(done.equals)"
        return audio > 0
            ? .init(errorClass: .closedMidAudio, message: "closed (\(code))\(reason) after \(audio) audio messages, before the done message (\(expected))")
            : .init(errorClass: .noDoneEvent, message: "closed (\(code))\(reason) before any audio and without the done message (\(expected))")
    }

    private static func classify(_ error: any Error, connected: Bool, audio: Int) -> WebSocketFailure {
        let text = String(describing: error)
        if let e = error as? WebSocketClientError, e == .webSocketUpgradeFailed {
            return .init(errorClass: .other, message: "WebSocket upgrade refused by the server")
        }
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
