import Foundation
import Results

/// Builds a `Comparison`: matches steps (group by name, step by index) and labels (by name),
/// computes each metric on both sides and judges the difference.
public enum Comparator {
    /// Fewest values above a percentile for it to be judged: p95 needs 200 samples, p99 1,000.
    public static let tailSamples = 10
    /// Fewest samples for a percentile or an error rate at all.
    public static let minimumSamples = 20
    /// Fewest whole seconds for a rate (req/s, audio s/s) to be judged.
    public static let minimumSeconds = 5

    public static func compare(base: RunSide, candidate: RunSide, tolerances: Tolerances = .defaults,
                               knee: KneeRule = KneeRule()) -> Comparison {
        let b = SideData(base), c = SideData(candidate)
        var scopes: [Comparison.Scope] = []
        var unmatched: [String] = []

        // Groups by name; two runs with one group each are paired whatever their names (a JMeter
        // file's inferred "all threads" against a plan's group).
        let bGroups = base.groupNames, cGroups = candidate.groupNames
        var pairs: [(String, String)] = bGroups.filter(cGroups.contains).map { ($0, $0) }
        if pairs.isEmpty, bGroups.count == 1, cGroups.count == 1 { pairs = [(bGroups[0], cGroups[0])] }
        for g in bGroups where !pairs.contains(where: { $0.0 == g }) { unmatched.append("steps of group \(g) only in the base") }
        for g in cGroups where !pairs.contains(where: { $0.1 == g }) { unmatched.append("steps of group \(g) only in the candidate") }
        for (bg, cg) in pairs {
            let bw = base.windows.filter { $0.group == bg }, cw = candidate.windows.filter { $0.group == cg }
            for w in bw {
                guard let other = cw.first(where: { $0.index == w.index }),
                      let bd = b.steps[bg]?[w.index], let cd = c.steps[cg]?[w.index] else {
                    unmatched.append("\(bg) step \(w.index) only in the base")
                    continue
                }
                let key = "step \(bg)/\(cg) \(w.index)"
                scopes.append(Comparison.Scope(kind: .step, name: bg == cg ? bg : "\(bg)/\(cg)", stepIndex: w.index,
                                               baseLevel: w.level, candidateLevel: other.level, unit: w.unit,
                                               entries: entries(bd, cd, tolerances, key: key)))
            }
            for w in cw where !bw.contains(where: { $0.index == w.index }) { unmatched.append("\(cg) step \(w.index) only in the candidate") }
        }
        for label in b.labels.keys.sorted() {
            guard let bd = b.labels[label], let cd = c.labels[label] else {
                unmatched.append("label \(label) only in the base")
                continue
            }
            scopes.append(Comparison.Scope(kind: .label, name: label, stepIndex: nil, baseLevel: nil, candidateLevel: nil, unit: nil,
                                           entries: entries(bd, cd, tolerances, key: "label \(label)")))
        }
        for label in c.labels.keys.sorted() where b.labels[label] == nil { unmatched.append("label \(label) only in the candidate") }
        var comparison = Comparison(base: side(base, b, knee), candidate: side(candidate, c, knee), tolerances: tolerances,
                                    scopes: scopes, unmatched: unmatched)
        // A saturated load generator makes latency lie: a change measured with one is not a verdict.
        comparison.noisy = [("base", base.noise), ("candidate", candidate.noise)].compactMap { role, noise in noise.map { "\(role): \($0)" } }
        if !comparison.noisy.isEmpty {
            for i in comparison.scopes.indices {
                for j in comparison.scopes[i].entries.indices where [.regression, .improvement].contains(comparison.scopes[i].entries[j].verdict) {
                    comparison.scopes[i].entries[j].verdict = .noisyRun
                }
            }
        }
        let from = candidate.thresholds.isEmpty ? (base.thresholds.isEmpty ? nil : "base") : "candidate"
        if let from {
            let thresholds = from == "candidate" ? candidate.thresholds : base.thresholds
            let vb = base.judged(thresholds), vc = candidate.judged(thresholds)
            comparison.thresholds = zip(vb.thresholds, vc.thresholds).map {
                Comparison.ThresholdPair(expression: $0.expression, base: $0, candidate: $1)
            }
            comparison.thresholdsFrom = from
        }
        return comparison
    }

