import Foundation
import Synchronization

/// The server's handle on one synthesis child process and the jobs it holds.
///
/// A reader thread turns the child's stdout frames into job events. When the child dies
/// (end of file on its stdout), every job it held fails with `workerCrashed` (answered 500)
/// and `onExit` lets the scheduler start a replacement.
final class WorkerProcess: Sendable {
    let slot: Int
    let pid: Int32
    private let process: Process
    private let toWorker: FileHandle
    private let fromWorker: FileHandle
    private let state = Mutex(State())
    /// Batches and cancels are written from different tasks; frames must not interleave.
    private let writeLock = Mutex(())

    private struct State {
        var jobs: [UInt64: Job] = [:]
        var ready = false
        var exited = false
    }

    /// Starts the child. `onBatchDone` runs when the last job of a batch has ended;
    /// `onExit(wasReady)` when the child has gone (after its jobs were failed).
    init(
        slot: Int, command: WorkerCommand,
        onReady: @escaping @Sendable (WorkerProcess) -> Void,
        onBatchDone: @escaping @Sendable (WorkerProcess) -> Void,
        onExit: @escaping @Sendable (WorkerProcess, _ wasReady: Bool) -> Void
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        // Our copies of the child's ends must go, or we would never see end of file on a crash.
        try? input.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        self.slot = slot
        self.process = process
        self.pid = process.processIdentifier
        self.toWorker = input.fileHandleForWriting
        self.fromWorker = output.fileHandleForReading
        let thread = Thread { [self] in
            self.readLoop(onReady: onReady, onBatchDone: onBatchDone)
            let wasReady = self.finishAfterExit()
            onExit(self, wasReady)
        }
        thread.name = "tts-worker-\(slot)"
        thread.start()
    }

    /// Whether the child has reported that espeak-ng initialised.
    var isReady: Bool { state.withLock { $0.ready } }

    /// Number of jobs currently held by this worker.
    var inFlight: Int { state.withLock { $0.jobs.count } }

    /// Hands a batch to the child. On failure (the child is gone) the jobs fail right away.
    func send(_ jobs: [Job]) {
        let accepted = state.withLock { state -> Bool in
            guard !state.exited else { return false }
            for job in jobs { state.jobs[job.id] = job }
            return true
        }
        guard accepted else {
            jobs.forEach { $0.fail(.workerCrashed) }
            return
        }
        let batch = WorkerProtocol.WorkBatch(items: jobs.map { .init(id: $0.id, parameters: $0.parameters, stream: $0.stream) })
        guard let frame = try? WorkerProtocol.encodeBatch(batch), write(frame) else {
            // The reader thread will see end of file and fail the registered jobs.
            return
        }
    }

    /// Asks the child to stop synthesizing `jobID` (its client went away); false if it does not hold it.
    func cancel(_ jobID: UInt64) -> Bool {
        guard state.withLock({ $0.jobs[jobID] != nil }) else { return false }
        return write(WorkerProtocol.encodeCancel(jobID))
    }

    private func write(_ frame: [UInt8]) -> Bool {
        writeLock.withLock { _ in PipeIO.write(toWorker.fileDescriptor, frame) }
    }

    /// Asks the child to finish: closing stdin ends its loop after the current batch.
    func closeInput() {
        try? toWorker.close()
    }

    /// Kills the child (used when the shutdown grace period is over).
    func kill() {
        _ = Foundation.kill(pid, SIGKILL)
    }

    private func readLoop(onReady: @Sendable (WorkerProcess) -> Void, onBatchDone: @Sendable (WorkerProcess) -> Void) {
        var reader = PipeReader(fd: fromWorker.fileDescriptor)
        while let frame = WorkerProtocol.readFrame(&reader) {
            switch frame.kind {
            case .ready:
                state.withLock { $0.ready = true }
                onReady(self)
            case .audio:
                let job = state.withLock { $0.jobs[frame.jobID] }
                job?.continuation.yield(.audio(frame.payload))
            case .done, .failed:
                let (job, idle) = state.withLock { state -> (Job?, Bool) in
                    let job = state.jobs.removeValue(forKey: frame.jobID)
                    return (job, state.jobs.isEmpty)
                }
                if let job {
                    if frame.kind == .done,
                       let done = try? JSONCoding.decoder.decode(WorkerProtocol.WorkDone.self, from: Data(frame.payload)) {
                        job.continuation.yield(.finished(samples: done.samples, synthesisSeconds: done.synthesisSeconds))
                        job.continuation.finish()
                    } else {
                        let message = String(decoding: frame.payload, as: UTF8.self)
                        // An abort is the worker honouring our cancel: the client has gone.
                        job.fail(message == "\(SynthesisError.aborted)" ? .cancelled : .synthesisFailed(message))
                    }
                }
                if idle { onBatchDone(self) }
            }
        }
    }

    /// Marks the worker gone, fails its jobs, reaps the child; returns whether it had been ready.
    private func finishAfterExit() -> Bool {
        let (jobs, ready) = state.withLock { state -> ([Job], Bool) in
            state.exited = true
            let jobs = Array(state.jobs.values)
            state.jobs.removeAll()
            return (jobs, state.ready)
        }
        jobs.forEach { $0.fail(.workerCrashed) }
        try? fromWorker.close()
        try? toWorker.close()
        process.waitUntilExit()
        return ready
    }
}
