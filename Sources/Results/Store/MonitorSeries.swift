/// One monitored quantity over a run (the store's monitor_series rows of one name): host CPU,
/// memory, a metric scraped from the target (docs/monitors.md names them).
public struct MonitorSeries: Sendable {
    public var name: String
    /// (wall-clock µs, value), in time order.
    public var points: [(micros: Int64, value: Double)]

    public init(name: String, points: [(micros: Int64, value: Double)]) {
        self.name = name
        self.points = points
    }
}
