import ArgumentParser
import Foundation
import Plan
import Report
import Results

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the stored runs of a plan with their key figures and a trend sparkline.")

    @Argument(help: "Plan file, or a plan name as stored.")
    var plan: String

    @Option(help: "SQLite store.")
    var store = "reports/ttsload.sqlite"

    @Option(help: "Show at most this many of the newest runs.")
    var limit = 30

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be > 0") }
    }

    func run() throws {
        // A plan file gives its name; anything else is taken as the name itself.
        let name = FileManager.default.fileExists(atPath: plan) ? try loadPlanOrFail(plan, overrides: []).plan.name : plan
        guard FileManager.default.fileExists(atPath: store) else { throw CommandFailure(.usage, "\(store): no such store") }
        do {
            let results = try ResultStore(path: store)
            let runs = try results.runs(planName: name).suffix(limit)
            guard !runs.isEmpty else { throw CommandFailure(.usage, "no runs of plan '\(name)' in \(store)") }
            let baselines = try results.baselines()
            let rows = try runs.map { run in
                HistoryText.Row(run: run, figures: try results.figures(run: run.id),
                                baselines: baselines.filter { $0.runID == run.id }.map(\.name))
            }
            print(HistoryText.render(plan: name, rows: rows), terminator: "")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.runtime, "\(store): \(error)")
        }
    }
}
