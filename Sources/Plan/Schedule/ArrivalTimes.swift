import Foundation

extension GroupSchedule {
    /// The time at which `count` arrivals are expected since the group's start: the inverse of
    /// `expectedArrivals(until:)`. Nil when the schedule ends before that many arrivals.
    ///
    /// Arrival k of a constant process is at `time(forArrivals: k)`; a Poisson process puts its
    /// k-th arrival at `time(forArrivals: E1 + ... + Ek)` with Ei ~ Exp(1) (time rescaling).
    public func time(forArrivals count: Double) -> Double? {
        guard isOpen, count >= 0 else { return nil }
        var before = 0.0
        for s in segments {
            let length = s.end - s.start
            guard length > 0 else { continue }
            let area = (s.from + s.to) / 2 * length
            if before + area > count + 1e-9, area > 0 {
                let x = count - before
                let slope = (s.to - s.from) / length
                let tau: Double
                if abs(slope) < 1e-12 {
                    tau = x / s.from
                } else {
                    // Solve from*tau + slope/2*tau^2 = x for the root inside the segment.
                    let disc = max(0, s.from * s.from + 2 * slope * x)
                    tau = (-s.from + disc.squareRoot()) / slope
                }
                return s.start + min(max(tau, 0), length)
            }
            before += area
        }
        return nil
    }
}

/// The arrival instants of one open-model group, constant or Poisson, generated lazily.
public struct ArrivalSequence: Sendable {
    public let schedule: GroupSchedule
    private var cumulative: Double
    private var generator: SeededRandom
    public private(set) var index = 0

    /// `seed` makes Poisson arrivals reproducible and lets every engine thread generate the same
    /// global sequence and keep its own share.
    public init(schedule: GroupSchedule, seed: UInt64) {
        self.schedule = schedule
        generator = SeededRandom(seed: seed)
        cumulative = 0
        if case .open(_, .poisson) = schedule.model { cumulative = generator.exponential() }
    }

    /// The next arrival time (seconds from the test start), or nil when the group is over.
    public mutating func next() -> Double? {
        guard let t = schedule.time(forArrivals: cumulative) else { return nil }
        index += 1
        if case .open(_, .poisson) = schedule.model { cumulative += generator.exponential() } else { cumulative += 1 }
        return t
    }
}

/// SplitMix64, for reproducible arrival processes.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Exp(1): -ln(U) with U in (0, 1].
    public mutating func exponential() -> Double {
        let u = Double(next() >> 11) / Double(1 << 53)
        return -log(1 - u)
    }
}
