import Foundation

/// The load generator over a run: its seconds, the saturated ones, its highest demand and wait.
public struct GeneratorFigures: Codable, Sendable, Equatable {
    public var seconds = 0
    public var saturatedSeconds = 0
    public var maxCPUCores = 0.0
    /// Highest engine-thread demand (share of one core per thread) and wait per slice, ms.
    public var maxDemand = 0.0
    public var maxWaitMs = 0.0
    public var engineThreads = 0
    /// Wall µs of saturated seconds (the reading's time), for the dashboard's marks.
    public var saturatedAt: [Int64] = []

    public init() {}

    /// Adds one second's reading (a second without engine threads, before or after the load, is left out).
    public mutating func add(cpuCores: Double, demand: Double, waitMs: Double, engineThreads threads: Int, saturated: Bool, at micros: Int64) {
        guard threads > 0 else { return }
        seconds += 1
        engineThreads = max(engineThreads, threads)
        maxCPUCores = max(maxCPUCores, cpuCores)
        maxDemand = max(maxDemand, demand)
        maxWaitMs = max(maxWaitMs, waitMs)
        if saturated {
            saturatedSeconds += 1
            saturatedAt.append(micros)
        }
    }

    /// Whether the run should be read with care: saturated in at least 3 seconds, or in a tenth of them.
    public var saturated: Bool { Self.saturated(seconds: saturatedSeconds, of: seconds) }

    /// The rule of `saturated`, for a report that counts the seconds again from stored series.
    public static func saturated(seconds saturatedSeconds: Int, of seconds: Int) -> Bool {
        saturatedSeconds > 0 && (saturatedSeconds >= 3 || saturatedSeconds * 10 >= seconds)
    }

    public static func reason(demand: Double, waitMs: Double, limit: Double) -> String {
        demand >= limit
            ? String(format: "engine threads busy or waiting for a core %.0f%% of the time", demand * 100)
            : String(format: "engine threads wait %.1f ms for a core per wake-up", waitMs)
    }

    /// One line for the terminal and the report.
    public var text: String {
        let figures = String(format: "max demand %.0f%% of %d engine thread(s), max wait %.1f ms per wake-up, max CPU %.2f cores",
                             maxDemand * 100, engineThreads, maxWaitMs, maxCPUCores)
        if seconds == 0 { return "load generator: not measured (no whole second of the load was read)" }
        if saturatedSeconds == 0 { return "load generator: not saturated (\(figures))" }
        return "load generator SATURATED in \(saturatedSeconds) of \(seconds) s (\(figures)): latency in those seconds includes the generator's own wait"
    }
}

/// The saturation rule of the load generator's per-second readings, shared by the live flag and
/// the dashboard: engine threads running or waiting for a core this share of the time (percent of
/// one core per engine thread), or waiting this long for a core per wake-up (ms).
public enum GeneratorLimits {
    public static let demandPercent = 90.0
    public static let waitMs = 2.0
}
