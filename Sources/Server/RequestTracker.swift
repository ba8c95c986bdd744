import Synchronization

/// Counts synthesis requests from arrival until their response body has been handed to the
/// connection, so a graceful shutdown can wait for exactly those.
final class RequestTracker: Sendable {
    private struct State {
        var active = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func enter() {
        state.withLock { $0.active += 1 }
    }

    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.active -= 1
            guard state.active == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    var active: Int { state.withLock { $0.active } }

    /// Returns when no request is active, or when `timeout` has passed.
    func waitUntilIdle(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let idle = self.state.withLock { state -> Bool in
                        if state.active == 0 { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if idle { continuation.resume() }
                }
            }
            group.addTask {
                // The grace period is a real deadline, not a synchronisation stand-in.
                try? await Task.sleep(for: timeout)
            }
            await group.next()
            group.cancelAll()
            // Release a still-parked waiter so the group can finish.
            let parked = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            parked.forEach { $0.resume() }
        }
    }
}
