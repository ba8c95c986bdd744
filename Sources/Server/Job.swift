/// One admitted synthesis request, from the queue to its last audio byte.
/// Its events flow to the HTTP handler through an AsyncStream that any thread may feed.
final class Job: Sendable {
    let id: UInt64
    let parameters: SynthesisParameters
    /// Whether the client streams (audio wanted chunk by chunk).
    let stream: Bool
    let enqueuedAt: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let events: AsyncStream<JobEvent>
    let continuation: AsyncStream<JobEvent>.Continuation

    init(id: UInt64, parameters: SynthesisParameters, stream: Bool, enqueuedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant) {
        self.id = id
        self.parameters = parameters
        self.stream = stream
        self.enqueuedAt = enqueuedAt
        self.deadline = deadline
        (events, continuation) = AsyncStream.makeStream(of: JobEvent.self, bufferingPolicy: .unbounded)
    }

    /// Ends the job with a failure; later events are ignored by the finished stream.
    func fail(_ failure: JobFailure) {
        continuation.yield(.failed(failure))
        continuation.finish()
    }
}

/// What happens to a job, in order: started, audio..., then finished or failed.
enum JobEvent: Sendable {
    /// Sent to a worker after `queueWait`, in a batch of `batchSize`; `modelSeconds` is the
    /// simulated accelerator time of that batch (0 when the model is off).
    case started(queueWait: Duration, batchSize: Int, modelSeconds: Double)
    case audio([UInt8])
    case finished(samples: Int, synthesisSeconds: Double)
    case failed(JobFailure)
}
