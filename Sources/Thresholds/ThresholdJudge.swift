import Plan
import Results

/// Judges a plan's thresholds on a run's samples, exactly: every sample is counted once in the
/// tally of each scope it belongs to, for the whole run and for the hold of its step (placed by its
/// start, as the per-step tables place it), and percentiles come from merged histograms, never
/// averaged. Fed the samples of one process as they are drained, or the merged spools of every
/// agent, or a JTL file read after the fact: the verdict is the same for the same samples.
public struct ThresholdJudge: Sendable {
    /// A step's hold of one thread group: a row of the grid.
    public struct Row: Sendable {
        public var group: Int
        public var groupName: String
        public var step: ScheduleStep
    }

    public let thresholds: [Threshold]
    public let rows: [Row]
    /// Wall-clock µs of schedule time 0 (places samples in steps).
    public var startWall: Int64
    /// A threshold's scope (nil: every sample; a name: samples of that thread group or label) and,
    /// in an A/B run, its side.
    private struct ScopeKey: Equatable {
        var scope: String?
        var side: ABSide?
        init(_ t: Threshold) {
            scope = t.scope
            side = t.side
        }
        func covers(_ s: Sample) -> Bool {
            if let side, ABSide.split(s.groupName)?.side != side { return false }
            return scope == nil || scope == s.label || scope == s.groupName
        }
    }
    private let scopes: [ScopeKey]
    private let groupNames: Set<String>
    private var whole: [SampleTally<SparseHistogram>]
    /// [scope][row]
    private var held: [[SampleTally<SparseHistogram>]]
    /// Plan group index -> position in `profile.groups`.
    private let schedules: [Int: GroupSchedule]

    public init(thresholds: [Threshold], profile: LoadProfile, groupIndices: [String: Int], startWall: Int64) {
        self.thresholds = thresholds
        self.startWall = startWall
        var rows: [Row] = []
        var schedules: [Int: GroupSchedule] = [:]
        for (position, schedule) in profile.groups.enumerated() {
            let index = groupIndices[schedule.name] ?? position
            schedules[index] = schedule
            rows += schedule.steps.map { Row(group: index, groupName: schedule.name, step: $0) }
        }
        self.rows = rows
        self.schedules = schedules
        groupNames = Set(profile.groups.map(\.name))
        var scopes: [ScopeKey] = []
        for t in thresholds where !scopes.contains(ScopeKey(t)) { scopes.append(ScopeKey(t)) }
        self.scopes = scopes
        // The extra figures cost a few records per sample: only when a threshold reads them.
        let extended = thresholds.contains { $0.metric.needsExtendedTally }
        whole = scopes.map { _ in SampleTally(extended: extended) }
        held = scopes.map { _ in rows.map { _ in SampleTally(extended: extended) } }
    }

    public mutating func add(_ batch: [Sample]) {
        for s in batch { add(s) }
    }

    public mutating func add(_ s: Sample) {
        var row: Int?
        if let schedule = schedules[s.groupIndex] {
            let t = Double(s.start - startWall) / 1_000_000
            if let step = schedule.step(at: t), t >= step.holdStart {
                row = rows.firstIndex { $0.group == s.groupIndex && $0.step.index == step.index }
            }
        }
        for (i, scope) in scopes.enumerated() where scope.covers(s) {
            whole[i].add(s)
            if let row { held[i][row].add(s) }
        }
    }

