import CCurl
import Foundation
import Plan
import Results
import TTS

/// One engine thread: a libcurl multi loop driving its share of every group's users.
///
/// The share is fixed by user number: thread k of T owns users k+1, k+1+T, ... so user numbers
/// are unique across threads and the sum of the threads' users is always the plan's count.
/// Everything here runs on this thread alone; shared state goes through `EngineShared`.
/// `@unchecked Sendable`: handed to its own thread once; from elsewhere only `multis.wakeup()` is
/// called, which libcurl documents as thread-safe.
final class EngineLoop: @unchecked Sendable {
    let index: Int
    let threads: Int
    let groups: [GroupRuntime]
    let shared: EngineShared
    let sink: SampleSink
    let wall0: Int64
    let mono0: Int64
    let gracefulStop: Int64
    let multis = CurlMultiSet()
    /// WebSocket sessions started by this thread (they run on NIO's event loops).
    let sessions = WebSocketSessions()
    /// The users whose session is in flight, by token.
    private var sessionUsers: [Int: VirtualUser] = [:]

    /// Closed model: this thread's users per group, in number order. Open model: its slot pool.
    private var users: [[VirtualUser]]
    private var activeCount: [Int]
    private var timers = TimerHeap()
    private var inFlight = 0
    private var arrivals: [ArrivalSequence?]
    private var nextArrival: [Double?]
    private var generator = SystemRandomNumberGenerator()
    private var finishedGroups: Set<Int> = []

    init(index: Int, threads: Int, groups: [GroupRuntime], shared: EngineShared, sink: SampleSink, wall0: Int64, mono0: Int64,
         gracefulStop: PlanDuration, seed: UInt64) {
        self.index = index
        self.threads = threads
        self.groups = groups
        self.shared = shared
        self.sink = sink
        self.wall0 = wall0
        self.mono0 = mono0
        self.gracefulStop = gracefulStop.microseconds
        users = groups.map { _ in [] }
        activeCount = groups.map { _ in 0 }
        arrivals = groups.map { g in g.isOpen ? ArrivalSequence(schedule: g.schedule, seed: seed &+ UInt64(g.seedIndex)) : nil }
        nextArrival = groups.map { _ in nil }
        for g in groups.indices { nextArrival[g] = arrivals[g]?.next() }
    }

    /// Runs until every group has ended and nothing is in flight (or the grace after a stop ran out).
    func run() {
        while true {
            let now = monotonicMicros()
            let t = Double(now - mono0) / 1_000_000
            let stop = shared.stop
            let stopping = stop.at != nil
            for g in groups.indices where !finishedGroups.contains(g) {
                if stopping || t >= groups[g].schedule.end {
                    // A thread that wakes after the end (descheduled on a busy machine: with
                    // agents, one process of several on a host) still owes the arrivals that
                    // fell due before it. Finishing at once lost them silently, counted nowhere
                    // (an agent stopped for 0.6 s across the end sent 97 of its 100 and the run
                    // said `ok`); they are sent now, and counted late.
                    if !stopping && groups[g].isOpen { arrive(group: g, now: now, t: groups[g].schedule.end) }
                    finish(group: g)
                } else if groups[g].isOpen {
                    arrive(group: g, now: now, t: t)
                } else {
                    follow(group: g, t: t, now: now)
                }
            }
            fireTimers(now: now)
            if finishedGroups.count == groups.count && inFlight == 0 { break }
            if let at = stop.at, stop.hard || now - at > gracefulStop {
                abortInFlight()
                break
            }
            multis.wait(milliseconds: pollTimeout(now: now))
            harvest()
        }
    }

    // MARK: Closed model

    /// Brings this thread's active users of group `g` to its share of the schedule's target.
    private func follow(group g: Int, t: Double, now: Int64) {
        let total = groups[g].schedule.users(at: t)
        let share = total / threads + (index < total % threads ? 1 : 0)
        while activeCount[g] < share {
            let user = userSlot(group: g, position: activeCount[g])
            activeCount[g] += 1
            if user.state == .inFlight && user.retiring {
                user.retiring = false  // asked to leave, then needed again: it never stopped counting
                continue
            }
            shared.adjustActive(group: g, by: 1)
            user.state = .waiting
            schedule(user, at: now)
        }
        while activeCount[g] > share {
            activeCount[g] -= 1
            retire(users[g][activeCount[g]])
        }
    }

