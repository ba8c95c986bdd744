import Results
import Thresholds

/// The measuring windows of one level after its warm-up, and when they settle: a level counts
/// once its last `agree` windows agree within `tolerance` on throughput and on p95 (perf_analyzer's
/// stability rule). A window is `window` seconds long (whole seconds), stretched (up to 4 windows'
/// time) until it holds `minSamples` samples, so a slow level's p95 is not one request's latency.
///
/// Fed whole seconds of the level's run (the samples that ended in each, as `SecondSnapshot`
/// tallies them), so it judges a level in one process and on agents alike: a distributed run
/// has its per-second merged histograms live, its samples only at the end.
public struct StabilityGate {
    public struct Settings: Sendable {
        public var window: Double
        public var warmup: Double
        public var agree: Int
        public var maxWindows: Int
        public var tolerance: Double
        public var minSamples: Int
        /// The arrival rate offered in an open-model search (nil: closed model).
        public var offeredRate: Double?

        public init(window: Double, warmup: Double, agree: Int, maxWindows: Int, tolerance: Double, minSamples: Int, offeredRate: Double? = nil) {
            self.window = window
            self.warmup = warmup
            self.agree = agree
            self.maxWindows = maxWindows
            self.tolerance = tolerance
            self.minSamples = minSamples
            self.offeredRate = offeredRate
        }
    }

    /// How a level ended up.
    public struct Decision: Sendable, Equatable {
        public var verdict: CapacityLevel.Verdict
        public var reason: String
        /// The last windows the verdict is taken over.
        public var judged: Int

        public init(verdict: CapacityLevel.Verdict, reason: String, judged: Int) {
            self.verdict = verdict
            self.reason = reason
            self.judged = judged
        }
    }

    public let settings: Settings
    public let slo: SLO
    /// The first whole second (epoch) after the warm-up.
    private let firstSecond: Int64
    private let span: Int
    private var pending: [(second: Int64, tally: SampleTally<LatencyHistogram>)] = []
    public private(set) var windows: [CapacityWindow] = []
    /// Each window's first and last second (epoch), for goodput over the judged windows.
    private var spans: [ClosedRange<Int64>] = []
    private var tallies: [SampleTally<LatencyHistogram>] = []

    /// - Parameter loadStart: wall µs when the level's load started; windows begin `warmup` later,
    ///   at the next whole second.
    public init(settings: Settings, slo: SLO, loadStart: Int64) {
        self.settings = settings
        self.slo = slo
        let warm = loadStart + Int64(settings.warmup * 1_000_000)
        firstSecond = (warm + 999_999) / 1_000_000
        span = max(1, Int(settings.window.rounded(.up)))
    }

    /// One whole second: the samples that ended in [second, second + 1) (epoch seconds). Seconds
    /// of the warm-up are dropped. Returns the decision once there is one.
    public mutating func add(second: Int64, tally: SampleTally<LatencyHistogram>) -> Decision? {
        if second >= firstSecond && windows.count < settings.maxWindows {
            pending.append((second, tally))
            let samples = pending.reduce(0) { $0 + $1.tally.count }
            if (pending.count >= span && samples >= settings.minSamples) || pending.count >= 4 * span { close() }
        }
        return decision()
    }

    private mutating func close() {
        var tally = SampleTally<LatencyHistogram>(extended: true)
        for p in pending { tally.add(p.tally) }
        let seconds = Double(pending.count)
        windows.append(CapacityWindow(startMicros: pending[0].second * 1_000_000, seconds: seconds, samples: tally.count,
                                      requestsPerSecond: Double(tally.count) / seconds,
                                      p95: tally.count == 0 ? nil : Double(tally.latency.percentile(95)) / 1_000_000))
        spans.append(pending[0].second...pending[pending.count - 1].second)
        tallies.append(tally)
        pending = []
    }

    /// Settled: the last `agree` windows agree, judged on their samples. At the window cap
    /// unsettled: `bad` when every window broke the SLO on its own (a decisive overload), else
    /// `unstable`. nil while neither.
    public func decision() -> Decision? {
        let k = settings.agree
        if let saturated = saturation() { return saturated }
        if windows.count >= k {
            let last = Array(windows.suffix(k))
            if let spread = Self.spread(last) {
                if spread.rps <= settings.tolerance && spread.p95 <= settings.tolerance {
                    let failed = judge(last: k).filter { !$0.passed }
                    if failed.isEmpty { return Decision(verdict: .good, reason: "within the SLO", judged: k) }
                    return Decision(verdict: .bad, reason: slo.describe(failed), judged: k)
                }
            }
        }
        guard windows.count >= settings.maxWindows else { return nil }
        let everyWindowFailed = tallies.indices.allSatisfy { i in
            slo.judge(tallies[i], seconds: windows[i].seconds).contains { !$0.passed }
        }
        let spread = Self.spread(Array(windows.suffix(k)))
        let unsettled = spread.map { String(format: "throughput varied %.0f%%, p95 %.0f%% over the last %d windows (tolerance %.0f%%)",
                                            $0.rps * 100, $0.p95 * 100, k, settings.tolerance * 100) }
            ?? "no samples in the last \(k) windows"
        if everyWindowFailed {
            let failed = judge(last: windows.count).filter { !$0.passed }
            return Decision(verdict: .bad, reason: slo.describe(failed) + "; broke it in every window though unsettled: " + unsettled,
                            judged: windows.count)
        }
        return Decision(verdict: .unstable, reason: "did not settle in \(windows.count) windows: " + unsettled, judged: k)
    }

