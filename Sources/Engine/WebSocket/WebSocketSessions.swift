import Foundation

/// The sessions one engine thread started: their tasks, and the outcomes of those that ended,
/// which the thread collects on its next turn. Sessions run on NIO's event loops; an ending one
/// appends its outcome here and wakes the thread's epoll wait.
final class WebSocketSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var finished: [WebSocketOutcome] = []
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextToken = 0

    /// Starts `session` and returns its token; `wake` is called (from another thread) when it ends.
    func start(_ session: RenderedSession, plan: WebSocketRequestPlan, start: Int64, group: GroupRuntime,
               wake: @escaping @Sendable () -> Void) -> Int {
        nextToken += 1
        let token = nextToken
        let expectation = group.audioExpectation, measure = group.measureContent, chunkFigures = group.chunkFigures
        let task = Task {
            let outcome = await WebSocketSession.run(session, plan: plan, token: token, start: start,
                                                     expectation: expectation, measureContent: measure, chunkFigures: chunkFigures)
            self.lock.withLock { self.finished.append(outcome) }
            wake()
        }
        lock.lock()
        tasks[token] = task
        lock.unlock()
        return token
    }

    /// The outcomes of sessions that ended since the last call.
    func drain() -> [WebSocketOutcome] {
        lock.lock()
        defer { lock.unlock() }
        guard !finished.isEmpty else { return [] }
        let out = finished
        finished.removeAll(keepingCapacity: true)
        for o in out { tasks[o.token] = nil }
        return out
    }

    /// Cancels a session (the run's hard stop, or the grace after a stop ran out).
    func cancel(_ token: Int) {
        lock.lock()
        let task = tasks.removeValue(forKey: token)
        lock.unlock()
        task?.cancel()
    }
}