    /// The user at `position` of this thread's share (created on first use).
    private func userSlot(group g: Int, position: Int) -> VirtualUser {
        if position < users[g].count { return users[g][position] }
        let easy = CurlEasy()!
        let user = VirtualUser(group: g, number: position * threads + index + 1, easy: easy,
                               multi: multis.multi(forUser: users.reduce(0) { $0 + $1.count }))
        easy.owner = user
        users[g].append(user)
        return user
    }

    /// Stops a user: at once when idle or thinking, after its request when in flight.
    private func retire(_ user: VirtualUser) {
        if user.state == .inFlight {
            user.retiring = true
        } else if user.state != .retired {
            user.state = .retired
            shared.adjustActive(group: user.group, by: -1)
        }
    }

    private func finish(group g: Int) {
        if groups[g].isOpen {
            nextArrival[g] = nil
        } else {
            while activeCount[g] > 0 {
                activeCount[g] -= 1
                retire(users[g][activeCount[g]])
            }
        }
        finishedGroups.insert(g)
    }

    // MARK: Open model

    /// Starts every arrival of group `g` that is due; this thread takes every T-th arrival.
    private func arrive(group g: Int, now: Int64, t: Double) {
        while let due = nextArrival[g], due <= t {
            let arrivalIndex = arrivals[g]!.index - 1
            nextArrival[g] = arrivals[g]!.next()
            guard arrivalIndex % threads == index else { continue }
            let intended = mono0 + Int64(due * 1_000_000)
            guard let slot = freeSlot(group: g) else {
                shared.count { $0.dropped += 1 }
                continue
            }
            if now - intended > 10_000 { shared.count { $0.late += 1 } }
            slot.intendedAt = intended
            send(slot, now: now)
        }
    }

    /// An idle open-model slot, creating one while under this thread's share of `max_users`.
    private func freeSlot(group g: Int) -> VirtualUser? {
        if let idle = users[g].first(where: { $0.state == .idle }) { return idle }
        guard case .open(let maxUsers, _) = groups[g].schedule.model else { return nil }
        let share = maxUsers / threads + (index < maxUsers % threads ? 1 : 0)
        guard users[g].count < share else { return nil }
        return userSlot(group: g, position: users[g].count)
    }

    // MARK: Requests

    private func schedule(_ user: VirtualUser, at due: Int64) {
        user.dueAt = due
        timers.push(user)
    }

    private func fireTimers(now: Int64) {
        while let user = timers.peek(), user.dueAt <= now {
            timers.pop()
            guard user.state == .waiting else { continue }
            user.intendedAt = 0
            send(user, now: now)
        }
    }

    private func send(_ user: VirtualUser, now: Int64) {
        let group = groups[user.group]
        var row: [String: String] = [:]
        for feeder in group.feeders {
            guard let values = feeder.next() else {
                // A unique data set ran out with on_end: stop; this user is done.
                shared.count { $0.dataExhausted += 1 }
                if group.isOpen { user.state = .idle } else { completeRetire(user) }
                return
            }
            for (name, value) in zip(feeder.table.columns, values) { row[name] = value }
        }
        user.iteration += 1
        let iteration = user.iteration, number = user.number
        let lookup: (String) -> String? = { name in
            if let value = row[name] { return value }
            switch name {
            case "__user": return String(number)
            case "__group": return group.templateName
            case "__iteration": return String(iteration)
            case "__uuid": return UUID().uuidString
            case "__time": return String(Int64(Date().timeIntervalSince1970 * 1_000))
            case "__agent": return self.shared.agentName
            default: return group.variables[name]
            }
        }
        if let plan = group.webSocket {
            startSession(user, plan: plan, group: group, rendered: plan.render(lookup))
            return
        }
        let rendered = group.request.render(lookup)
        user.label = rendered.label
        user.url = rendered.url
        user.text = rendered.text
        user.easy.prepare(method: rendered.method, url: rendered.url, headers: rendered.headers, body: rendered.body,
                          connectTimeoutMs: Int(group.request.timeouts.connect.microseconds / 1_000),
                          timeoutMs: Int(group.request.timeouts.response.microseconds / 1_000),
                          http2: group.request.http2, insecure: group.request.insecure, connection: group.request.connection,
                          keepBody: false)
        if let analyzer = user.easy.capture.analyzer {
            // A user's easy handle can serve another group's request next (same run: same measures).
            analyzer.chunkFigures = group.chunkFigures
            analyzer.reset(expectation: group.audioExpectation, measureContent: group.measureContent)
        } else {
            user.easy.capture.analyzer = AudioStreamAnalyzer(expectation: group.audioExpectation, measureContent: group.measureContent,
                                                             chunkFigures: group.chunkFigures)
        }
        user.easy.capture.decodeSSE = group.decodesSSE
        user.state = .inFlight
        user.sentAt = monotonicMicros()
        inFlight += 1
        user.multi.add(user.easy)
    }

