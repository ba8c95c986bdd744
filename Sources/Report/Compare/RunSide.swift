import Foundation
import Plan
import Results
import Thresholds

/// One side of a comparison: every sample of a run and where its steps' holds are.
public struct RunSide: Sendable {
    /// A step's hold as seconds from the side's time 0.
    public struct Window: Sendable {
        public var group: String
        /// 1-based.
        public var index: Int
        public var level: Double
        /// `users` or `req/s`.
        public var unit: String
        public var holdStart: Double, end: Double

        public init(group: String, index: Int, level: Double, unit: String, holdStart: Double, end: Double) {
            self.group = group
            self.index = index
            self.level = level
            self.unit = unit
            self.holdStart = holdStart
            self.end = end
        }
    }

    /// What the user named (a run id, a folder, a file) and where it came from.
    public var name: String
    public var source: String
    /// The plan's name, or the file's.
    public var title: String
    public var samples: [Sample]
    /// Wall-clock µs of schedule time 0.
    public var t0: Int64
    /// Seconds from time 0 to the last sample's end.
    public var duration: Double
    public var windows: [Window]
    /// True when the steps come from allThreads plateaus (no plan known).
    public var stepsInferred: Bool
    /// Why there are no steps, or what went wrong reading them.
    public var notes: [String]
    /// The plan's thresholds, its schedule and group indices, when the side's plan is known: the
    /// comparison judges both sides against them.
    public var thresholds: [Threshold] = []
    public var profile: LoadProfile?
    public var groupIndices: [String: Int] = [:]
    /// Why this run's figures are noisy: its load generator (or an agent's) was saturated, as
    /// the run recorded it; nil when it was not or is not known.
    public var noise: String?

    /// A side from samples: steps from `profile` when given, else inferred from allThreads (the dashboard's rule).
    /// `startMicros` is schedule time 0 when known (else the first start less the earliest group delay).
    public init(name: String, source: String, title: String, samples: [Sample], profile: LoadProfile?,
                startMicros: Int64? = nil, notes: [String] = []) {
        let firstStart = samples.map(\.start).min() ?? 0
        let delay = profile?.groups.map(\.start).min() ?? 0
        let t0 = startMicros ?? (firstStart - Int64(delay * 1_000_000))
        let duration = max(0, Double((samples.map(\.end).max() ?? t0) - t0) / 1_000_000)
        var windows: [Window] = []
        var inferred = false
        var notes = notes
        if let profile, !profile.groups.isEmpty {
            for group in profile.groups {
                for step in group.steps {
                    windows.append(Window(group: group.name, index: step.index, level: step.level,
                                          unit: group.isOpen ? "req/s" : "users", holdStart: step.holdStart, end: step.end))
                }
            }
        } else {
            inferred = true
            let section = StepBuilder.inferred(samples: samples, t0: t0, duration: duration, rule: KneeRule())
            if let reason = section.missingReason { notes.append(reason) }
            for group in section.groups {
                for row in group.rows {
                    windows.append(Window(group: group.name, index: row.index, level: row.level, unit: row.unit,
                                          holdStart: row.holdStart, end: row.end))
                }
            }
        }
        self.init(name: name, source: source, title: title, samples: samples, t0: t0, duration: duration, windows: windows,
                  stepsInferred: inferred, notes: notes)
    }

    public init(name: String, source: String, title: String, samples: [Sample], t0: Int64, duration: Double,
                windows: [Window], stepsInferred: Bool, notes: [String]) {
        self.name = name
        self.source = source
        self.title = title
        self.samples = samples
        self.t0 = t0
        self.duration = duration
        self.windows = windows
        self.stepsInferred = stepsInferred
        self.notes = notes
    }

    /// Group names in the order their steps appear.
    var groupNames: [String] {
        var seen: [String] = []
        for w in windows where !seen.contains(w.group) { seen.append(w.group) }
        return seen
    }
}

extension RunSide {
    /// Takes the thresholds of `plan` (the side's own), for the comparison to judge.
    public mutating func adopt(_ plan: Plan) {
        thresholds = plan.thresholds
        profile = LoadProfile(plan: plan)
        groupIndices = Dictionary(plan.threadGroups.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// The side judged against `thresholds` (its own schedule places samples in steps).
    func judged(_ thresholds: [Threshold]) -> ThresholdVerdict {
        var judge = ThresholdJudge(thresholds: thresholds, profile: profile ?? LoadProfile(groups: []), groupIndices: groupIndices,
                                   startWall: t0)
        judge.add(samples)
        return judge.verdict(durationSeconds: duration)
    }
}
