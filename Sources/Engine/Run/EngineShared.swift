import Foundation
import Plan
import Results
import TTS

/// Counters of one run that are not samples: what a user must not be left guessing about.
/// Codable (snake_case) because agents send theirs to the controller, which adds them up.
public struct EngineCounters: Sendable, Equatable, Codable {
    /// Open-model arrivals that found every slot busy (`max_users` reached); never sent.
    public var dropped = 0
    /// Open-model arrivals sent more than 10 ms after their intended time (their latency counts from it).
    public var late = 0
    /// Requests still in flight when the graceful-stop time ran out; aborted, not sampled.
    public var interrupted = 0
    /// Virtual users that stopped because an `order: unique, on_end: stop` data set ran out.
    public var dataExhausted = 0

    enum CodingKeys: String, CodingKey {
        case dropped, late, interrupted, dataExhausted = "data_exhausted"
    }

    public init() {}

    /// Both runs' counters together: a distributed run's are the sum of its agents'.
    public static func + (a: EngineCounters, b: EngineCounters) -> EngineCounters {
        var sum = a
        sum.dropped += b.dropped
        sum.late += b.late
        sum.interrupted += b.interrupted
        sum.dataExhausted += b.dataExhausted
        return sum
    }
}

/// State every engine thread reads and writes: active-user counts, stop flags, counters.
final class EngineShared: @unchecked Sendable {
    private let lock = NSLock()
    private var active: [Int]
    private var counters = EngineCounters()
    private var stopAt: Int64?  // monotonic µs when a stop was asked for
    private var audioWarnings: [String: String] = [:]
    /// Audio payload digests of the run, for the `distinct` check (thread-safe itself).
    let distinct = DistinctAudioTracker()
    private var hardStop = false

    /// `${__agent}`: this agent's name in a distributed run, empty in one process.
    let agentName: String

    /// The plan's secrets: hidden in each sample's URL and messages before it leaves the engine.
    let redactor: Redactor

    init(groups: Int, agentName: String = "", redactor: Redactor = Redactor([])) {
        active = Array(repeating: 0, count: groups)
        self.agentName = agentName
        self.redactor = redactor
    }

    func adjustActive(group: Int, by delta: Int) {
        lock.lock()
        active[group] += delta
        lock.unlock()
    }

    /// (this group's active users, all active users).
    func activeUsers(group: Int) -> (Int, Int) {
        lock.lock()
        defer { lock.unlock() }
        return (active[group], active.reduce(0, +))
    }

    var activeByGroup: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return active
    }

    func count(_ update: (inout EngineCounters) -> Void) {
        lock.lock()
        update(&counters)
        lock.unlock()
    }

    var snapshot: EngineCounters {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    /// Keeps the first audio warning of each label (one per label, not one per sample).
    func warn(label: String, _ message: String) {
        lock.lock()
        if audioWarnings[label] == nil { audioWarnings[label] = message }
        lock.unlock()
    }

    var warnings: [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return audioWarnings
    }

    func requestStop(at now: Int64, hard: Bool) {
        lock.lock()
        if stopAt == nil { stopAt = now }
        if hard { hardStop = true }
        lock.unlock()
    }

    var stop: (at: Int64?, hard: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (stopAt, hardStop)
    }
}

/// What one thread group needs at run time; shared read-only by every engine thread.
final class GroupRuntime: @unchecked Sendable {
    let index: Int
    let name: String
    /// What `${__group}` gives: the plan's name of the group (an A/B twin's without its side, so
    /// both sides send the same bodies).
    let templateName: String
    /// Which group's arrival seed this one uses: its own, or an A/B b twin's a twin.
    let seedIndex: Int
    let schedule: GroupSchedule
    let request: RequestPlan
    let thinkTime: ThinkTime
    let checks: Checks
    let feeders: [DataFeeder]
    let variables: [String: String]
    /// How to read this group's audio, and whether to hash and measure it (non_silent, distinct).
    let audioExpectation: AudioExpectation
    let measureContent: Bool
    /// The plan's `measures:` as the analyzer takes them (nth chunk, audio ready).
    let chunkFigures: ChunkFigureSettings
    /// Whether audio is expected at all (a preset, audio checks or target.audio): only then is an
    /// unreadable body worth a warning.
    let expectsAudio: Bool
    /// The plan asked for OpenAI's Server-Sent Events (`stream_format: sse`).
    let asksSSE: Bool
    /// Whether a `text/event-stream` answer is read as speech events: when audio is expected (an
    /// SSE answer to a raw request that expects none, a chat stream say, is left alone).
    var decodesSSE: Bool { expectsAudio || asksSSE }
    /// `request.websocket`: each request is a WebSocket session (on NIO, not libcurl).
    let webSocket: WebSocketRequestPlan?

    init(index: Int, group: ThreadGroup, schedule: GroupSchedule, request: RequestPlan, feeders: [DataFeeder],
         variables: [String: String], target: Target, baseURL: String = "", baseDirectory: String = ".",
         seedIndex: Int? = nil, measures: Measures = Measures()) {
        self.index = index
        self.name = group.name
        self.templateName = group.side == nil ? group.name : ABSide.split(group.name)?.base ?? group.name
        self.seedIndex = seedIndex ?? index
        self.schedule = schedule
        self.request = request
        self.thinkTime = group.thinkTime
        self.checks = group.checks
        self.feeders = feeders
        self.variables = variables
        let format = group.request.tts.format.flatMap { $0.contains("${") ? nil : $0 }
        audioExpectation = AudioExpectation(forced: target.audio, requestedFormat: format)
        measureContent = group.checks.audio.nonSilent == true || group.checks.audio.distinct == true
        chunkFigures = ChunkFigureSettings(readyMicros: Int64((measures.readySeconds * 1_000_000).rounded()), nthChunk: measures.nthChunk)
        expectsAudio = target.api != .raw || target.audio != nil || group.checks.audio != AudioChecks()
        asksSSE = target.api == .openai && group.request.tts.streamFormat == .sse
        webSocket = group.request.websocket.map {
            WebSocketRequestPlan(spec: $0, group: group, target: target, baseURL: baseURL, baseDirectory: baseDirectory)
        }
    }

    var isOpen: Bool { schedule.isOpen }
}
