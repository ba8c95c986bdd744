/// One request as measured: the unit every result format is made of.
///
/// Times are microseconds (JTL rounds to milliseconds only when written). In the open model
/// `start` is the **intended** send time and `elapsed` counts from it (coordinated omission
/// corrected); `serviceElapsed` is the uncorrected time from the actual send.
public struct Sample: Sendable, Equatable {
    /// Wall clock, µs since the Unix epoch (intended start in the open model).
    public var start: Int64
    /// µs from `start` to the last byte (or the failure).
    public var elapsed: Int64
    /// µs from the actual send to the last byte; equals `elapsed` in the closed model.
    public var serviceElapsed: Int64
    /// µs from the actual send to the first response byte, connect included (JMeter's Latency).
    public var latency: Int64
    /// µs to establish the connection, TLS included; 0 on a reused connection.
    public var connect: Int64
    /// µs of the TLS handshake alone (0 without TLS or on reuse).
    public var tls: Int64
    /// Bytes received, headers and body.
    public var bytesReceived: Int64
    /// Bytes sent, headers and body.
    public var bytesSent: Int64
    /// Bytes of the response body alone.
    public var bodyBytes: Int64
    /// HTTP status, 0 when there was no response.
    public var status: Int
    /// Reason phrase, or the error text for failures without a response.
    public var responseMessage: String
    public var contentType: String
    public var success: Bool
    /// Why the sample failed (check or transport); empty when it succeeded.
    public var failureMessage: String
    public var errorClass: ErrorClass?
    public var label: String
    /// Index of the thread group in the plan (0-based) and its name.
    public var groupIndex: Int
    public var groupName: String
    /// 1-based number of the virtual user inside its group (the JTL threadName's `-N`).
    public var userNumber: Int
    /// Active users in this group and in the whole test when the sample ended.
    public var groupThreads: Int
    public var allThreads: Int
    public var url: String
    /// Agent name in distributed runs (prefixes threadName); empty in-process.
    public var agent: String
    /// What a listener experiences: audio length, time to first audio, gaps, RTF (nil: not analysed).
    public var audio: AudioFigures?

    public init(start: Int64, elapsed: Int64, serviceElapsed: Int64? = nil, latency: Int64, connect: Int64 = 0, tls: Int64 = 0,
                bytesReceived: Int64 = 0, bytesSent: Int64 = 0, bodyBytes: Int64 = 0, status: Int, responseMessage: String = "",
                contentType: String = "", success: Bool, failureMessage: String = "", errorClass: ErrorClass? = nil,
                label: String, groupIndex: Int = 0, groupName: String, userNumber: Int = 1, groupThreads: Int = 1,
                allThreads: Int = 1, url: String = "", agent: String = "", audio: AudioFigures? = nil) {
        self.start = start
        self.elapsed = elapsed
        self.serviceElapsed = serviceElapsed ?? elapsed
        self.latency = latency
        self.connect = connect
        self.tls = tls
        self.bytesReceived = bytesReceived
        self.bytesSent = bytesSent
        self.bodyBytes = bodyBytes
        self.status = status
        self.responseMessage = responseMessage
        self.contentType = contentType
        self.success = success
        self.failureMessage = failureMessage
        self.errorClass = errorClass
        self.label = label
        self.groupIndex = groupIndex
        self.groupName = groupName
        self.userNumber = userNumber
        self.groupThreads = groupThreads
        self.allThreads = allThreads
        self.url = url
        self.agent = agent
        self.audio = audio
    }

    /// JMeter's threadName: `<group> <group index>-<user>` (1-based), prefixed `agent-` when distributed.
    public var threadName: String {
        let base = "\(groupName) \(groupIndex + 1)-\(userNumber)"
        return agent.isEmpty ? base : "\(agent)-\(base)"
    }

    /// µs since the epoch when the sample ended.
    public var end: Int64 { start + elapsed }
}

/// Why a request failed, as a class a user can count and act on.
public enum ErrorClass: String, Sendable, Equatable, CaseIterable {
    /// Nothing listening, or the host refused the connection.
    case connectRefused = "connect_refused"
    /// Connect or response timeout.
    case timeout
    /// The connection was reset or closed mid-response (truncated body included).
    case reset
    case tls
    case dns
    /// An HTTP response whose status or content failed a check.
    case checkFailed = "check_failed"
    /// A streamed audio event whose audio is not valid base64 (SSE `speech.audio.delta`).
    case badBase64 = "bad_base64"
    /// A streamed event that is not what its protocol defines: not JSON, no type, a delta without
    /// audio, audio after the done event, an event beyond the size limit.
    case malformedEvent = "malformed_event"
    /// The server reported an error inside a stream that had begun (an SSE `error` event).
    case errorEvent = "error_event"
    /// An event stream that ended cleanly without its done event: the audio may be incomplete.
    case noDoneEvent = "no_done_event"
    /// A WebSocket session whose connection ended (close frame or not) after audio had begun and
    /// before the done message.
    case closedMidAudio = "closed_mid_audio"
    /// A WebSocket session the server closed with an error code (1011 internal error, 1008, ...;
    /// anything but 1000 normal and 1001 going away); the message names the code and reason.
    case closeError = "ws_close_error"
    /// Anything else libcurl reports.
    case other

