import Foundation
import Results

/// The verdict as the terminal prints it: each threshold (numbered: the grid's columns), the steps
/// x thresholds grid over each step's hold, and what stopped the run early.
public enum VerdictText {
    public static func text(_ v: ThresholdVerdict) -> String {
        var out = ""
        let width = min(48, v.thresholds.map { $0.expression.count }.max() ?? 0)
        for (i, j) in v.thresholds.enumerated() {
            out += "  \(j.passed ? "pass" : "FAIL")  #\(i + 1) \(pad(j.expression, width))  \(pad(j.judgedOn, 9))  \(j.shown)"
            if let note = j.note { out += "  (\(note))" }
            out += "\n"
        }
        let judgedRows = v.steps.filter { $0.cells.contains { $0 != nil } || !$0.ran }
        if v.steps.count > 1, !judgedRows.isEmpty {
            let nameWidth = min(36, v.steps.map(\.name.count).max() ?? 0)
            let groups = Set(v.steps.map(\.group)).count
            out += "  per step (hold):\n"
            out += "    \(pad(groups > 1 ? "group / step" : "step", nameWidth + (groups > 1 ? 16 : 0)))"
            for i in v.thresholds.indices { out += "  " + pad("#\(i + 1)", 14) }
            out += "\n"
            for row in v.steps {
                let name = groups > 1 ? pad(row.group, 15) + " " + pad(row.name, nameWidth) : pad(row.name, nameWidth)
                out += "    \(name)"
                if !row.ran {
                    out += "  not run\n"
                    continue
                }
                for cell in row.cells {
                    out += "  " + pad(cell.map { ($0.passed ? "ok " : "FAIL ") + $0.shown } ?? "-", 14)
                }
                out += "\n"
            }
        }
        if let stop = v.stop { out += "  \(stop.text)\n" }
        return out
    }

    /// `verdict: PASSED: all 3 thresholds passed; ...` or `verdict: FAILED: ...`.
    public static func line(_ v: ThresholdVerdict) -> String {
        "verdict: \(v.passed ? "PASSED" : "FAILED"): \(v.answer)"
    }

    private static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }
}
