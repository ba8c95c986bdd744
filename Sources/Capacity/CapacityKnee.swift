import Results

/// The knee of throughput against users over a search's levels: the fewest users at which
/// successful requests per second reach `share` (90%) of the most any level achieved. Past it,
/// more users add waiting, not throughput. (The dashboard's step rule, "throughput grew less than
/// 1.1x while p95 grew 1.5x", is not used here: with batching, throughput stalls at 2 users and
/// grows again at 8, and that rule would call the stall the knee.) Each user count's latest
/// measurement counts.
public enum CapacityKnee {
    public static func users(_ levels: [CapacityLevel], share: Double = 0.9) -> Int? {
        var latest: [Int: CapacityLevel] = [:]
        for level in levels where level.samples > 0 { latest[level.users] = level }
        let ordered = latest.values.sorted { $0.users < $1.users }
        func ok(_ l: CapacityLevel) -> Double { l.requestsPerSecond * (1 - l.errorRate) }
        guard ordered.count >= 2, let best = ordered.map(ok).max(), best > 0 else { return nil }
        return ordered.first { ok($0) >= share * best }?.users
    }
}
