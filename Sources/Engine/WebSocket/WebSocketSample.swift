import Foundation
import Plan
import Results
import TTS

extension EngineLoop {
    /// A session as one sample. Every time counts from `started` (the send, or the intended send
    /// in the open model), like an HTTP sample: `Connect` = the upgrade done, `Latency` = the
    /// first message from the server, `elapsed` = the done message (or the end). Status 101 when
    /// the session held; responseMessage lists when each message went out (docs/websocket.md).
    func sessionSample(for user: VirtualUser, _ o: WebSocketOutcome) -> Sample {
        let group = groups[user.group]
        let started = user.intendedAt > 0 ? user.intendedAt : user.sentAt
        let elapsed = max(0, o.endedAt - started)
        let (groupThreads, allThreads) = shared.activeUsers(group: user.group)
        let connect = o.connectedAt > 0 ? o.connectedAt - started : 0
        let latency = o.firstMessageAt > 0 ? o.firstMessageAt - started : 0
        var s = Sample(start: wall0 + (started - mono0), elapsed: elapsed, serviceElapsed: max(0, o.endedAt - user.sentAt),
                       latency: min(latency, elapsed), connect: min(connect, elapsed), tls: 0,
                       bytesReceived: o.bytesReceived, bytesSent: o.bytesSent, bodyBytes: o.audioBytes,
                       status: 101, responseMessage: Self.timings(o, started: started), contentType: "",
                       success: true, label: user.label, groupIndex: group.index, groupName: group.name,
                       userNumber: user.number, groupThreads: groupThreads, allThreads: allThreads, url: user.url)
        if let m = o.measures, o.connectedAt > 0 {
            if let warning = m.warning, o.audioMessages > 0 { shared.warn(label: s.label, warning) }
            s.audio = AudioFigures(format: m.format.rawValue, audioSeconds: m.audioSeconds, ttfa: m.ttfaMicros, chunks: m.chunks,
                                   maxGap: m.maxGapMicros, underrun: m.underrunMicros, stalls: m.stalls, rtf: m.rtf,
                                   characters: nil, truncated: m.truncated, chunkGaps: m.chunkGapsMicros,
                                   nthChunk: m.nthChunkMicros, audioReady: m.audioReadyMicros)
        }
        if let failure = o.failure {
            s.success = false
            s.errorClass = failure.errorClass
            s.failureMessage = failure.message
            s.responseMessage = failure.message
            s.status = failure.status
        } else if let failure = Outcome.failedCheck(group.checks, status: 101, contentType: "", bodyBytes: o.audioBytes, elapsed: elapsed) {
            s.success = false
            s.failureMessage = failure
            s.errorClass = .checkFailed
        } else if let m = o.measures, let failure = AudioCheckEvaluator.failure(group.checks.audio, m, text: nil, distinct: shared.distinct) {
            s.success = false
            s.failureMessage = failure
            s.errorClass = .checkFailed
        }
        if !shared.redactor.isEmpty {
            s.url = shared.redactor.redact(s.url)
            s.failureMessage = shared.redactor.redact(s.failureMessage)
            s.responseMessage = shared.redactor.redact(s.responseMessage)
        }
        return s
    }

    /// `WebSocket: sent 0.2 50.3 100.4 ms; 42 received (40 audio)`: each message's send, in ms
    /// from the sample's start, then what came back.
    static func timings(_ o: WebSocketOutcome, started: Int64) -> String {
        var text = "WebSocket: sent"
        if o.sentAt.isEmpty { text += " nothing" }
        for at in o.sentAt { text += " " + String(format: "%.1f", Double(at - started) / 1_000) }
        if !o.sentAt.isEmpty { text += " ms" }
        text += "; \(o.messagesReceived) received (\(o.audioMessages) audio)"
        return text
    }
}
