import Plan
import Results

/// The run cut into equal time slices for the charts.
///
/// Throughput, errors and active users count samples by when they ended (what the service did
/// in that slice); latency and TTFA percentiles by when they started, like the step tables.
/// Slices are 1 s, widened (by whole seconds) so a long run has at most `maxPoints` of them.
/// Percentiles are HdrHistogram's (3 significant digits), like the tables'.
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

    /// Slices made of the run's whole-second bins (a slice is `width` whole seconds, so each bin
    /// falls in exactly one); percentiles come from the bins' HdrHistogram buckets.
    init(bins: SecondBins, duration: Double, profile: LoadProfile?) {
        let width = max(1, (duration / Double(Self.maxPoints)).rounded(.up))
        let count = max(1, Int((duration / width).rounded(.up)))
        let secondsPerSlice = Int(width)
        self.width = width
        var ended = [Int](repeating: 0, count: count), failed = [Int](repeating: 0, count: count)
        var users = [Int](repeating: 0, count: count)
        var latencies = [SparseHistogram](repeating: SparseHistogram(), count: count)
        var ttfas = latencies, rtfs = latencies
        for (second, bin) in bins.bins.enumerated() {
            // Bins past the end (a sample ending exactly at it) belong to the last slice.
            let i = min(count - 1, second / secondsPerSlice)
            ended[i] += bin.ended
            failed[i] += bin.endedFailed
            users[i] = max(users[i], bin.peakUsers)
            latencies[i].add(bin.latency)
            ttfas[i].add(bin.ttfa)
            rtfs[i].add(bin.rtfMilli)
        }
        let closed = profile.map { p in p.groups.contains { !$0.isOpen } } ?? false
        let open = profile.map { p in p.groups.contains { $0.isOpen } } ?? false
        // One histogram reused for every slice's percentiles (a histogram per slice would cost ~190 KB each).
        var scratch = LatencyHistogram()
        func percentiles(_ sparse: SparseHistogram, _ ps: [Double]) -> [Int64?] {
            guard !sparse.isEmpty else { return ps.map { _ in nil } }
            scratch.reset()
            sparse.add(to: &scratch)
            return ps.map { scratch.percentile($0) }
        }
        // A last slice shorter than half a slice is left out: its few samples would read as a drop.
        let full = (0..<count).filter { i in duration - Double(i) * width >= width / 2 || i == 0 }
        points = full.map { i in
            let t = Double(i) * width
            let length = min(width, max(duration - t, 1e-9))
            let middle = t + length / 2
            let latency = percentiles(latencies[i], [50, 95, 99])
            let ttfa = percentiles(ttfas[i], [95])[0], rtf = percentiles(rtfs[i], [95])[0]
            return Point(t: middle, activeUsers: users[i], plannedUsers: closed ? profile?.users(at: middle) : nil,
                         plannedRate: open ? profile?.rate(at: middle) : nil,
                         requestsPerSecond: Double(ended[i]) / length, errorsPerSecond: Double(failed[i]) / length,
                         errorRate: ended[i] > 0 ? Double(failed[i]) / Double(ended[i]) : 0,
                         p50: latency[0], p95: latency[1], p99: latency[2], ttfaP95: ttfa,
                         rtfP95: rtf.map { Double($0) / 1_000 })
        }
    }
}