    /// A WebSocket session instead of a libcurl transfer: the same user states and counts; its
    /// end comes back through `sessions` (see `harvest`).
    private func startSession(_ user: VirtualUser, plan: WebSocketRequestPlan, group: GroupRuntime, rendered: RenderedSession) {
        user.label = rendered.label
        user.url = rendered.url
        user.text = nil
        user.state = .inFlight
        user.sentAt = monotonicMicros()
        inFlight += 1
        let start = user.intendedAt > 0 ? user.intendedAt : user.sentAt
        let token = sessions.start(rendered, plan: plan, start: start, group: group) { [self] in self.multis.wakeup() }
        user.session = token
        sessionUsers[token] = user
    }

    private func completeRetire(_ user: VirtualUser) {
        user.state = .retired
        user.retiring = false
        shared.adjustActive(group: user.group, by: -1)
    }

    private func harvest() {
        for outcome in sessions.drain() {
            guard let user = sessionUsers.removeValue(forKey: outcome.token) else { continue }
            inFlight -= 1
            user.session = 0
            sink.record(sessionSample(for: user, outcome))
            next(after: user, now: monotonicMicros())
        }
        for (easy, code) in multis.completed() {
            inFlight -= 1
            guard let user = easy.owner as? VirtualUser else { continue }
            user.multi.remove(easy)
            let now = monotonicMicros()
            sink.record(sample(for: user, easy: easy, code: code))
            next(after: user, now: now)
        }
    }

    /// What a user does once its request or session ended: idle (open model), leave, or think.
    private func next(after user: VirtualUser, now: Int64) {
        let group = groups[user.group]
        if group.isOpen {
            user.state = .idle
        } else if user.retiring || finishedGroups.contains(user.group) {
            completeRetire(user)
        } else {
            user.state = .waiting
            schedule(user, at: now + group.thinkTime.draw(using: &generator))
        }
    }

