import Dispatch
import Engine
import Foundation
import Plan
import Results

/// One run of a plan's load in this process, from the probe to the end-of-run summary: what
/// `ttsload run` does on one host and what an agent does with its share of a distributed run.
/// The engine runs on threads of its own; the thread that calls `run` drains finished samples
/// four times a second into a `RunFeed`, hands out whole seconds, and finishes the outputs.
public final class LoadRun: @unchecked Sendable {
    public let context: RunContext
    public let engine: LoadEngine
    public let threads: Int
    private let feed: RunFeed
    private let queue = SampleQueue()
    private let lock = NSLock()
    private var stopped: (status: RunStatus?, reason: String?) = (nil, nil)

    /// Builds the engine (reads the plan's data files); nothing is sent yet.
    ///
    /// - Parameters:
    ///   - folder: the run folder outputs write into; nil for an agent's share.
    ///   - slot: this process's part of a distributed run (`.whole` on one host).
    ///   - agentName: the agent's name in a distributed run (`${__agent}`), empty in one process.
    ///   - targetB: side b's address in an A/B run (`plan.ab`); `target` is then side a's.
    public init(plan: Plan, target: String, targetB: String? = nil, folder: RunFolder?, threads: Int, outputs: [RunOutput],
                seed: UInt64 = UInt64.random(in: 1...UInt64.max), slot: EngineSlot = .whole, agentName: String = "") throws {
        context = RunContext(plan: plan, folder: folder, target: target)
        self.threads = threads
        feed = RunFeed(context: context, outputs: outputs)
        engine = try LoadEngine(plan: plan, baseURL: target, baseURLB: targetB, threads: threads, sink: queue, seed: seed, slot: slot, agentName: agentName)
        feed.onFailure = { [weak self] message in
            self?.engine.stop(hard: false)
            self?.onFailure?(message)
        }
        context.requestStop = { [weak self] status, reason in self?.end(status: status, reason: reason) }
    }

    /// Told once, on the driving thread, when an output fails (a write error): the load is
    /// being stopped; the run will end `failed` with `message` as its reason.
    public var onFailure: ((String) -> Void)?

    /// One request of the first thread group, before any load: a target that does not answer (or
    /// answers what the plan's checks refuse) stops the run here.
    public static func probe(plan: Plan, target: String) throws(Probe.Failure) -> Sample {
        try Probe.check(plan: plan, baseURL: target)
    }

    /// Runs the whole schedule and returns how it ended; throws only when an output cannot begin
    /// (then nothing was sent).
    ///
    /// - Parameter start: in a distributed run, the common start instant on this host's clock and
    ///   the controller's reading of it (`LoadEngine.run`); nil starts now.
    public func run(start: (localWall: Int64, reportedWall: Int64)? = nil) throws -> RunEnd {
        try feed.begin()
        let engine = self.engine
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            engine.run(start: start)
            finished.signal()
        }
        thread.name = "ttsload-load"
        thread.start()
        var window = SecondWindow()
        var started = false
        func drain() {
            queue.drain { batch in
                if !started { started = begin() }
                feed.add(batch)
                window.add(batch)
            }
            if !started { started = begin() }
        }
        func begin() -> Bool {
            guard engine.startWall > 0 else { return false }
            feed.start(at: engine.startWall)
            return true
        }
        while finished.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            drain()
            guard started else { continue }
            // A second is complete once every sample that ended in it has been drained: samples are
            // queued as they end and drained within 250 ms, so wait 300 ms past its end.
            let through = (referenceNow() - 300_000) / 1_000_000 - 1
            let counters = engine.counters
            for var snapshot in window.close(through: through, from: engine.startWall / 1_000_000, startWall: engine.startWall,
                                             users: engine.activeUsers) {
                snapshot.counters = counters
                feed.second(snapshot)
            }
        }
        drain()
        if !started { feed.start(at: engine.startWall) }
        let counters = engine.counters
        for var snapshot in window.close(through: referenceNow() / 1_000_000, from: engine.startWall / 1_000_000,
                                         startWall: engine.startWall, users: engine.activeUsers) {
            snapshot.counters = counters
            feed.second(snapshot)
        }
        lock.lock()
        let stop = stopped
        lock.unlock()
        return feed.finish(status: stop.status ?? .complete, reasons: stop.reason.map { [$0] } ?? [],
                           counters: engine.counters, durationSeconds: engine.elapsed, audioWarnings: engine.audioWarnings)
    }

    /// Stops the load as Ctrl-C does: no new requests, in-flight ones finish within the plan's
    /// graceful stop (`hard`: aborted now); the run ends `interrupted` with everything recorded.
    /// Safe from any thread (a signal handler's queue).
    public func stop(hard: Bool = false, reason: String? = nil) {
        lock.lock()
        stopped.status = .interrupted
        if stopped.reason == nil { stopped.reason = reason }
        lock.unlock()
        engine.stop(hard: hard)
    }

    /// Ends the load early as the plan asks (`aborted` by a threshold, `stopped` by `stop_when`):
    /// no new requests, in-flight ones finish within the graceful stop. A Ctrl-C before it wins.
    public func end(status: RunStatus, reason: String) {
        lock.lock()
        if stopped.status == nil {
            stopped.status = status
            stopped.reason = reason
        }
        lock.unlock()
        engine.stop(hard: false)
    }

    /// The clock samples are stamped on (the controller's, on an agent), read now: the start
    /// instant plus monotonic time since.
    public func referenceNow() -> Int64 {
        let wall = engine.startWall, mono = engine.startMonotonic
        guard wall > 0 else { return Int64(Date().timeIntervalSince1970 * 1_000_000) }
        return wall + (Self.monotonicMicros() - mono)
    }

    static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
