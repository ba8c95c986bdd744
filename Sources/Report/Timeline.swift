import Plan
import Results

/// The run cut into equal time slices for the charts.
///
/// Throughput, errors and active users count samples by when they ended (what the service did
/// in that slice); latency and TTFA percentiles by when they started, like the step tables.
/// Slices are 1 s, widened so a long run has at most `maxPoints` of them.
public struct Timeline: Sendable {
    public struct Point: Sendable {
        /// Seconds from time 0 to the slice's middle (where its values are drawn).
        public var t: Double
        public var activeUsers: Int
        /// Planned users (closed groups) and arrival rate (open groups) at the slice's middle, when the plan is known.
        public var plannedUsers: Int?
        public var plannedRate: Double?
        public var requestsPerSecond: Double
        public var errorsPerSecond: Double
        /// Errors / samples ended in the slice, 0...1.
        public var errorRate: Double
        /// µs; nil when nothing started in the slice.
        public var p50: Int64?, p95: Int64?, p99: Int64?
        public var ttfaP95: Int64?
        public var rtfP95: Double?
    }

    public static let maxPoints = 600
    public var width: Double
    public var points: [Point]

    init(samples: [Sample], t0: Int64, duration: Double, profile: LoadProfile?) {
        let width = max(1, (duration / Double(Self.maxPoints)).rounded(.up))
        let count = max(1, Int((duration / width).rounded(.up)))
        self.width = width
        var ended = [Int](repeating: 0, count: count), failed = [Int](repeating: 0, count: count)
        var users = [Int](repeating: 0, count: count)
        var latencies = [[Int64]](repeating: [], count: count), ttfas = [[Int64]](repeating: [], count: count)
        var rtfs = [[Double]](repeating: [], count: count)
        func slice(_ micros: Int64) -> Int {
            min(count - 1, max(0, Int(Double(micros - t0) / 1_000_000 / width)))
        }
        for s in samples {
            let e = slice(s.end)
            ended[e] += 1
            if !s.success { failed[e] += 1 }
            users[e] = max(users[e], s.allThreads)
            let b = slice(s.start)
            latencies[b].append(s.elapsed)
            if let a = s.audio {
                if let t = a.ttfa { ttfas[b].append(t) }
                if let r = a.rtf { rtfs[b].append(r) }
            }
        }
        // A last slice shorter than half a slice is left out: its few samples would read as a drop.
        let full = (0..<count).filter { i in duration - Double(i) * width >= width / 2 || i == 0 }
        points = full.map { i in
            let t = Double(i) * width
            let length = min(width, max(duration - t, 1e-9))
            let middle = t + length / 2
            latencies[i].sort()
            ttfas[i].sort()
            rtfs[i].sort()
            let closed = profile.map { p in p.groups.contains { !$0.isOpen } } ?? false
            let open = profile.map { p in p.groups.contains { $0.isOpen } } ?? false
            return Point(t: middle, activeUsers: users[i], plannedUsers: closed ? profile?.users(at: middle) : nil,
                         plannedRate: open ? profile?.rate(at: middle) : nil,
                         requestsPerSecond: Double(ended[i]) / length, errorsPerSecond: Double(failed[i]) / length,
                         errorRate: ended[i] > 0 ? Double(failed[i]) / Double(ended[i]) : 0,
                         p50: Self.nearestRank(latencies[i], 50), p95: Self.nearestRank(latencies[i], 95),
                         p99: Self.nearestRank(latencies[i], 99), ttfaP95: Self.nearestRank(ttfas[i], 95),
                         rtfP95: Self.nearestRank(rtfs[i], 95))
        }
    }

    /// The nearest-rank percentile of sorted values (HdrHistogram's definition, without its bucketing).
    static func nearestRank<T>(_ sorted: [T], _ p: Double) -> T? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
