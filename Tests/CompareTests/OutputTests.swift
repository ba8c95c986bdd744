import Foundation
import Plan
import Testing
@testable import Report
import Results

/// Terminal, Markdown, JSON and HTML renderings of one comparison with a known regression.
@Suite struct OutputTests {
    /// Three steps (1, 4, 8 users, 10 s holds): throughput 30, 50, 50 req/s while latency doubles each
    /// step, so step 3 is the knee (step 2 still bought throughput); the candidate's latencies are `scale` times the base's.
    static func stepped(scale: Double, seed: UInt64) -> RunSide {
        var random = SeededRandom(seed: seed)
        var samples: [Sample] = []
        var windows: [RunSide.Window] = []
        let levels = [1, 4, 8], rates = [30, 50, 50], medians = [30_000.0, 80_000, 160_000]
        for k in 0..<3 {
            let start = Double(k) * 11 + 1
            windows.append(RunSide.Window(group: "tts", index: k + 1, level: Double(levels[k]), unit: "users", holdStart: start, end: start + 10))
            for i in 0..<(rates[k] * 10) {
                let elapsed = Int64(medians[k] * scale * exp(0.1 * SyntheticSide.normal(&random)))
                let t = start + Double(i) / Double(rates[k])
                samples.append(Sample(start: SyntheticSide.t0 + Int64(t * 1e6), elapsed: elapsed, latency: elapsed, status: 200,
                                      success: true, label: i % 2 == 0 ? "short" : "long", groupName: "tts", allThreads: levels[k]))
            }
        }
        return RunSide(name: "run \(seed)", source: "synthetic", title: "stepped", samples: samples, t0: SyntheticSide.t0,
                       duration: 34, windows: windows, stepsInferred: false, notes: [])
    }

    let comparison = Comparator.compare(base: stepped(scale: 1, seed: 1), candidate: stepped(scale: 1.25, seed: 2))

    @Test func kneeIsFoundOnBothSides() {
        #expect(comparison.base.groups.first?.knee == 2)
        #expect(comparison.candidate.groups.first?.knee == 2)
        #expect(ComparisonText.knee(comparison.base) == "step 3 (8 users)")
    }

    @Test func terminalIsPlainWithoutColourAndListsWorstFirst() {
        let text = ComparisonText.terminal(comparison, color: false)
        #expect(!text.contains("\u{1B}"))
        let lines = text.split(separator: "\n")
        let first = lines.firstIndex { $0.contains("verdict") && $0.contains("scope") }.map { lines[$0 + 1] } ?? ""
        #expect(first.contains("REGRESSION"), "\(text)")
        #expect(text.contains("verdict: REGRESSION"))
        #expect(text.contains("knee: base step 3 (8 users); candidate step 3 (8 users)"))
        #expect(!text.contains("  unchanged  "), "unchanged entries are counted, not listed")
        #expect(ComparisonText.terminal(comparison, color: false, all: true).contains("unchanged"))
    }

    @Test func terminalColoursRegressionsRed() {
        let text = ComparisonText.terminal(comparison, color: true)
        #expect(text.contains("\u{1B}[31m  REGRESSION"))
        #expect(text.contains("\u{1B}[1;31mREGRESSION\u{1B}[0m"))
    }

    @Test func markdownHasTheVerdictAndATable() {
        let md = ComparisonText.markdown(comparison)
        #expect(md.hasPrefix("### ttsload compare: regression"))
        #expect(md.contains("| verdict | scope | metric |"))
        #expect(md.contains("| REGRESSION | tts step 3 (8 users) | p95 ms |"))
        #expect(md.contains("<details>"))
    }

    @Test func jsonCarriesEveryEntryAndTheExitCode() throws {
        let json = try ComparisonJSON.encode(comparison, strict: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "regression")
        #expect(object["exit_code"] as? Int == 1)
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.count == comparison.scopes.count * CompareMetric.allCases.count)
        #expect(entries.first?["verdict"] as? String == "regression")
        let p95 = entries.first { $0["scope"] as? String == "tts step 3 (8 users)" && $0["metric"] as? String == "p95" }
        #expect(((p95?["relative"] as? Double) ?? 0) > 0.2)
        #expect((p95?["ci_low"] as? Double ?? 0) > 0)
        let base = try #require(object["base"] as? [String: Any])
        #expect((base["knees"] as? [[String: Any]])?.first?["step"] as? Int == 3)
    }

    @Test func htmlIsSelfContainedWithChartsAndKnees() {
        let html = ComparisonPage.html(comparison)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
        #expect(html.contains("base knee") && html.contains("candidate knee"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script") && !html.contains("<link"))
        #expect(html.contains("<tr class=\"regression\">"))
    }

    @Test func labelsOnOneSideAreReportedUnmatched() {
        var other = Self.stepped(scale: 1, seed: 3)
        other.samples = other.samples.map { var s = $0; if s.label == "long" { s.label = "longer" }; return s }
        let c = Comparator.compare(base: Self.stepped(scale: 1, seed: 1), candidate: other)
        #expect(c.unmatched.contains("label long only in the base"))
        #expect(c.unmatched.contains("label longer only in the candidate"))
        #expect(c.scopes.contains { $0.kind == .label && $0.name == "short" })
    }
}
