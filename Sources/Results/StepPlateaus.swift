/// Steps read off allThreads when no plan is known (a JMeter file, an import): each whole second
/// from time 0 gets the highest allThreads of the samples that ended in it, and a run of seconds
/// at one level lasting at least `minimumLength` is a step. Shorter runs are ramps.
///
/// Shared by the dashboard's per-step table and `ttsload import` (which stores the steps), so
/// both see the same steps in the same file.
public enum StepPlateaus {
    /// One level held over whole seconds `first...last` (from time 0).
    public struct Plateau: Sendable, Equatable {
        public var level: Int
        public var first: Int
        public var last: Int

        /// Seconds from time 0: the step's start (the end of the previous plateau, or 0), its hold
        /// (first and last second left out: they straddle the change) and its end.
        public var holdStart: Double { Double(first + 1) }
        public var end: Double { Double(last) }
    }

    /// Plateaus shorter than this many seconds are ramps: 3 s, or 5% of the run when that is longer,
    /// so a slow ramp's one-user-every-few-seconds does not count as many steps.
    public static func minimumLength(duration: Double) -> Int { max(3, Int((duration * 0.05).rounded(.up))) }

    /// The number of whole seconds a run of `duration` seconds spans (at least 1).
    public static func secondCount(duration: Double) -> Int { max(1, Int(duration.rounded(.up))) }

    /// The second (0..<count) a time `t` seconds from time 0 falls in, clamped to the run.
    public static func second(_ t: Double, count: Int) -> Int { min(count - 1, max(0, Int(t))) }

    /// The plateaus of `levels` (highest allThreads per second, 0 for none).
    public static func find(levels: [Int], duration: Double) -> [Plateau] {
        guard !levels.isEmpty else { return [] }
        let minimum = minimumLength(duration: duration)
        var plateaus: [Plateau] = []
        var runStart = 0
        for i in 1...levels.count where i == levels.count || levels[i] != levels[runStart] {
            if levels[runStart] > 0, i - runStart >= minimum { plateaus.append(Plateau(level: levels[runStart], first: runStart, last: i - 1)) }
            runStart = i
        }
        return plateaus
    }
}
