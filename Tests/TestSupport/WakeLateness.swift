import Foundation

/// How late a thread of this process wakes from a 1 ms sleep while a timing test runs: what the
/// machine's load does to any reader at this nice level (the engine's loop included). Timing tests
/// widen their window by it ("widen a window to what a loaded machine does"), and print it, so a
/// result on a busy machine says how busy it was; on an idle machine it is a fraction of a ms.
public final class WakeLateness: @unchecked Sendable {
    private let lock = NSLock()
    private var worst = 0.0
    private var running = true

    public init() {
        // The thread holds the object until `stop` (call it: the sampling runs until then).
        let thread = Thread {
            while self.isRunning {
                var start = timespec(), end = timespec()
                clock_gettime(CLOCK_MONOTONIC, &start)
                usleep(1_000)
                clock_gettime(CLOCK_MONOTONIC, &end)
                let ms = Double(end.tv_sec - start.tv_sec) * 1_000 + Double(end.tv_nsec - start.tv_nsec) / 1e6 - 1
                self.lock.lock()
                if ms > self.worst { self.worst = ms }
                self.lock.unlock()
            }
        }
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Stops sampling and gives the worst lateness seen, in ms.
    public func stop() -> Double {
        lock.lock()
        running = false
        let w = worst
        lock.unlock()
        Thread.sleep(forTimeInterval: 0.01)
        return w
    }
}
