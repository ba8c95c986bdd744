import ArgumentParser
import Foundation
import Plan

/// `ttsload import-jmx`: a JMeter .jmx into a plan, its data files and an import report.
struct ImportJMXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-jmx",
        abstract: "Convert a JMeter test plan (.jmx) into a ttsload plan; report what was converted, approximated or skipped.",
        discussion: """
            Thread groups (JMeter's, Stepping, Concurrency, Open Model), HTTP requests with their defaults and headers,
            CSV Data Sets (rewritten beside the plan with a header row), timers and assertions become a plan; everything
            else is listed in the report with its path in the .jmx tree and why. Nothing stops the import but a file that
            is not a readable JMeter plan (exit 2). The plan is validated once written: exit 1 if it is not valid.
            See docs/jmx-import.md.
            """)

    @Argument(help: "The JMeter test plan (.jmx).")
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The plan to write (default: the .jmx's name with .yaml, in the current folder).", valueName: "plan.yaml"))
    var output: String?

    @Option(help: ArgumentHelp("Also write the import report as JSON to this file.", valueName: "FILE"))
    var report: String?

    @Option(help: "How long a thread group runs that JMeter runs without end or for a loop count.")
    var duration = "5m"

    @Flag(help: "Read CSV Data Set files outside the .jmx's folder (refused by default: a .jmx names files, it is not trusted to pick them).")
    var allowOutsideFiles = false

    @Flag(help: "Overwrite the plan and its data files if they exist.")
    var force = false

    func run() throws {
        guard let runFor = PlanDuration(parsing: duration), runFor.microseconds >= 1_000 else {
            throw CommandFailure(.usage, "--duration \(duration): expected a duration such as 5m")
        }
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let planPath = output ?? stem + ".yaml"
        let options = JMXImportOptions(planPath: planPath, allowOutsideFiles: allowOutsideFiles,
                                       defaultDurationMs: Int(runFor.microseconds / 1_000))
        let result: JMXImportResult
        do {
            result = try JMXImporter.convert(path: file, options: options)
        } catch {
            throw CommandFailure(.usage, "\(error)\nnothing written")
        }
        let planDirectory = parentDirectory(of: planPath)
        let paths = [planPath] + result.dataFiles.map { planDirectory.isEmpty ? $0.path : planDirectory + "/" + $0.path }
        if !force, let existing = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw CommandFailure(.usage, "\(existing) exists; pass --force to overwrite it (or -o another plan)")
        }
        do {
            for (path, (_, text)) in zip(paths.dropFirst(), result.dataFiles) {
                try FileManager.default.createDirectory(atPath: parentDirectory(of: path), withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            try result.yaml.write(toFile: planPath, atomically: true, encoding: .utf8)
            if let report { try result.report.json().write(to: URL(fileURLWithPath: report)) }
        } catch {
            throw CommandFailure(.runtime, "cannot write the plan: \(error)")
        }
        print(result.report.text)
        for path in paths.dropFirst() { print("data: \(path)") }
        if let report { print("report: \(report)") }
        print("plan: \(planPath)")
        do {
            let loaded = try PlanLoader.load(path: planPath)
            for warning in loaded.warnings { printError(warning.description) }
            print("\(planPath): valid (ttsload validate)")
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw CommandFailure(.negative, "\(planPath): the converted plan is not valid (\(error.errors.count) error\(error.errors.count == 1 ? "" : "s")); the report says what was left out")
        }
    }
}
