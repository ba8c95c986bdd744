import Foundation

/// What a capacity search found (`ttsload capacity`, docs/capacity.md): every level it measured,
/// in the order measured, and its answer. Written as the run folder's `capacity.json`, read back
/// by `--resume` and drawn by the dashboard.
public struct CapacityReport: Codable, Sendable, Equatable {
    public var plan: String
    /// The SLO terms as written (`p95 < 2s`, `error_rate < 1%`).
    public var slo: [String]
    /// The thread group the levels were applied to.
    public var group: String
    public var settings: CapacitySettingsRecord
    public var levels: [CapacityLevel]
    public var answer: CapacityAnswer
    /// Users of the knee of throughput against users (`CapacityKnee`), when there is one.
    public var knee: Int?
    /// Wall-clock seconds the search took (all sessions of a resumed search).
    public var seconds: Double

    public init(plan: String, slo: [String], group: String, settings: CapacitySettingsRecord, levels: [CapacityLevel],
                answer: CapacityAnswer, knee: Int?, seconds: Double) {
        self.plan = plan
        self.slo = slo
        self.group = group
        self.settings = settings
        self.levels = levels
        self.answer = answer
        self.knee = knee
        self.seconds = seconds
    }
}

/// The search's settings as they ran, for the report and for `--resume` (which keeps them).
public struct CapacitySettingsRecord: Codable, Sendable, Equatable {
    public var start: Int
    public var maxUsers: Int
    /// Stop bisecting when the bad level is within this of the good one: a fraction of the good
    /// level (`precision: 0.05`) or, when `precisionUsers` is set, that many users.
    public var precision: Double
    public var precisionUsers: Int?
    public var windowSeconds: Double
    public var warmupSeconds: Double
    public var agreeWindows: Int
    public var maxWindows: Int
    public var tolerance: Double
    public var minSamples: Int
    /// Levels are arrival rates (requests per second, open model) instead of users; `maxUsers`
    /// and `start` are then rates, and `maxInFlight` caps the requests in flight.
    public var open: Bool?
    public var maxInFlight: Int?

    /// What a level counts: `users`, or `req/s` offered in the open model.
    public var unit: String { open == true ? "req/s" : "users" }

    public init(start: Int, maxUsers: Int, precision: Double, precisionUsers: Int?, windowSeconds: Double, warmupSeconds: Double,
                agreeWindows: Int, maxWindows: Int, tolerance: Double, minSamples: Int, open: Bool? = nil, maxInFlight: Int? = nil) {
        self.start = start
        self.maxUsers = maxUsers
        self.precision = precision
        self.precisionUsers = precisionUsers
        self.windowSeconds = windowSeconds
        self.warmupSeconds = warmupSeconds
        self.agreeWindows = agreeWindows
        self.maxWindows = maxWindows
        self.tolerance = tolerance
        self.minSamples = minSamples
        self.open = open
        self.maxInFlight = maxInFlight
    }
}

/// One load level as measured: its windows after warm-up, the figures over the windows judged,
/// and the verdict.
///
/// `users` is the level: virtual users, or in an open-model search the arrival rate (req/s) offered.
public struct CapacityLevel: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable {
        /// Stable, and within every SLO term.
        case good
        /// Breaks an SLO term: stable, or breaking it in every window measured.
        case bad
        /// Its windows never agreed (within the tolerance) before the window cap: not judged.
        case unstable
        /// Stopped (Ctrl-C, --max-time) before it could be judged.
        case interrupted
    }

    public var users: Int
    /// Wall-clock µs when the level's load started.
    public var startMicros: Int64
    public var verdict: Verdict
    /// Why: the SLO term that broke, the spread that kept it unstable, or "within the SLO".
    public var reason: String
    /// A repeat of a level measured before, to confirm the answer.
    public var confirmation: Bool
    /// Every window after warm-up, in order.
    public var windows: [CapacityWindow]
    /// How many of the last windows the figures below are taken over.
    public var judgedWindows: Int
    public var samples: Int
    public var requestsPerSecond: Double
    /// Requests per second that met every per-request SLO term (successful, and under each
    /// latency-type bound): vLLM's goodput.
    public var goodputPerSecond: Double
    public var errorRate: Double
    /// Seconds.
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var ttfaP95: Double?
    public var rtfP95: Double?
    /// Each SLO term's value over the judged windows (nil: nothing to take it of).
    public var sloValues: [SLOValue]

    public init(users: Int, startMicros: Int64, verdict: Verdict, reason: String, confirmation: Bool, windows: [CapacityWindow],
                judgedWindows: Int, samples: Int, requestsPerSecond: Double, goodputPerSecond: Double, errorRate: Double,
                p50: Double?, p95: Double?, p99: Double?, ttfaP95: Double?, rtfP95: Double?, sloValues: [SLOValue]) {
        self.users = users
        self.startMicros = startMicros
        self.verdict = verdict
        self.reason = reason
        self.confirmation = confirmation
        self.windows = windows
        self.judgedWindows = judgedWindows
        self.samples = samples
        self.requestsPerSecond = requestsPerSecond
        self.goodputPerSecond = goodputPerSecond
        self.errorRate = errorRate
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.ttfaP95 = ttfaP95
        self.rtfP95 = rtfP95
        self.sloValues = sloValues
    }

    /// Whether the level counts as within the SLO.
    public var isGood: Bool { verdict == .good }
}

/// One SLO term over a level's judged windows.
public struct SLOValue: Codable, Sendable, Equatable {
    public var term: String
    public var value: Double?
    public var passed: Bool

    public init(term: String, value: Double?, passed: Bool) {
        self.term = term
        self.value = value
        self.passed = passed
    }
}

/// One measuring window of a level (samples that ended in it).
public struct CapacityWindow: Codable, Sendable, Equatable {
    public var startMicros: Int64
    public var seconds: Double
    public var samples: Int
    public var requestsPerSecond: Double
    /// Seconds; nil without samples.
    public var p95: Double?

    public init(startMicros: Int64, seconds: Double, samples: Int, requestsPerSecond: Double, p95: Double?) {
        self.startMicros = startMicros
        self.seconds = seconds
        self.samples = samples
        self.requestsPerSecond = requestsPerSecond
        self.p95 = p95
    }
}

/// The search's answer.
public struct CapacityAnswer: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The most users within the SLO, bracketed by the first level above it that broke it.
        case found
        /// Even the smallest level broke the SLO.
        case none
        /// Every level up to the cap kept the SLO: capacity is at least the cap.
        case atLeast
        /// A level did not settle: no answer (`unstableAt`).
        case unstable
        /// Stopped (Ctrl-C, --max-time, --max-levels) before the precision was reached: the bracket so far.
        case incomplete
    }

    public var kind: Kind
    /// Most users measured within the SLO (confirmed for `found`).
    public var maxUsers: Int?
    /// Fewest users measured breaking it.
    public var firstBad: Int?
    /// The level that did not settle (`unstable`).
    public var unstableAt: Int?
    /// One line, as printed: `max users within SLO: 12 (12-13)`.
    public var text: String

    public init(kind: Kind, maxUsers: Int?, firstBad: Int?, unstableAt: Int? = nil, text: String) {
        self.kind = kind
        self.maxUsers = maxUsers
        self.firstBad = firstBad
        self.unstableAt = unstableAt
        self.text = text
    }
}