    /// The text JMeter users expect in responseCode for failures without an HTTP status.
    public var nonHTTPCode: String {
        switch self {
        case .connectRefused: return "Non HTTP response code: ConnectException"
        case .timeout: return "Non HTTP response code: SocketTimeoutException"
        case .reset: return "Non HTTP response code: ConnectionClosedException"
        case .tls: return "Non HTTP response code: SSLException"
        case .dns: return "Non HTTP response code: UnknownHostException"
        // Not Java exceptions: names in the same style that `JTLSampleReader` maps back.
        case .badBase64: return "Non HTTP response code: BadBase64Exception"
        case .malformedEvent: return "Non HTTP response code: MalformedEventException"
        case .errorEvent: return "Non HTTP response code: ErrorEventException"
        case .noDoneEvent: return "Non HTTP response code: NoDoneEventException"
        case .closedMidAudio: return "Non HTTP response code: ClosedMidAudioException"
        case .closeError: return "Non HTTP response code: WebSocketCloseException"
        case .checkFailed, .other: return "Non HTTP response code: IOException"
        }
    }
}

/// The TTS measures of one sample (docs/tts-measures.md defines each).
public struct AudioFigures: Sendable, Equatable {
    /// `wav`, `pcm`, `mp3`, `opus` or `unknown`.
    public var format: String
    public var audioSeconds: Double?
    /// µs from the request's start to the first byte of audio data.
    public var ttfa: Int64?
    public var chunks: Int
    public var maxGap: Int64
    /// µs a client playing from the first audio byte in real time would have stalled, and how often.
    public var underrun: Int64
    public var stalls: Int
    /// elapsed / audio seconds.
    public var rtf: Double?
    /// Characters of input text, when the request had one.
    public var characters: Int?
    public var truncated: Bool
    /// Every gap between two chunks, µs in arrival order (the JTL's `chunk_gaps_ms`); empty for
    /// one chunk. Tallies record each into their gap distribution.
    public var chunkGaps: [Int64]
    /// µs from the request's start to the start of the plan's nth chunk (`measures.nth_chunk`);
    /// nil with fewer chunks.
    public var nthChunk: Int64?
    /// µs from the request's start until `measures.ready_seconds` of audio had arrived; nil when
    /// the reply held less.
    public var audioReady: Int64?

    public init(format: String, audioSeconds: Double?, ttfa: Int64?, chunks: Int, maxGap: Int64, underrun: Int64, stalls: Int,
                rtf: Double?, characters: Int?, truncated: Bool, chunkGaps: [Int64] = [], nthChunk: Int64? = nil,
                audioReady: Int64? = nil) {
        self.format = format
        self.audioSeconds = audioSeconds
        self.ttfa = ttfa
        self.chunks = chunks
        self.maxGap = maxGap
        self.underrun = underrun
        self.stalls = stalls
        self.rtf = rtf
        self.characters = characters
        self.truncated = truncated
        self.chunkGaps = chunkGaps
        self.nthChunk = nthChunk
        self.audioReady = audioReady
    }
}

extension Sample {
    /// A row of a distributed run's merged JTL read back: its threadName `a2-tts 1-4` reads as
    /// group `a2-tts`. When `groupName` is one of `agents` followed by `-` and a name in `groups`
    /// (the plan's), the prefix moves to `agent` and the group is the plan's again (the longest
    /// such agent name wins). Anything else is left as it is.
    public mutating func takeAgentPrefix(agents: [String], groups: Set<String>) {
        guard agent.isEmpty, !agents.isEmpty, !groups.contains(groupName) else { return }
        var best: String?
        for a in agents where groupName.hasPrefix(a + "-") && groups.contains(String(groupName.dropFirst(a.count + 1))) {
            if a.count > (best?.count ?? -1) { best = a }
        }
        guard let best else { return }
        groupName = String(groupName.dropFirst(best.count + 1))
        agent = best
    }
}
