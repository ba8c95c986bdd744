/// Admission, queueing, batching and dispatch of synthesis jobs to worker processes.
///
/// One actor because the queue, the idle workers and the timers are shared by every request
/// handler and every worker reader thread.
actor Scheduler {
    /// A point-in-time view for /metrics and /healthz.
    struct Snapshot: Sendable {
        var queueDepth: Int
        var inFlight: Int
        var workers: Int
        var workerPIDs: [Int32]
        var readyWorkers: Int
        var accepting: Bool
    }

    let configuration: SchedulerConfiguration
    private let command: WorkerCommand
    private let metrics: ServerMetrics
    private let accelerator: Accelerator?
    private let clock = ContinuousClock()

    private var queue: [Job] = []
    private var workers: [Int: WorkerProcess] = [:]
    private var idle: [Int] = []
    /// One timer for the whole queue: every job has the same deadline offset and the queue is
    /// FIFO, so the head always expires first. It fires at the head's deadline.
    private var deadlineTimer: Task<Void, Never>?
    private var deadlineTimerDue: ContinuousClock.Instant?
    private var batchTimer: Task<Void, Never>?
    private var nextJobID: UInt64 = 1
    private var accepting = true
    private var stopping = false

    init(configuration: SchedulerConfiguration, command: WorkerCommand, metrics: ServerMetrics) {
        self.configuration = configuration
        self.command = command
        self.metrics = metrics
        self.accelerator = configuration.modelLatency.map { Accelerator(model: $0) }
    }

    /// Starts every worker process and waits until each has initialised espeak-ng (at most
    /// `timeout`), so the server only announces itself when it can synthesize at full width.
    func start(timeout: Duration = .seconds(30)) async throws {
        for slot in 0..<configuration.workers {
            try spawn(slot: slot)
        }
        let clock = self.clock
        let deadline = clock.now + timeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForReadyWorkers() }
            group.addTask {
                // A start-up deadline, not synchronisation: a worker that never gets ready must not hang us.
                try? await Task.sleep(until: deadline, clock: clock)
            }
            await group.next()
            group.cancelAll()
            await self.releaseReadyWaiters()
        }
        guard readyCount >= configuration.workers else { throw SchedulerError.workersNotReady(ready: readyCount, of: configuration.workers) }
    }

    private var readyCount: Int { workers.values.filter(\.isReady).count }
    private var readyWaiters: [CheckedContinuation<Void, Never>] = []

    private func waitForReadyWorkers() async {
        if readyCount >= configuration.workers { return }
        await withCheckedContinuation { readyWaiters.append($0) }
    }

    private func workerReady() {
        if readyCount >= configuration.workers { releaseReadyWaiters() }
    }

    private func releaseReadyWaiters() {
        let waiters = readyWaiters
        readyWaiters.removeAll()
        waiters.forEach { $0.resume() }
    }

    /// Admits a job or refuses it at once (`queueFull`, `shuttingDown`); never waits.
    func submit(_ parameters: SynthesisParameters, stream: Bool = false) throws(JobFailure) -> Job {
        guard accepting else { throw .shuttingDown }
        guard queue.count < configuration.queueLimit else { throw .queueFull }
        let now = clock.now
        let job = Job(id: nextJobID, parameters: parameters, stream: stream, enqueuedAt: now, deadline: now + configuration.deadline)
        nextJobID += 1
        queue.append(job)
        pump()
        armDeadlineTimer()
        return job
    }

    /// The client went away: a queued job is dropped before any synthesis; a job a worker
    /// holds is stopped there (espeak-ng aborts at its next chunk).
    func cancel(_ jobID: UInt64) {
        if let index = queue.firstIndex(where: { $0.id == jobID }) {
            let job = queue.remove(at: index)
            metrics.countCancelled()
            job.fail(.cancelled)
            return
        }
        for worker in workers.values where worker.cancel(jobID) {
            metrics.countCancelled()
            return
        }
    }

    /// Stops admitting new jobs; queued and running ones go on.
    func stopAccepting() {
        accepting = false
    }

    /// Ends every worker: closes their input (they finish the current batch), then kills
    /// whatever is still running and fails what is left in the queue.
    func shutdown() {
        accepting = false
        stopping = true
        batchTimer?.cancel()
        for job in queue { job.fail(.shuttingDown) }
        queue.removeAll()
        deadlineTimer?.cancel()
        for worker in workers.values {
            worker.closeInput()
            worker.kill()
        }
    }

    func snapshot() -> Snapshot {
        Snapshot(
            queueDepth: queue.count,
            inFlight: workers.values.reduce(0) { $0 + $1.inFlight },
            workers: workers.count,
            workerPIDs: workers.keys.sorted().compactMap { workers[$0]?.pid },
            readyWorkers: readyCount,
            accepting: accepting)
    }

    // MARK: - Workers

    private func spawn(slot: Int) throws {
        let worker = try WorkerProcess(
            slot: slot, command: command,
            onReady: { [weak self] _ in
                Task { await self?.workerReady() }
            },
            onBatchDone: { [weak self] worker in
                Task { await self?.workerIdle(worker) }
            },
            onExit: { [weak self] worker, wasReady in
                Task { await self?.workerExited(worker, wasReady: wasReady) }
            })
        workers[slot] = worker
        idle.append(slot)
        pump()
    }

    private func workerIdle(_ worker: WorkerProcess) {
        guard workers[worker.slot] === worker, !idle.contains(worker.slot) else { return }
        idle.append(worker.slot)
        pump()
    }

    private func workerExited(_ worker: WorkerProcess, wasReady: Bool) async {
        guard workers[worker.slot] === worker else { return }
        workers[worker.slot] = nil
        idle.removeAll { $0 == worker.slot }
        guard !stopping else { return }
        metrics.countWorkerRestart()
        if !wasReady {
            // It died before espeak-ng initialised: back off so a broken install does not spin.
            try? await Task.sleep(for: .seconds(1))
            guard !stopping else { return }
        }
        do {
            try spawn(slot: worker.slot)
        } catch {
            metrics.countWorkerSpawnFailure()
        }
    }

    // MARK: - Dispatch

    private func armDeadlineTimer() {
        guard let head = queue.first else { return }
        if let due = deadlineTimerDue, due <= head.deadline { return }
        deadlineTimer?.cancel()
        deadlineTimerDue = head.deadline
        deadlineTimer = Task { [weak self, clock] in
            // A timer, not synchronisation: queued jobs must be answered when their deadline passes.
            guard (try? await Task.sleep(until: head.deadline, clock: clock)) != nil else { return }
            await self?.expireOverdue()
        }
    }

    private func expireOverdue() {
        deadlineTimer = nil
        deadlineTimerDue = nil
        let now = clock.now
        while let head = queue.first, head.deadline <= now {
            queue.removeFirst()
            metrics.countDeadlineExceeded()
            head.fail(.deadlineExceeded)
        }
        armDeadlineTimer()
    }

    /// Sends batches to idle workers while both exist.
    private func pump() {
        while !idle.isEmpty, !queue.isEmpty {
            let oldest = queue[0]
            if (queue.count < configuration.maxBatch) && (configuration.batchWait > .zero) {
                let due = oldest.enqueuedAt + configuration.batchWait
                if clock.now < due {
                    scheduleBatchTimer(at: due)
                    return
                }
            }
            let batch = takeBatch()
            let slot = idle.removeFirst()
            guard let worker = workers[slot] else { continue }
            dispatch(batch, to: worker)
        }
    }

    /// The next batch: FIFO, at most `maxBatch`, within the model memory budget (at least one job).
    private func takeBatch() -> [Job] {
        var count = 0
        var longest = 0
        let budgetKB = configuration.modelMemoryMB * 1024
        while count < min(configuration.maxBatch, queue.count) {
            let candidateLongest = max(longest, queue[count].parameters.text.count)
            let memoryKB = (count + 1) * candidateLongest * SchedulerConfiguration.modelKBPerChar
            if count > 0, configuration.modelLatency != nil, budgetKB > 0, memoryKB > budgetKB { break }
            longest = candidateLongest
            count += 1
        }
        let batch = Array(queue.prefix(count))
        queue.removeFirst(count)
        // The timer stays armed for an earlier head; when it fires it finds nothing overdue and
        // re-arms for the new head.
        return batch
    }

    private func scheduleBatchTimer(at due: ContinuousClock.Instant) {
        guard batchTimer == nil else { return }
        batchTimer = Task { [weak self, clock] in
            // The batching window is a real timer: fire when the oldest job's window closes.
            try? await Task.sleep(until: due, clock: clock)
            await self?.batchTimerFired()
        }
    }

    private func batchTimerFired() {
        batchTimer = nil
        pump()
    }

    private func dispatch(_ batch: [Job], to worker: WorkerProcess) {
        let now = clock.now
        metrics.observeBatch(size: batch.count)
        let accelerator = self.accelerator
        Task {
            var modelSeconds = 0.0
            if let accelerator {
                let longest = batch.map(\.parameters.text.count).max() ?? 0
                modelSeconds = await accelerator.run(batchSize: batch.count, longestText: longest)
                metrics.observeModel(seconds: modelSeconds)
            }
            for job in batch {
                let wait = now - job.enqueuedAt
                metrics.observeQueueWait(seconds: wait.seconds)
                job.continuation.yield(.started(queueWait: wait, batchSize: batch.count, modelSeconds: modelSeconds))
            }
            worker.send(batch)
        }
    }
}

/// Why the scheduler could not start.
enum SchedulerError: Error, CustomStringConvertible {
    case workersNotReady(ready: Int, of: Int)

    var description: String {
        switch self {
        case .workersNotReady(let ready, let total):
            return "only \(ready) of \(total) synthesis workers started within 30 s; see the worker errors above (is espeak-ng-data installed?)"
        }
    }
}
