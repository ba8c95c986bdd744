import ArgumentParser
import Foundation
import Results

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a JTL file (JMeter's or ttsload's) into the SQLite store as a run; prints the run id.",
        discussion: """
            Reads a header with any of JMeter's columns, or a headerless file (JMeter 2.x's 12 columns or the
            default 17 by field count, else --columns), plus ttsload's TTS columns. Steps are inferred from
            allThreads plateaus, as the dashboard does. One transaction: a bad line (reported as FILE:LINE)
            leaves the store unchanged, exit 2. Standard output is the run id alone. See docs/results.md.
            """)

    @Argument(help: "The JTL (CSV) file.")
    var file: String

    @Option(help: ArgumentHelp("Column names of a headerless file, comma-separated (default: JMeter's 17, or 2.x's 12).",
                               valueName: "a,b,..."))
    var columns: String?

    @Option(help: "The SQLite store.")
    var store = "reports/ttsload.sqlite"

    @Option(help: "The run's plan name (default: the file's name without extension).")
    var name: String?

    func run() throws {
        guard FileManager.default.isReadableFile(atPath: file) else { throw CommandFailure(.usage, "\(file): no such readable file") }
        let resultStore: ResultStore
        do {
            resultStore = try ResultStore(path: store)
        } catch {
            throw CommandFailure(.runtime, "\(store): cannot open the store (\(error))")
        }
        let summary: JTLImport.Summary
        do {
            summary = try JTLImport.run(path: file, columns: columns.map { $0.split(separator: ",").map(String.init) },
                                        name: name, store: resultStore, toolVersion: TTSLoadVersion.described)
        } catch let failure as JTLImport.Failure {
            throw CommandFailure(.usage, "\(failure)\nnothing imported")
        } catch {
            throw CommandFailure(.runtime, "\(store): import failed, nothing imported (\(error))")
        }
        for warning in summary.warnings { printError("warning: \(warning)") }
        let layout = summary.headerless ? "headerless, \(summary.columns.count) columns" : "\(summary.columns.count) columns"
        let steps = summary.steps > 0 ? "\(summary.steps) step\(summary.steps == 1 ? "" : "s") inferred from allThreads" : "no steps (allThreads held no level)"
        printError("imported \(summary.samples) samples, \(summary.labels) labels (\(layout)); \(steps); \(store) run \(summary.runID)")
        print(summary.runID)
    }
}
