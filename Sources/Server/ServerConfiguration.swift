/// Everything `ttsload server` can be told (each field is one flag; defaults in docs/server.md).
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port; the bound address is reported through `onListening`.
    public var port: Int
    public var scheduler: SchedulerConfiguration
    /// Audio cache budget in MB; 0 disables the cache.
    public var cacheMB: Int
    public var maxTextChars: Int
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    /// How long SIGTERM/SIGINT waits for in-flight requests before cancelling them.
    public var gracePeriod: Duration
    /// Seconds advertised in Retry-After with a queue-full 503.
    public var retryAfterSeconds: Int
    /// Memory leaked per synthesis request, to rehearse a leak in a soak test (0 = none).
    public var leakKBPerRequest: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, scheduler: SchedulerConfiguration,
        cacheMB: Int = 64, maxTextChars: Int = 4096, maxBodyBytes: Int = 64 * 1024,
        gracePeriod: Duration = .seconds(10), retryAfterSeconds: Int = 1, leakKBPerRequest: Int = 0
    ) {
        self.host = host
        self.port = port
        self.scheduler = scheduler
        self.cacheMB = cacheMB
        self.maxTextChars = maxTextChars
        self.maxBodyBytes = maxBodyBytes
        self.gracePeriod = gracePeriod
        self.retryAfterSeconds = retryAfterSeconds
        self.leakKBPerRequest = leakKBPerRequest
    }
}
