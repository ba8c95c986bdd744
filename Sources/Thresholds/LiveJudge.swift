import Foundation
import Plan
import Results

/// Judges thresholds while the load runs, one whole second at a time, from the per-second tallies
/// the run pipeline hands out (merged from every agent in a distributed run): aborts, `stop_when`,
/// and the thresholds failing now for the live line. The verdict itself comes from
/// `ThresholdJudge` at the end; this only decides when to stop early.
///
/// - An abort without `for` fails on the figure over the run so far (from `after` on), as k6's
///   `abortOnFail` does; with `for: W` it fails once the figure of every second for W seconds
///   has failed (a second without samples neither breaks nor extends the streak), so one slow
///   sample cannot abort a run (Taurus' `for`).
/// - `stop_when` is judged on the samples that ended during each step's hold, when the hold is over.
public final class LiveJudge {
    /// What the driver should do.
    public enum Event: Sendable, Equatable {
        /// Stop the run now: a threshold with `abort: true` failed.
        case abort(ThresholdVerdict.Stop)
        /// Stop the run now: the step just held meets a `stop_when` condition.
        case stop(ThresholdVerdict.Stop)
    }

    private struct Streak {
        var since: Double?
    }

    private let thresholds: [Threshold]
    private let stopConditions: [(condition: Threshold, breaks: Bool)]
    /// The steps `stop_when` judges: those of the thread group with the most steps.
    private let steps: [ScheduleStep]
    /// Keyed by `key(of:)`: a condition's scope and side.
    private var stepTallies: [String: SampleTally<SparseHistogram>] = [:]
    private var stepIndex = 0
    private var cumulative: [Int: SampleTally<SparseHistogram>] = [:]
    private var streaks: [Int: Streak] = [:]
    /// The last few seconds, for "failing now".
    private var recent: [[String: SampleTally<SparseHistogram>]] = []
    private static let recentSeconds = 5
    /// Label -> thread groups it was seen in (a group scope is the union of its labels' tallies).
    private var labelGroups: [String: Set<String>] = [:]
    private var fired = false
    /// Thresholds failing over the last few seconds, as written.
    public private(set) var failingNow: [String] = []

    public init(thresholds: [Threshold], stopWhen: StopWhen?, profile: LoadProfile) {
        self.thresholds = thresholds
        var conditions = (stopWhen?.conditions ?? []).map { (condition: $0, breaks: false) }
        if stopWhen?.thresholds == true {
            // Monitor series are judged at the end of the run only (docs/plan.md).
            conditions += thresholds.filter { $0.metric.monitorSeries == nil }.map { (condition: $0, breaks: true) }
        }
        stopConditions = conditions
        steps = profile.groups.max { $0.steps.count < $1.steps.count }?.steps ?? []
    }

    /// Whether a label's samples belong to a thread group: the driver tells what it sees (a run in
    /// one process sees every sample; a distributed controller sees none until the end, so a group
    /// scope there covers the labels named like the group only).
    public func note(label: String, group: String) {
        labelGroups[label, default: []].insert(group)
    }

    /// One whole second: the samples that ended in it, per label. `elapsed` is seconds from
    /// schedule time 0 to the end of the second. Returns what the driver must do, at most once.
    public func second(elapsed: Double, byLabel: [String: SampleTally<SparseHistogram>]) -> Event? {
        recent.append(byLabel)
        if recent.count > Self.recentSeconds { recent.removeFirst() }
        updateFailingNow(elapsed: elapsed)
        guard !fired else { return nil }
        if let event = checkAborts(elapsed: elapsed, byLabel: byLabel) ?? checkStep(elapsed: elapsed, byLabel: byLabel) {
            fired = true
            return event
        }
        return nil
    }

    /// The tally of the labels `threshold` covers: its scope's, and in an A/B run only its side's
    /// (every label carries its side as a suffix, docs/ab.md).
    private func tally(_ threshold: Threshold, in byLabel: [String: SampleTally<SparseHistogram>]) -> SampleTally<SparseHistogram> {
        var out = SampleTally<SparseHistogram>(extended: true)
        let scope = threshold.scope
        for (label, t) in byLabel where scope == nil || label == scope || labelGroups[label]?.contains(scope!) == true {
            if let side = threshold.side, ABSide.split(label)?.side != side { continue }
            out.add(t)
        }
        return out
    }

