import Foundation
import Results

/// The verdict as JUnit XML, the format CI systems read test results in (GitLab, Jenkins, GitHub
/// actions' reporters): one testcase per threshold, and per step for `each step` thresholds; a
/// failed threshold is a `<failure>` with the value and the limit.
///
/// Written by hand on purpose: the schema used is a dozen fixed elements and attributes, and the
/// one thing to get right, XML escaping, is below; tests read the file with junitparser (PyPI).
public enum JUnitReport {
    public static func xml(_ v: ThresholdVerdict, plan: String, durationSeconds: Double) -> String {
        var cases: [String] = []
        var failures = 0
        func testcase(_ name: String, passed: Bool, message: String, detail: String) {
            var c = "    <testcase classname=\"\(escape("ttsload.\(plan)"))\" name=\"\(escape(name))\" time=\"0\">"
            if passed {
                c += "\n      <system-out>\(escape(message))</system-out>\n    </testcase>"
            } else {
                failures += 1
                c += "\n      <failure type=\"threshold\" message=\"\(escape(message))\">\(escape(detail))</failure>\n    </testcase>"
            }
            cases.append(c)
        }
        for (i, j) in v.thresholds.enumerated() {
            if j.judgedOn == "each step" {
                for row in v.steps where row.ran {
                    guard let cell = row.cells[i] else { continue }
                    testcase("\(j.expression) [\(row.name)\(Set(v.steps.map(\.group)).count > 1 ? ", \(row.group)" : "")]",
                             passed: cell.passed, message: "\(cell.shown) on the hold of \(row.name)",
                             detail: "\(j.expression): \(cell.shown) on the hold of \(row.name)")
                }
                continue
            }
            let message = "\(j.shown) over the \(j.judgedOn == "run" ? "whole run" : j.judgedOn)" + (j.note.map { " (\($0))" } ?? "")
            testcase(j.expression, passed: j.passed, message: message, detail: "\(j.expression): \(message)")
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"ttsload\" tests=\"\(cases.count)\" failures=\"\(failures)\" time=\"\(String(format: "%.3f", durationSeconds))\">\n"
        out += "  <testsuite name=\"\(escape("\(plan) thresholds"))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(String(format: "%.3f", durationSeconds))\">\n"
        if let stop = v.stop { out += "    <properties><property name=\"stopped\" value=\"\(escape(stop.text))\"/></properties>\n" }
        out += cases.joined(separator: "\n") + "\n"
        out += "    <system-out>\(escape(v.answer))</system-out>\n"
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// Escapes the five XML specials and drops characters XML 1.0 cannot hold.
    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && !(0xFFFE...0xFFFF).contains(scalar.value) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
