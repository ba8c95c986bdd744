import ArgumentParser
import Capacity
import Foundation
import Plan
import Report
import Results

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs label by label and step by step, with a verdict: regression, improvement or unchanged.",
        discussion: """
            Each side is a run folder, a JTL file (ttsload's or JMeter's), a run id in the store, or a baseline name
            (`ttsload baseline set`), or several runs of the same plan comma-separated (`A1,A2,A3`: replicates,
            whose spread then counts). A metric is a regression or an improvement only when its change is beyond the
            tolerance and the 95% confidence interval of the difference excludes 0: a block bootstrap that resamples
            seconds-long blocks of each run (and the runs), so a burst of noise widens the interval (fixed seed).
            Exit 0: no regression (inconclusive included unless --strict); 1: regression; 2: an input cannot be read;
            3: runtime failure. Two capacity search folders (`ttsload capacity`) are compared by their answers
            and the levels both measured instead (docs/capacity.md). See docs/compare.md.
            """)

    enum Format: String, ExpressibleByArgument { case text, json, markdown }

    @Argument(help: "BASE CANDIDATE, or only CANDIDATE with --baseline, or one A/B run folder (its side b against its side a); either may be a comma-separated list of runs.")
    var sides: [String] = []

    @Option(help: "Use this baseline from the store as the base.")
    var baseline: String?

    @Option(help: "SQLite store for run ids and baselines.")
    var store = "reports/ttsload.sqlite"

    @Option(help: "Output: text (a table), json, or markdown (for a pull-request comment).")
    var format: Format = .text

    @Option(help: "Also write the self-contained HTML comparison page to this file.")
    var html: String?

    @Option(help: ArgumentHelp("Column names of headerless JTL files, comma-separated (default: JMeter's 17, or 2.x's 12).",
                               valueName: "a,b,..."))
    var columns: String?

    @OptionGroup var options: CompareOptions

    func validate() throws {
        if baseline != nil {
            guard sides.count == 1 else { throw ValidationError("with --baseline give one run to compare: the candidate") }
        } else {
            guard sides.count == 2 || sides.count == 1 else {
                throw ValidationError("give two runs: BASE CANDIDATE (or --baseline NAME CANDIDATE, or one A/B run folder)")
            }
        }
    }

    func run() throws {
        if baseline == nil, sides.count == 1 {
            try compareABRun(sides[0])
            return
        }
        if baseline == nil, let reports = try capacityReports() {
            let comparison = CapacityComparison.compare(base: reports.base, candidate: reports.candidate)
            if format == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(comparison), as: UTF8.self))
            } else {
                print(format == .markdown ? "```\n\(comparison.text)\n```" : comparison.text)
            }
            if comparison.verdict == .regression || (options.strict && comparison.verdict == .inconclusive) {
                throw CommandFailure(.negative, "")
            }
            return
        }
        let loader = SideLoader(storePath: store, columns: columns.map { $0.split(separator: ",").map(String.init) })
        let base: [RunSide], candidate: [RunSide]
        do {
            if let baseline { base = [try loader.baseline(baseline)] } else { base = try loader.loadRuns(sides[0]) }
            candidate = try loader.loadRuns(sides[sides.count - 1])
        } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        let comparison = Comparator.compare(base: base, candidate: candidate, tolerances: try options.tolerances)
        try finishComparison(comparison, options: options, format: format, html: html)
    }

    /// One A/B run folder (`targets:`): its side b against its side a (docs/ab.md).
    private func compareABRun(_ folder: String) throws {
        let loader = SideLoader(storePath: store, columns: columns.map { $0.split(separator: ",").map(String.init) })
        let found: (a: RunSide, b: RunSide, targets: ABTargets)?
        do { found = try loader.abRun(folder) } catch { throw CommandFailure(.usage, "\(error)") }
        guard let found else {
            throw CommandFailure(.usage, "\(folder) is not an A/B run folder (its plan.yaml has no targets:): give two runs, BASE CANDIDATE")
        }
        let comparison = Comparator.compare(base: found.a, candidate: found.b, tolerances: try options.tolerances, paired: true)
        if format == .text { print("A/B: b against a (\(ABSides.describe(found.targets))):") }
        try finishComparison(comparison, options: options, format: format, html: html)
    }

    /// Both sides' capacity.json when both are capacity search folders; nil when neither is; an
    /// error when only one is (its samples ran other levels than the other side's steps).
    private func capacityReports() throws -> (base: CapacityReport, candidate: CapacityReport)? {
        let files = sides.map { RunFolder($0).capacity }
        let present = files.map { FileManager.default.fileExists(atPath: $0) }
        guard present.contains(true) else { return nil }
        guard present.allSatisfy({ $0 }) else {
            throw CommandFailure(.usage, "\(sides[present.firstIndex(of: true)!]) is a capacity search and \(sides[present.firstIndex(of: false)!]) is not: compare a capacity search with another")
        }
        let reports = try files.map { file -> CapacityReport in
            do { return try JSONDecoder().decode(CapacityReport.self, from: Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                throw CommandFailure(.usage, "\(file): not a capacity search's file (\(error))")
            }
        }
        return (reports[0], reports[1])
    }
}
