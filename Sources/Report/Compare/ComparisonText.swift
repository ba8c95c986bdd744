import Foundation

/// The comparison as terminal text (a table, worst first; ANSI colour when asked) and as
/// Markdown for a pull-request comment.
public enum ComparisonText {
    /// The terminal report. Unchanged and n/a entries are counted, not listed, unless `all`.
    public static func terminal(_ c: Comparison, color: Bool, all: Bool = false) -> String {
        var out = header(c, bullet: "")
        let shown = c.ranked.filter { all ? true : $0.entry.verdict != .unchanged && $0.entry.verdict != .missing }
        if shown.isEmpty {
            out += "\nno metric changed beyond its tolerance\n"
        } else {
            let rows = shown.map { cells($0.scope, $0.entry) }
            out += "\n" + table(header: ["verdict", "scope", "metric", "base", "candidate", "delta", "delta %", "95% CI of delta", "eff. n"],
                                rows: rows, color: color ? shown.map { ansi($0.entry.verdict) } : nil)
        }
        if !all {
            let hidden = c.count(.unchanged), missing = c.count(.missing)
            if hidden + missing > 0 { out += "\(hidden) unchanged and \(missing) n/a not listed (--all lists them)\n" }
        }
        out += thresholdText(c)
        out += "\n" + verdictLine(c, color: color) + "\n"
        return out
    }

    /// Each threshold of the candidate's (or base's) plan, judged on both sides.
    static func thresholdText(_ c: Comparison) -> String {
        guard let from = c.thresholdsFrom, !c.thresholds.isEmpty else { return "" }
        let rows = c.thresholds.map { t in
            [t.expression, "\(t.base.shown) \(t.base.passed ? "pass" : "FAIL")", "\(t.candidate.shown) \(t.candidate.passed ? "pass" : "FAIL")"]
        }
        return "\nthresholds (the \(from)'s plan; not part of the comparison's verdict):\n"
            + ScheduleText.table(header: ["threshold", "base", "candidate"], rows: rows)
    }

    /// Markdown: the verdict, the changed entries as a table, every entry in a collapsed section.
    public static func markdown(_ c: Comparison) -> String {
        var out = "### ttsload compare: \(c.overall)\n\n"
        out += header(c, bullet: "- ")
        out += "\n" + summary(c) + "\n\n"
        let head = "| verdict | scope | metric | base | candidate | delta | delta % | 95% CI of delta | eff. n |\n|---|---|---|---:|---:|---:|---:|---|---:|\n"
        func rows(_ list: [(scope: Comparison.Scope, entry: Comparison.Entry)]) -> String {
            list.map { item in
                "| " + cells(item.scope, item.entry).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }.joined()
        }
        let changed = c.ranked.filter { $0.entry.verdict != .unchanged && $0.entry.verdict != .missing }
        out += changed.isEmpty ? "No metric changed beyond its tolerance.\n" : head + rows(changed)
        out += "\n<details><summary>All \(c.ranked.count) entries</summary>\n\n" + head + rows(c.ranked) + "\n</details>\n"
        if let from = c.thresholdsFrom, !c.thresholds.isEmpty {
            out += "\nThresholds (the \(from)'s plan):\n\n| threshold | base | candidate |\n|---|---:|---:|\n"
            for t in c.thresholds {
                out += "| `\(t.expression)` | \(t.base.shown) \(t.base.passed ? "pass" : "**FAIL**") | \(t.candidate.shown) \(t.candidate.passed ? "pass" : "**FAIL**") |\n"
            }
        }
        return out
    }

