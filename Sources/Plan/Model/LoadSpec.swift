/// A load shape as written in the plan. `LoadProfile` turns it into targets over time.
public enum LoadSpec: Sendable, Equatable {
    /// Closed model, JMeter-style stepping: go to each user count over `rampUp`, hold it for `hold`.
    case steps(users: [Int], rampUp: PlanDuration, hold: PlanDuration)
    /// Closed model, k6-style: move linearly to each stage's target over its duration.
    case stages([Stage])
    /// Closed model, one level: `users` reached over `rampUp`; `duration` counts from the start, ramp included.
    case constant(users: Int, rampUp: PlanDuration, duration: PlanDuration)
    /// Open model: requests started per second, independent of how fast the target answers.
    case arrivalRate(ArrivalRate)

    /// A k6-style stage.
    public struct Stage: Sendable, Equatable {
        public var duration: PlanDuration
        public var target: Double
        public init(duration: PlanDuration, target: Double) {
            self.duration = duration
            self.target = target
        }
    }

    /// True for the open model.
    public var isOpen: Bool {
        if case .arrivalRate = self { return true }
        return false
    }
}

/// Open-model load: the rate shape, the arrival process and the cap on concurrent users.
public struct ArrivalRate: Sendable, Equatable {
    public enum Shape: Sendable, Equatable {
        /// Rates per second, each reached over `rampUp` and held for `hold`.
        case steps(rates: [Double], rampUp: PlanDuration, hold: PlanDuration)
        /// k6-style ramping arrival rate (targets are per-second rates).
        case stages([LoadSpec.Stage])
        /// One rate for `duration`.
        case constant(rate: Double, duration: PlanDuration)
    }
    public enum Distribution: String, Sendable, Equatable, CaseIterable {
        /// Evenly spaced arrivals.
        case constant
        /// Exponential gaps: a Poisson process, as real independent clients arrive.
        case poisson
    }

    public var shape: Shape
    public var distribution: Distribution
    /// At most this many requests in flight; arrivals beyond it are counted as dropped.
    public var maxUsers: Int

    public init(shape: Shape, distribution: Distribution = .constant, maxUsers: Int = 1_000) {
        self.shape = shape
        self.distribution = distribution
        self.maxUsers = maxUsers
    }
}