    private func key(of threshold: Threshold) -> String { (threshold.side?.rawValue ?? "") + "\u{0}" + (threshold.scope ?? "") }

    private func checkAborts(elapsed: Double, byLabel: [String: SampleTally<SparseHistogram>]) -> Event? {
        for (i, t) in thresholds.enumerated() where t.abort {
            let now = tally(t, in: byLabel)
            cumulative[i, default: SampleTally(extended: true)].add(now)
            guard elapsed >= t.after.seconds else { continue }
            if let window = t.window?.seconds {
                // The figure of this second alone; a second without samples changes nothing.
                guard now.count > 0 else { continue }
                let value = t.metric.value(of: now, seconds: 1)
                guard value != nil else { continue }
                if t.holds(value) { streaks[i] = Streak(since: nil); continue }
                let since = streaks[i]?.since ?? (elapsed - 1)
                streaks[i] = Streak(since: since)
                if elapsed - since >= window - 1e-6 {
                    return .abort(ThresholdVerdict.Stop(
                        kind: "abort", expression: t.expression, atSeconds: elapsed, value: value, step: nil,
                        text: "abort: \(t.expression) failed in every second for \(PlanDuration(seconds: window)) "
                            + "(\(t.metric.name) \(t.metric.show(value)) in the second ending at \(clock(elapsed)))"))
                }
            } else {
                let so = cumulative[i]!
                guard so.count > 0 else { continue }
                let value = t.metric.value(of: so, seconds: elapsed)
                if !t.holds(value) {
                    return .abort(ThresholdVerdict.Stop(
                        kind: "abort", expression: t.expression, atSeconds: elapsed, value: value, step: nil,
                        text: "abort: \(t.expression) failed at \(clock(elapsed)) (\(t.metric.name) \(t.metric.show(value)) over the run so far)"))
                }
            }
        }
        return nil
    }

    private func checkStep(elapsed: Double, byLabel: [String: SampleTally<SparseHistogram>]) -> Event? {
        guard !stopConditions.isEmpty, stepIndex < steps.count else { return nil }
        let step = steps[stepIndex]
        let middle = elapsed - 0.5
        if middle >= step.holdStart && middle < step.end {
            var done = Set<String>()
            for (condition, _) in stopConditions where done.insert(key(of: condition)).inserted {
                stepTallies[key(of: condition), default: SampleTally(extended: true)].add(tally(condition, in: byLabel))
            }
            return nil
        }
        guard middle >= step.end else { return nil }
        defer {
            stepIndex += 1
            stepTallies = [:]
        }
        // The last step ends the run anyway.
        guard stepIndex < steps.count - 1 else { return nil }
        let seconds = step.end - step.holdStart
        for (condition, breaks) in stopConditions {
            if case .step(let n) = condition.steps, n != step.index { continue }
            let tally = stepTallies[key(of: condition)] ?? SampleTally(extended: true)
            let value = condition.metric.value(of: tally, seconds: seconds)
            let met = breaks ? !condition.holds(value) : condition.holds(value)
            guard met, value != nil || breaks else { continue }
            let what = breaks ? "broke \(condition.expression)" : "met \(condition.expression)"
            return .stop(ThresholdVerdict.Stop(
                kind: "stop_when", expression: condition.expression, atSeconds: elapsed, value: value, step: step.name,
                stepIndex: step.index, text: "stop_when: \(step.name) \(what) (\(condition.metric.name) \(condition.metric.show(value)) over its hold); "
                    + "later steps not run"))
        }
        return nil
    }

    private func updateFailingNow(elapsed: Double) {
        var merged: [String: SampleTally<SparseHistogram>] = [:]
        for second in recent { for (label, t) in second { merged[label, default: SampleTally(extended: true)].add(t) } }
        let current = steps.last { elapsed - 0.5 >= $0.start }?.index
        failingNow = thresholds.filter { t in
            if case .step(let n) = t.steps, n != current { return false }
            let tally = tally(t, in: merged)
            guard tally.count > 0 else { return false }
            let value = t.metric.value(of: tally, seconds: Double(recent.count))
            return value != nil && !t.holds(value)
        }.map(\.expression)
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}