    /// Open model only: an offered rate the service cannot keep up with never settles, its
    /// backlog (and so its latency) grows for as long as it runs. That is a verdict, not
    /// instability: bad when the last `agree` windows served less than the offered rate while
    /// p95 rose in each: at once when the shortfall is over half the tolerance, at the window
    /// cap when it is any shortfall at all (a rate just above the service's, 10 offered to 9.1).
    func saturation() -> Decision? {
        let k = settings.agree
        guard let offered = settings.offeredRate, windows.count >= k else { return nil }
        let last = Array(windows.suffix(k))
        let served = last.reduce(0) { $0 + $1.requestsPerSecond * $1.seconds } / last.reduce(0) { $0 + $1.seconds }
        let p95s = last.compactMap(\.p95)
        let shortfall = windows.count >= settings.maxWindows ? 0 : settings.tolerance / 2
        guard p95s.count == k, served < offered * (1 - shortfall), zip(p95s, p95s.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return nil
        }
        return Decision(verdict: .bad, reason: String(format: "saturated: served %.1f of %.0f req/s offered, p95 rising in every window", served, offered),
                        judged: k)
    }

    /// The SLO over the last `count` windows together.
    public func judge(last count: Int) -> [SLOValue] {
        let (tally, seconds) = pooled(last: count)
        return slo.judge(tally, seconds: seconds)
    }

    /// The level's figures over its last `count` windows, as the report shows them.
    ///
    /// - Parameter goodBySecond: requests that kept every per-request bound of the SLO, by the
    ///   second they ended in (`SLO.isGood` over the level's samples).
    public func level(users: Int, loadStart: Int64, decision: Decision, confirmation: Bool, goodBySecond: [Int64: Int]) -> CapacityLevel {
        let count = min(decision.judged, windows.count)
        let (tally, seconds) = pooled(last: count)
        let goodCount = spans.suffix(count).reduce(0) { sum, span in sum + span.reduce(0) { $0 + (goodBySecond[$1] ?? 0) } }
        func inSeconds(_ v: Int64) -> Double { Double(v) / 1_000_000 }
        let some = tally.count > 0
        return CapacityLevel(users: users, startMicros: loadStart, verdict: decision.verdict, reason: decision.reason,
                             confirmation: confirmation, windows: windows, judgedWindows: count, samples: tally.count,
                             requestsPerSecond: seconds > 0 ? Double(tally.count) / seconds : 0,
                             goodputPerSecond: seconds > 0 ? Double(goodCount) / seconds : 0,
                             errorRate: some ? tally.errorRate : 0,
                             p50: some ? inSeconds(tally.latency.percentile(50)) : nil,
                             p95: some ? inSeconds(tally.latency.percentile(95)) : nil,
                             p99: some ? inSeconds(tally.latency.percentile(99)) : nil,
                             ttfaP95: tally.ttfa.count > 0 ? inSeconds(tally.ttfa.percentile(95)) : nil,
                             rtfP95: tally.rtfMilli.count > 0 ? Double(tally.rtfMilli.percentile(95)) / 1_000 : nil,
                             sloValues: count > 0 ? slo.judge(tally, seconds: seconds) : [])
    }

    private func pooled(last count: Int) -> (SampleTally<LatencyHistogram>, Double) {
        var tally = SampleTally<LatencyHistogram>(extended: true)
        var seconds = 0.0
        for i in max(0, tallies.count - count)..<tallies.count {
            tally.add(tallies[i])
            seconds += windows[i].seconds
        }
        return (tally, seconds)
    }

    /// Relative spread (max - min) / max of throughput and of p95 over `windows`; nil when a
    /// window has no sample (nothing to compare).
    static func spread(_ windows: [CapacityWindow]) -> (rps: Double, p95: Double)? {
        let rates = windows.map(\.requestsPerSecond)
        let p95s = windows.compactMap(\.p95)
        guard p95s.count == windows.count, let maxRate = rates.max(), maxRate > 0, let maxP95 = p95s.max(), maxP95 > 0 else { return nil }
        return ((maxRate - rates.min()!) / maxRate, (maxP95 - p95s.min()!) / maxP95)
    }
}