    private func sample(for user: VirtualUser, easy: CurlEasy, code: CURLcode) -> Sample {
        let group = groups[user.group]
        let timings = easy.timings
        let bytes = easy.bytes
        // One origin for every time of the sample: `started` (the send, or the intended send in the
        // open model), on this loop's monotonic clock, where TTFA and gaps are stamped. libcurl's
        // timings count from its own start, `queued` µs after the send: added to each of them.
        let started = user.intendedAt > 0 ? user.intendedAt : user.sentAt
        let capture = easy.capture
        var queued: Int64 = 0
        if capture.firstStatusAt > 0, timings.firstByte > 0 {
            queued = max(0, capture.firstStatusAt - timings.firstByte - user.sentAt)
        }
        // The transfer ended no earlier than its last byte arrived (the two clocks' readings differ by µs).
        let lastByte = capture.lastChunkAt > 0 ? capture.lastChunkAt - user.sentAt : 0
        let service = max(queued + max(timings.total, 0), lastByte)
        let late = user.sentAt - started
        let elapsed = late + service
        let latency = timings.firstByte > 0 ? late + queued + timings.firstByte : 0
        let connect = timings.connect > 0 ? late + queued + timings.connect : 0
        let (groupThreads, allThreads) = shared.activeUsers(group: user.group)
        var s = Sample(start: wall0 + (started - mono0), elapsed: elapsed, serviceElapsed: service,
                       latency: min(latency, elapsed), connect: min(connect, elapsed), tls: timings.tls,
                       bytesReceived: bytes.received, bytesSent: bytes.sent, bodyBytes: easy.capture.bodyBytes,
                       status: easy.status, responseMessage: easy.capture.reasonPhrase, contentType: easy.contentType,
                       success: true, label: user.label, groupIndex: group.index, groupName: group.name,
                       userNumber: user.number, groupThreads: groupThreads, allThreads: allThreads, url: user.url)
        if code != CURLE_OK {
            let text = easy.errorText(code)
            s.errorClass = Outcome.errorClass(code)
            s.success = false
            s.failureMessage = s.status > 0 ? "HTTP \(s.status), then: \(text)" : text
            s.responseMessage = text
            s.status = 0
        } else if let failure = Outcome.failedCheck(group.checks, status: s.status, contentType: s.contentType, bodyBytes: s.bodyBytes,
                                                            elapsed: s.elapsed) {
            s.success = false
            s.failureMessage = failure
            s.errorClass = .checkFailed
        } else if capture.sseActive, (200..<300).contains(s.status), let broken = capture.sse?.finish() {
            // The body ended, but the events in it did not make a whole answer: a failure of the
            // response like a cut body (status 0, the status that came first in the message).
            s.errorClass = Outcome.errorClass(broken.kind)
            s.success = false
            s.failureMessage = "HTTP \(s.status), then: \(broken.message)"
            s.responseMessage = broken.message
            s.status = 0
        } else if let analyzer = easy.capture.analyzer, (200..<300).contains(s.status),
                  group.expectsAudio || capture.sseActive || s.contentType.hasPrefix("audio/") || s.contentType.hasPrefix("application/octet-stream") {
            // An error page is not audio: only 2xx bodies are read as audio and checked; and a raw
            // request that expects no audio is only sniffed when the server says it sent audio.
            let m = analyzer.finish(requestStart: started, end: started + elapsed)
            if let warning = m.warning, group.expectsAudio { shared.warn(label: s.label, warning) }
            if group.asksSSE && !capture.sseActive {
                shared.warn(label: s.label, "stream_format: sse was asked, but the answer's Content-Type is '\(s.contentType)', not text/event-stream: read as audio bytes")
            }
            if m.format != .unknown || group.expectsAudio {
                s.audio = AudioFigures(format: m.format.rawValue, audioSeconds: m.audioSeconds, ttfa: m.ttfaMicros, chunks: m.chunks,
                                       maxGap: m.maxGapMicros, underrun: m.underrunMicros, stalls: m.stalls, rtf: m.rtf,
                                       characters: user.text?.count, truncated: m.truncated, chunkGaps: m.chunkGapsMicros,
                                       nthChunk: m.nthChunkMicros, audioReady: m.audioReadyMicros)
            }
            if let failure = AudioCheckEvaluator.failure(group.checks.audio, m, text: user.text, distinct: shared.distinct) {
                s.success = false
                s.failureMessage = failure
                s.errorClass = .checkFailed
            }
        }
        if !shared.redactor.isEmpty {
            // A secret in a query string or echoed in an error never reaches the JTL, the store or the report.
            s.url = shared.redactor.redact(s.url)
            s.failureMessage = shared.redactor.redact(s.failureMessage)
            s.responseMessage = shared.redactor.redact(s.responseMessage)
        }
        return s
    }

    private func abortInFlight() {
        for g in users.indices {
            for user in users[g] where user.state == .inFlight {
                if user.session != 0 {
                    sessions.cancel(user.session)
                    sessionUsers[user.session] = nil
                    user.session = 0
                } else {
                    user.multi.remove(user.easy)
                }
                inFlight -= 1
                shared.count { $0.interrupted += 1 }
                if !groups[g].isOpen { completeRetire(user) } else { user.state = .idle }
            }
        }
    }

    /// How long to wait for sockets: until the next timer or arrival, at most 5 ms (ramps move
    /// users in between), 0 when something is already due.
    private func pollTimeout(now: Int64) -> Int {
        var wait: Int64 = 5_000
        if let user = timers.peek() { wait = min(wait, user.dueAt - now) }
        for g in groups.indices {
            if let due = nextArrival[g] { wait = min(wait, mono0 + Int64(due * 1_000_000) - now) }
        }
        return wait <= 0 ? 0 : Int((wait + 999) / 1_000)
    }
}

/// A binary min-heap of users by due time (think-time timers).
struct TimerHeap {
    private var items: [VirtualUser] = []

    func peek() -> VirtualUser? { items.first }

    mutating func push(_ user: VirtualUser) {
        items.append(user)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].dueAt < items[parent].dueAt else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    @discardableResult
    mutating func pop() -> VirtualUser? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].dueAt < items[m].dueAt { m = l }
            if r < items.count && items[r].dueAt < items[m].dueAt { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
