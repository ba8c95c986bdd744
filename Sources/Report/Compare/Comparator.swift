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

    /// `paired`: the sides ran at the same moments (an A/B run's a and b), so intervals draw the
    /// same blocks of time on both (`BlockBootstrap.difference`).
    public static func compare(base: RunSide, candidate: RunSide, tolerances: Tolerances = .defaults,
                               knee: KneeRule = KneeRule(), paired: Bool = false) -> Comparison {
        compare(base: [base], candidate: [candidate], tolerances: tolerances, knee: knee, paired: paired)
    }

    /// Compares several runs per side (replicates of the same plan): every figure pools a side's
    /// runs, and the intervals draw runs as well as blocks of time, so the spread between runs
    /// counts. Steps are matched on the first run of each side; the steps table and the knee are
    /// the first run's, each threshold shows a side's worst run. Both lists must be non-empty.
    public static func compare(base: [RunSide], candidate: [RunSide], tolerances: Tolerances = .defaults,
                               knee: KneeRule = KneeRule(), paired: Bool = false) -> Comparison {
        precondition(!base.isEmpty && !candidate.isEmpty, "a side needs at least one run")
        let firstBase = base[0], firstCandidate = candidate[0]
        // Goodput counts the requests that kept the per-request bounds of the thresholds shown
        // beside the comparison (the candidate's, else the base's): the same rule on both sides.
        let bounds = RequestBounds(firstCandidate.thresholds.isEmpty ? firstBase.thresholds : firstCandidate.thresholds)
        let b = base.map { SideData($0, bounds: bounds) }, c = candidate.map { SideData($0, bounds: bounds) }
        var scopes: [Comparison.Scope] = []
        var unmatched: [String] = []

        // Groups by name; two runs with one group each are paired whatever their names (a JMeter
        // file's inferred "all threads" against a plan's group).
        let bGroups = firstBase.groupNames, cGroups = firstCandidate.groupNames
        var pairs: [(String, String)] = bGroups.filter(cGroups.contains).map { ($0, $0) }
        if pairs.isEmpty, bGroups.count == 1, cGroups.count == 1 { pairs = [(bGroups[0], cGroups[0])] }
        for g in bGroups where !pairs.contains(where: { $0.0 == g }) { unmatched.append("steps of group \(g) only in the base") }
        for g in cGroups where !pairs.contains(where: { $0.1 == g }) { unmatched.append("steps of group \(g) only in the candidate") }
        for (bg, cg) in pairs {
            let bw = firstBase.windows.filter { $0.group == bg }, cw = firstCandidate.windows.filter { $0.group == cg }
            for w in bw {
                let bd = b.compactMap { $0.steps[bg]?[w.index] }, cd = c.compactMap { $0.steps[cg]?[w.index] }
                guard let other = cw.first(where: { $0.index == w.index }), !bd.isEmpty, !cd.isEmpty else {
                    unmatched.append("\(bg) step \(w.index) only in the base")
                    continue
                }
                let key = "step \(bg)/\(cg) \(w.index)"
                scopes.append(Comparison.Scope(kind: .step, name: bg == cg ? bg : "\(bg)/\(cg)", stepIndex: w.index,
                                               baseLevel: w.level, candidateLevel: other.level, unit: w.unit,
                                               entries: entries(bd, cd, tolerances, key: key, paired: paired)))
            }
            for w in cw where !bw.contains(where: { $0.index == w.index }) { unmatched.append("\(cg) step \(w.index) only in the candidate") }
        }
        let bLabels = Set(b.flatMap(\.labels.keys)), cLabels = Set(c.flatMap(\.labels.keys))
        for label in bLabels.sorted() {
            guard cLabels.contains(label) else {
                unmatched.append("label \(label) only in the base")
                continue
            }
            scopes.append(Comparison.Scope(kind: .label, name: label, stepIndex: nil, baseLevel: nil, candidateLevel: nil, unit: nil,
                                           entries: entries(b.compactMap { $0.labels[label] }, c.compactMap { $0.labels[label] },
                                                            tolerances, key: "label \(label)", paired: paired)))
        }
        for label in cLabels.sorted() where !bLabels.contains(label) { unmatched.append("label \(label) only in the candidate") }
        var comparison = Comparison(base: side(base, b[0], knee), candidate: side(candidate, c[0], knee), tolerances: tolerances,
                                    scopes: scopes, unmatched: unmatched)
        comparison.goodputBounds = bounds.expressions
        // A saturated load generator makes latency lie: a change measured with one is not a verdict.
        comparison.noisy = [("base", base), ("candidate", candidate)].flatMap { role, runs in
            runs.compactMap { run in run.noise.map { runs.count > 1 ? "\(role) \(run.name): \($0)" : "\(role): \($0)" } }
        }
        if !comparison.noisy.isEmpty {
            for i in comparison.scopes.indices {
                for j in comparison.scopes[i].entries.indices where [.regression, .improvement].contains(comparison.scopes[i].entries[j].verdict) {
                    comparison.scopes[i].entries[j].verdict = .noisyRun
                }
            }
        }
        let from = firstCandidate.thresholds.isEmpty ? (firstBase.thresholds.isEmpty ? nil : "base") : "candidate"
        if let from {
            let thresholds = from == "candidate" ? firstCandidate.thresholds : firstBase.thresholds
            let vb = worst(base.map { $0.judged(thresholds) }), vc = worst(candidate.map { $0.judged(thresholds) })
            comparison.thresholds = zip(vb, vc).map { Comparison.ThresholdPair(expression: $0.expression, base: $0, candidate: $1) }
            comparison.thresholdsFrom = from
        }
        return comparison
    }

    /// Per threshold, the first run that failed it, else the first run's result.
    static func worst(_ verdicts: [ThresholdVerdict]) -> [ThresholdVerdict.Judged] {
        guard let first = verdicts.first else { return [] }
        return first.thresholds.indices.map { i in
            verdicts.first { i < $0.thresholds.count && !$0.thresholds[i].passed }?.thresholds[i] ?? first.thresholds[i]
        }
    }

    /// Every metric of one scope, each side given as its runs' data for the scope.
    static func entries(_ b: [ScopeData], _ c: [ScopeData], _ tolerances: Tolerances, key: String, paired: Bool = false) -> [Comparison.Entry] {
        let bb = BlockedSide(runs: b.map(\.blocks)), cb = BlockedSide(runs: c.map(\.blocks))
        let blocksEnough = bb.blockCount >= BlockBootstrap.minimumBlocks && cb.blockCount >= BlockBootstrap.minimumBlocks
        return CompareMetric.allCases.map { metric in
            let tolerance = tolerances[metric]
            let seed = Resampling.seed(key + " " + metric.rawValue)
            switch metric {
            case .p50, .p90, .p95, .p99, .ttfaP95, .rtfP95:
                let p = metric.percentile ?? 95
                let kind: TimeBlock.Kind = metric == .ttfaP95 ? .ttfa : metric == .rtfP95 ? .rtf : .latency
                let bv = bb.pooled[kind] ?? [], cv = cb.pooled[kind] ?? []
                let needed = max(minimumSamples, Int((Double(tailSamples) / (1 - p / 100)).rounded(.up)))
                let enough = bv.count >= needed && cv.count >= needed && blocksEnough
                let interval = enough ? BlockBootstrap.difference(base: bb, candidate: cb, seed: seed, paired: paired) { $0.percentile(kind, p, weights: $1) } : nil
                var entry = judge(metric, Resampling.percentile(bv, p), Resampling.percentile(cv, p), interval: interval?.range,
                                  enough: enough && interval != nil, tolerance: tolerance, counts: (bv.count, cv.count))
                if interval != nil, let qb = entry.base, let qc = entry.candidate {
                    entry.baseEffective = BlockBootstrap.proportionEffectiveSize(bb, seed: seed &+ 1, part: { Double(BlockedSide.upperBound($0.values(kind), qb)) },
                                                                                 whole: { Double($0.values(kind).count) })
                    entry.candidateEffective = BlockBootstrap.proportionEffectiveSize(cb, seed: seed &+ 2, part: { Double(BlockedSide.upperBound($0.values(kind), qc)) },
                                                                                      whole: { Double($0.values(kind).count) })
                }
                return entry
            case .errors:
                let nb = b.reduce(0) { $0 + $1.count }, nc = c.reduce(0) { $0 + $1.count }
                let eb = b.reduce(0) { $0 + $1.errors }, ec = c.reduce(0) { $0 + $1.errors }
                let enough = nb >= minimumSamples && nc >= minimumSamples && blocksEnough
                // Percentage points, so the interval and the tolerance share a unit.
                let interval = enough ? BlockBootstrap.difference(base: bb, candidate: cb, seed: seed, paired: paired) { side, w in
                    side.ratio(weights: w, { Double($0.errors) * 100 }, { Double($0.count) })
                } : nil
                let rb = nb > 0 ? Double(eb) / Double(nb) * 100 : nil, rc = nc > 0 ? Double(ec) / Double(nc) * 100 : nil
                var entry = judge(metric, rb, rc, interval: interval?.range, enough: enough && interval != nil, tolerance: tolerance,
                                  counts: (nb, nc))
                if interval != nil {
                    entry.baseEffective = BlockBootstrap.proportionEffectiveSize(bb, seed: seed &+ 1, part: { Double($0.errors) }, whole: { Double($0.count) })
                    entry.candidateEffective = BlockBootstrap.proportionEffectiveSize(cb, seed: seed &+ 2, part: { Double($0.errors) }, whole: { Double($0.count) })
                }
                return entry
            case .throughput, .goodput, .audio:
                let audio = metric == .audio, good = metric == .goodput
                func series(_ d: ScopeData) -> [Double] { audio ? d.audioPerSecond : good ? d.goodPerSecond : d.endedPerSecond }
                let bs = b.flatMap(series), cs = c.flatMap(series)
                let enough = bs.count >= minimumSeconds && cs.count >= minimumSeconds && blocksEnough
                func value(_ runs: [ScopeData]) -> Double? {
                    let seconds = runs.reduce(0) { $0 + $1.seconds }
                    guard seconds > 0 else { return nil }
                    if audio { return runs.contains { $0.audioSamples > 0 } ? runs.reduce(0) { $0 + $1.audioSeconds } / seconds : nil }
                    return Double(runs.reduce(0) { $0 + (good ? $1.endedGood : $1.ended) }) / seconds
                }
                let bv = value(b), cv = value(c)
                let interval = enough && bv != nil && cv != nil ? BlockBootstrap.difference(base: bb, candidate: cb, seed: seed, paired: paired) { side, w in
                    audio ? side.ratio(weights: w, \.audioSeconds, \.seconds)
                        : side.ratio(weights: w, { Double(good ? $0.endedGood : $0.ended) }, \.seconds)
                } : nil
                var entry = judge(metric, bv, cv, interval: interval?.range, enough: enough && interval != nil, tolerance: tolerance,
                                  counts: (bs.count, cs.count))
                if let interval {
                    entry.baseEffective = BlockBootstrap.effectiveSize(n: bs.count, iidVariance: Resampling.meanVariance(bs).1 / Double(bs.count),
                                                                       blockVariance: interval.baseVariance)
                    entry.candidateEffective = BlockBootstrap.effectiveSize(n: cs.count, iidVariance: Resampling.meanVariance(cs).1 / Double(cs.count),
                                                                            blockVariance: interval.candidateVariance)
                }
                return entry
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

    /// A side's facts and its steps with the knee, by the dashboard's rule (the first run's, when there are several).
    static func side(_ runs: [RunSide], _ data: SideData, _ rule: KneeRule) -> Comparison.Side {
        let side = runs[0]
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
        var notes = runs.flatMap { run in run.notes.map { runs.count > 1 ? "\(run.name): \($0)" : $0 } }
        if runs.count > 1 {
            notes.append("\(runs.count) runs: figures and intervals pool them (runs drawn as well as blocks of time); "
                         + "the knee is \(side.name)'s, each threshold shows the worst run")
        }
        return Comparison.Side(name: runs.map(\.name).joined(separator: ","), source: runs.map(\.source).joined(separator: ","),
                               title: side.title, samples: runs.reduce(0) { $0 + $1.samples.count },
                               duration: runs.map(\.duration).max() ?? 0, stepsInferred: runs.contains { $0.stepsInferred }, notes: notes,
                               groups: groups, runs: runs.count)
    }

    static func isIn(_ s: Sample, _ w: RunSide.Window, _ side: RunSide, single: Bool) -> Bool {
        guard single || s.groupName == w.group else { return false }
        let t = Double(s.start - side.t0) / 1_000_000
        return t >= w.holdStart && t < w.end
    }
}