    /// The verdict of the samples added so far.
    ///
    /// - Parameters:
    ///   - durationSeconds: from schedule time 0 to the end of the load: rates over the whole run,
    ///     and which steps' holds the run reached.
    ///   - stop: what ended the run early, if anything.
    ///   - monitors: the run's monitor series, for thresholds on them.
    public func verdict(durationSeconds: Double, stop: ThresholdVerdict.Stop? = nil,
                        monitors: [MonitorSeries] = []) -> ThresholdVerdict {
        // A step ran when at least a second of its hold did (or all of a shorter hold), and not
        // after the step stop_when ended the run at (the stop comes a moment into the next ramp).
        let ran = rows.map { row in
            row.step.holdStart + min(1, row.step.end - row.step.holdStart) <= durationSeconds + 1e-6
                && (stop?.stepIndex.map { row.step.index <= $0 } ?? true)
        }
        func holdSeconds(_ r: Int) -> Double { min(rows[r].step.end, durationSeconds) - rows[r].step.holdStart }
        func applies(_ t: Threshold, row r: Int) -> Bool {
            if let scope = t.scope, groupNames.contains(scope), scope != rows[r].groupName { return false }
            if let side = t.side, ABSide.split(rows[r].groupName)?.side != side { return false }
            if case .step(let n) = t.steps, rows[r].step.index != n { return false }
            return true
        }
        var cells = rows.map { _ in [ThresholdVerdict.Cell?](repeating: nil, count: thresholds.count) }
        var judged: [ThresholdVerdict.Judged] = []
        for (i, t) in thresholds.enumerated() {
            let scope = scopes.firstIndex(of: ScopeKey(t))!
            let micros = { (seconds: Double) in startWall + Int64(seconds * 1_000_000) }
            for r in rows.indices where ran[r] && applies(t, row: r) {
                let v = t.metric.monitorSeries == nil
                    ? t.metric.value(of: held[scope][r], seconds: holdSeconds(r))
                    : t.metric.value(of: monitors, fromMicros: micros(rows[r].step.holdStart),
                                     toMicros: micros(min(rows[r].step.end, durationSeconds)), t0: startWall)
                cells[r][i] = ThresholdVerdict.Cell(value: v, shown: t.metric.show(v), passed: t.holds(v))
            }
            var j = ThresholdVerdict.Judged(expression: t.expression, judgedOn: t.judgedOn, value: nil, shown: "", passed: false,
                                            note: nil, abort: t.abort)
            switch t.steps {
            case .run:
                if let series = t.metric.monitorSeries {
                    j.value = t.metric.value(of: monitors, fromMicros: startWall, toMicros: micros(durationSeconds + 1), t0: startWall)
                    if j.value == nil {
                        j.note = monitors.contains { $0.name == series } ? "too few points to judge" : "no series \(series) was recorded"
                    }
                } else {
                    j.value = t.metric.value(of: whole[scope], seconds: durationSeconds)
                    if j.value == nil { j.note = "no samples to judge" }
                }
                j.passed = t.holds(j.value)
            case .step(let n):
                let judgedRows = rows.indices.filter { rows[$0].step.index == n && applies(t, row: $0) }
                let reached = judgedRows.filter { ran[$0] }
                if reached.isEmpty {
                    j.note = judgedRows.isEmpty ? "the plan has no step \(n)" : "step \(n) not reached"
                } else {
                    // Several groups with a step n: the worst of them decides.
                    let values = reached.map { cells[$0][i] }
                    j.passed = values.allSatisfy { $0?.passed == true }
                    j.value = worst(t, values.map { $0?.value })
                    if j.value == nil { j.note = "no samples to judge" }
                }
            case .each:
                let reached = rows.indices.filter { ran[$0] && applies(t, row: $0) }
                let broken = reached.filter { cells[$0][i]?.passed != true }
                j.passed = !reached.isEmpty && broken.isEmpty
                j.value = worst(t, reached.map { cells[$0][i]?.value })
                if reached.isEmpty { j.note = "no step reached" }
                if !broken.isEmpty { j.note = "broken at " + broken.map { "step \(rows[$0].step.index)" }.joined(separator: ", ") }
            }
            // The threshold that aborted the run failed, whatever the whole run's figure says (once
            // stopped early, the rest of the run that would have broken it further never came).
            if let stop, stop.kind == "abort", stop.expression == t.expression, t.abort {
                j.passed = false
                j.note = "aborted the run at \(Int(stop.atSeconds.rounded())) s"
            }
            j.shown = t.metric.show(j.value)
            judged.append(j)
        }
        let stepRows = rows.indices.map { r in
            ThresholdVerdict.StepRow(group: rows[r].groupName, step: rows[r].step.index, name: rows[r].step.name,
                                     level: rows[r].step.level, ran: ran[r], cells: cells[r])
        }
        let within = withinSteps(cells: cells, ran: ran)
        let passed = judged.allSatisfy(\.passed)
        var answer = judged.isEmpty ? "no thresholds" : passed ? "all \(judged.count) thresholds passed"
            : "\(judged.filter { !$0.passed }.count) of \(judged.count) thresholds failed"
        if rows.count > 1 { answer += "; " + within.map { (within.count > 1 ? "\($0.group): " : "") + $0.text }.joined(separator: "; ") }
        return ThresholdVerdict(passed: passed, thresholds: judged, steps: stepRows, within: within, answer: answer, stop: stop)
    }

    /// The value furthest on the failing side (nil when any is missing: that fails too).
    private func worst(_ t: Threshold, _ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        guard present.count == values.count, !present.isEmpty else { return nil }
        switch t.comparison {
        case .lessThan, .lessOrEqual: return present.max()
        case .greaterThan, .greaterOrEqual: return present.min()
        }
    }

    /// Per thread group with steps: the last step up to which every step kept every threshold that applies.
    private func withinSteps(cells: [[ThresholdVerdict.Cell?]], ran: [Bool]) -> [ThresholdVerdict.Within] {
        var out: [ThresholdVerdict.Within] = []
        var seen: [Int] = []
        for row in rows where !seen.contains(row.group) {
            seen.append(row.group)
            let mine = rows.indices.filter { rows[$0].group == row.group }
            var last: Int?
            var breaker: String?
            for r in mine {
                guard ran[r] else { breaker = breaker ?? "the run ended before step \(rows[r].step.index)"; break }
                let failed = cells[r].indices.filter { cells[r][$0].map { !$0.passed } ?? false }
                if let f = failed.first {
                    breaker = "step \(rows[r].step.index) (\(levelText(rows[r]))) broke \(thresholds[f].expression): \(cells[r][f]!.shown)"
                    break
                }
                last = r
            }
            let text: String
            if let last {
                let full = last == mine.last
                text = "within every threshold up to step \(rows[last].step.index) (\(levelText(rows[last])))"
                    + (full ? ", the last step" : breaker.map { "; \($0)" } ?? "")
            } else {
                text = "no step within every threshold" + (breaker.map { ": \($0)" } ?? "")
            }
            out.append(ThresholdVerdict.Within(group: row.groupName, step: last.map { rows[$0].step.index },
                                               level: last.map { rows[$0].step.level }, text: text))
        }
        return out
    }

    private func levelText(_ row: Row) -> String {
        row.step.name.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
