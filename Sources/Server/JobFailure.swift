/// Why a job produced no (complete) audio; each maps to one HTTP status.
public enum JobFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The admission queue was full: 503 with Retry-After.
    case queueFull
    /// The server is shutting down and admits nothing new: 503.
    case shuttingDown
    /// The job waited in the queue past its deadline and was dropped unsynthesized: 504.
    case deadlineExceeded
    /// The worker process died while holding the job: 500.
    case workerCrashed
    /// espeak-ng reported an error: 500.
    case synthesisFailed(String)
    /// The client went away before the job ran.
    case cancelled

    public var description: String {
        switch self {
        case .queueFull: return "the synthesis queue is full; retry after the Retry-After delay"
        case .shuttingDown: return "the server is shutting down"
        case .deadlineExceeded: return "the request waited longer than the server's deadline in the queue and was not synthesized"
        case .workerCrashed: return "the synthesis worker crashed while processing this request; it has been replaced, retry"
        case .synthesisFailed(let message): return "synthesis failed: \(message)"
        case .cancelled: return "the request was cancelled"
        }
    }
}
