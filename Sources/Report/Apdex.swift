import Results

/// APDEX thresholds (JMeter's defaults: satisfied up to 500 ms, tolerating up to 1500 ms).
public struct ApdexRule: Sendable, Equatable {
    /// µs: a successful sample this fast or faster satisfies.
    public var satisfied: Int64
    /// µs: a successful sample up to this is tolerated; slower ones and failures frustrate.
    public var tolerated: Int64

    public init(satisfied: Int64 = 500_000, tolerated: Int64 = 1_500_000) {
        self.satisfied = satisfied
        self.tolerated = tolerated
    }
}

/// Counts toward one APDEX score: (satisfied + tolerating / 2) / samples.
public struct ApdexCount: Sendable, Equatable {
    public var satisfied = 0
    public var tolerating = 0
    public var samples = 0

    mutating func add(_ s: Sample, rule: ApdexRule) {
        samples += 1
        guard s.success else { return }
        if s.elapsed <= rule.satisfied { satisfied += 1 } else if s.elapsed <= rule.tolerated { tolerating += 1 }
    }

    /// 0...1; nil without samples.
    public var score: Double? { samples == 0 ? nil : (Double(satisfied) + Double(tolerating) / 2) / Double(samples) }
}