    /// Who was compared with whom, the tolerances, the knees, what did not match.
    static func header(_ c: Comparison, bullet: String) -> String {
        var out = ""
        for (role, side) in [("base", c.base), ("candidate", c.candidate)] {
            out += "\(bullet)\(role): \(side.name) [\(side.title)], \(side.samples) samples, \(ScheduleText.clock(side.duration))"
            out += side.stepsInferred ? ", steps inferred from allThreads\n" : "\n"
            for note in side.notes { out += "\(bullet)  note: \(note)\n" }
        }
        out += "\(bullet)knee: base \(knee(c.base)); candidate \(knee(c.candidate))\n"
        out += "\(bullet)tolerances: " + CompareMetric.allCases.map { m in
            "\(m.rawValue) \(m.toleranceIsAbsolute ? number(c.tolerances[m]) + " pt" : number(c.tolerances[m] * 100) + "%")"
        }.joined(separator: ", ") + "\n"
        out += "\(bullet)\(c.goodputRule)\n"
        for u in c.unmatched { out += "\(bullet)unmatched: \(u)\n" }
        for n in c.noisy { out += "\(bullet)noisy run: \(n): no change is called a regression or an improvement\n" }
        return out
    }

    /// `step 3 (100 users)` per group, or `no knee`.
    static func knee(_ side: Comparison.Side) -> String {
        let parts = side.groups.map { g -> String in
            let prefix = side.groups.count > 1 ? g.name + " " : ""
            guard let k = g.knee else { return prefix + "no knee" }
            let row = g.rows[k]
            return prefix + "step \(row.index) (\(RunText.level(row.level)) \(row.unit))"
        }
        return parts.isEmpty ? "no steps" : parts.joined(separator: ", ")
    }

    static func summary(_ c: Comparison) -> String {
        let inconclusive = c.count(.notSignificant) + c.count(.tooFewSamples) + c.count(.noisyRun)
        return "\(c.count(.regression)) regression(s), \(c.count(.improvement)) improvement(s), \(inconclusive) inconclusive, "
            + "\(c.count(.unchanged)) unchanged"
    }

    static func verdictLine(_ c: Comparison, color: Bool) -> String {
        let word = c.overall.uppercased()
        let painted = color ? (c.hasRegression ? "\u{1B}[1;31m" : c.count(.improvement) > 0 ? "\u{1B}[1;32m" : "\u{1B}[1m") + word + "\u{1B}[0m" : word
        return "verdict: \(painted) (\(summary(c)))"
    }

    static func cells(_ scope: Comparison.Scope, _ e: Comparison.Entry) -> [String] {
        let unit = e.metric.toleranceIsAbsolute ? " pt" : ""
        let ci = e.interval.map { "[\(signed($0.lowerBound)), \(signed($0.upperBound))]" } ?? "-"
        return [e.verdict == .regression || e.verdict == .improvement ? e.verdict.rawValue.uppercased() : e.verdict.rawValue,
                scope.title, e.metric.title, e.base.map(number) ?? "-", e.candidate.map(number) ?? "-",
                e.delta.map { signed($0) + unit } ?? "-", e.relative.map { signed($0 * 100) + "%" } ?? "-", ci, effective(e)]
    }

    /// `base/candidate` effective sample sizes (independent values worth of evidence), or `-`.
    static func effective(_ e: Comparison.Entry) -> String {
        guard let b = e.baseEffective, let c = e.candidateEffective else { return "-" }
        return "\(b)/\(c)"
    }

    static func ansi(_ v: Verdict) -> String {
        switch v {
        case .regression: return "\u{1B}[31m"
        case .improvement: return "\u{1B}[32m"
        case .notSignificant, .tooFewSamples, .noisyRun: return "\u{1B}[33m"
        case .unchanged, .missing: return "\u{1B}[2m"
        }
    }

    /// Left-aligned text columns, numbers right-aligned; each row painted with its colour when given.
    static func table(header: [String], rows: [[String]], color: [String]?) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        let right: Set<Int> = [3, 4, 5, 6, 8]
        func line(_ row: [String]) -> String {
            "  " + row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return right.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(header) + "\n"
        for (i, row) in rows.enumerated() {
            out += color.map { $0[i] + line(row) + "\u{1B}[0m" } ?? line(row)
            out += "\n"
        }
        return out
    }

    /// Three significant digits, whole numbers from 1000 (no digit grouping: terminals, Markdown, JSON readers).
    static func number(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1_000 { return String(format: "%.0f", v) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    static func signed(_ v: Double) -> String { (v > 0 ? "+" : v < 0 ? "" : "±") + number(v) }
}
