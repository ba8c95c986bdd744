/// The serving behaviour of the synthesis scheduler (each a `ttsload server` flag).
public struct SchedulerConfiguration: Sendable, Equatable {
    /// Worker processes (`--workers`).
    public var workers: Int
    /// Jobs that may wait for a worker (`--queue`); beyond it, 503 at once.
    public var queueLimit: Int
    /// Most jobs sent to a worker together (`--max-batch`).
    public var maxBatch: Int
    /// How long a partial batch waits for more jobs (`--batch-wait-ms`).
    public var batchWait: Duration
    /// How long a job may wait in the queue before it is answered 504 unsynthesized (`--deadline-ms`).
    public var deadline: Duration
    /// The simulated accelerator (`--model-latency`), nil when off.
    public var modelLatency: ModelLatency?
    /// Admission budget of one batch on the simulated accelerator in MB (`--model-memory-mb`), 0 = none.
    public var modelMemoryMB: Int
    /// Modelled memory of one batch slot per character of the longest text (padded batch), in KB.
    public static let modelKBPerChar = 64

    public init(
        workers: Int, queueLimit: Int, maxBatch: Int = 1, batchWait: Duration = .zero,
        deadline: Duration = .seconds(30), modelLatency: ModelLatency? = nil, modelMemoryMB: Int = 0
    ) {
        self.workers = workers
        self.queueLimit = queueLimit
        self.maxBatch = maxBatch
        self.batchWait = batchWait
        self.deadline = deadline
        self.modelLatency = modelLatency
        self.modelMemoryMB = modelMemoryMB
    }
}
