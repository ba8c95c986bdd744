import Foundation

/// How many engine threads a run gets when `--threads` is not given.
public enum EngineThreads {
    /// All the cores for a target on another host; half of them (at least one) for a target on this
    /// host (a loopback address, `localhost`, the embedded server), which needs CPU of its own.
    ///
    /// Measured with bench/engine-vs-wrk.sh (nginx on loopback, 50 users, 2 cores): one thread made
    /// 44.8k req/s at 24.0 CPU-ms per 1,000 requests, two threads 36.0k req/s at 29.7: the second
    /// thread takes the target's core, and each thread then sleeps and wakes in epoll_wait for
    /// half the events (6% of the CPU time went to context switches alone).
    public static func defaultCount(baseURL: String, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        isLocal(baseURL) ? max(1, cores / 2) : max(1, cores)
    }

    /// Whether `baseURL`'s host is this machine: localhost, 127.0.0.0/8 or ::1.
    public static func isLocal(_ baseURL: String) -> Bool {
        guard var host = URLComponents(string: baseURL)?.host?.lowercased() else { return false }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