    /// Every metric of one scope.
    static func entries(_ b: ScopeData, _ c: ScopeData, _ tolerances: Tolerances, key: String) -> [Comparison.Entry] {
        CompareMetric.allCases.map { metric in
            let tolerance = tolerances[metric]
            let seed = Resampling.seed(key + " " + metric.rawValue)
            switch metric {
            case .p50, .p90, .p95, .p99, .ttfaP95, .rtfP95:
                let p = metric.percentile ?? 95
                let (bv, cv) = metric == .ttfaP95 ? (b.ttfa, c.ttfa) : metric == .rtfP95 ? (b.rtf, c.rtf) : (b.latencies, c.latencies)
                let needed = max(minimumSamples, Int((Double(tailSamples) / (1 - p / 100)).rounded(.up)))
                let enough = bv.count >= needed && cv.count >= needed
                let interval = enough ? Resampling.percentileDifference(base: bv, candidate: cv, p: p, seed: seed) : nil
                return judge(metric, Resampling.percentile(bv, p), Resampling.percentile(cv, p), interval: interval,
                             enough: enough, tolerance: tolerance, counts: (bv.count, cv.count))
            case .errors:
                let enough = b.count >= minimumSamples && c.count >= minimumSamples
                // Percentage points, so the interval and the tolerance share a unit.
                let interval = Resampling.proportionDifference(baseHits: b.errors, baseCount: b.count, candidateHits: c.errors,
                                                               candidateCount: c.count)
                return judge(metric, b.count > 0 ? b.errorRate * 100 : nil, c.count > 0 ? c.errorRate * 100 : nil,
                             interval: (interval.lowerBound * 100)...(interval.upperBound * 100), enough: enough,
                             tolerance: tolerance, counts: (b.count, c.count))
            case .throughput, .audio:
                let audio = metric == .audio
                let (bs, cs) = audio ? (b.audioPerSecond, c.audioPerSecond) : (b.endedPerSecond, c.endedPerSecond)
                let enough = bs.count >= minimumSeconds && cs.count >= minimumSeconds
                let bv = audio ? b.audioPerSecondTotal : (b.seconds > 0 ? b.throughput : nil)
                let cv = audio ? c.audioPerSecondTotal : (c.seconds > 0 ? c.throughput : nil)
                return judge(metric, bv, cv, interval: enough ? Resampling.meanDifference(base: bs, candidate: cs) : nil,
                             enough: enough, tolerance: tolerance, counts: (bs.count, cs.count))
            }
        }
    }

    /// The verdict rule (docs/compare.md): within the tolerance is unchanged; beyond it, a regression or
    /// improvement only when the interval of the difference excludes 0.
    static func judge(_ metric: CompareMetric, _ base: Double?, _ candidate: Double?, interval: ClosedRange<Double>?,
                      enough: Bool, tolerance: Double, counts: (Int, Int)) -> Comparison.Entry {
        var entry = Comparison.Entry(metric: metric, base: base, candidate: candidate, delta: nil, relative: nil, interval: interval,
                                     tolerance: tolerance, verdict: .missing, baseCount: counts.0, candidateCount: counts.1)
        guard let base, let candidate else { return entry }
        let delta = candidate - base
        entry.delta = delta
        entry.relative = base != 0 ? delta / base : nil
        guard enough else {
            entry.verdict = .tooFewSamples
            return entry
        }
        let beyond = metric.toleranceIsAbsolute ? abs(delta) > tolerance : base != 0 ? abs(delta / base) > tolerance : delta != 0
        guard beyond else {
            entry.verdict = .unchanged
            return entry
        }
        guard let interval, !interval.contains(0) else {
            entry.verdict = .notSignificant
            return entry
        }
        let worse = metric.higherIsBetter ? delta < 0 : delta > 0
        entry.verdict = worse ? .regression : .improvement
        return entry
    }

    /// A side's facts and its steps with the knee, by the dashboard's rule.
    static func side(_ side: RunSide, _ data: SideData, _ rule: KneeRule) -> Comparison.Side {
        let groups = side.groupNames.map { name -> GroupSteps in
            let rows = side.windows.filter { $0.group == name }.map { w -> StepRow in
                var row = StepRow(group: name, index: w.index, name: "step \(w.index)", level: w.level, unit: w.unit,
                                  start: w.holdStart, holdStart: w.holdStart, end: w.end)
                if let d = data.steps[name]?[w.index] {
                    row.ended = d.ended
                    row.endedOK = d.endedOK
                    for s in side.samples where d.count > 0 && isIn(s, w, side, single: side.groupNames.count == 1) { row.stats.add(s) }
                }
                return row
            }
            var group = GroupSteps(name: name, rows: rows, knee: nil)
            StepBuilder.markKnee(&group, rule: rule)
            return group
        }
        return Comparison.Side(name: side.name, source: side.source, title: side.title, samples: side.samples.count,
                               duration: side.duration, stepsInferred: side.stepsInferred, notes: side.notes, groups: groups)
    }

    static func isIn(_ s: Sample, _ w: RunSide.Window, _ side: RunSide, single: Bool) -> Bool {
        guard single || s.groupName == w.group else { return false }
        let t = Double(s.start - side.t0) / 1_000_000
        return t >= w.holdStart && t < w.end
    }
}
