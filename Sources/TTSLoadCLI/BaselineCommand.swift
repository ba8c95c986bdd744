import ArgumentParser
import Foundation
import Results

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Name stored runs as baselines for `ttsload compare --baseline NAME`.",
        subcommands: [SetBaseline.self, List.self])

    struct SetBaseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Point a baseline name at a stored run (the id `ttsload run` prints as `store: ... (run N)`).")

        @Argument(help: ArgumentHelp("Run id in the store, or `latest` (the newest complete run).", valueName: "run"))
        var runSpec: String

        @Option(help: "Baseline name, e.g. main.")
        var name: String

        @Option(help: "SQLite store.")
        var store = "reports/ttsload.sqlite"

        func validate() throws {
            guard !name.isEmpty, !name.allSatisfy(\.isNumber) else { throw ValidationError("--name must not be empty or all digits (those are run ids)") }
            guard runSpec == "latest" || Int64(runSpec) != nil else { throw ValidationError("RUN must be a run id or `latest`, got '\(runSpec)'") }
        }

        func run() throws {
            guard FileManager.default.fileExists(atPath: store) else { throw CommandFailure(.usage, "\(store): no such store") }
            do {
                let results = try ResultStore(path: store)
                guard let id = runSpec == "latest" ? try results.latestCompleteRun() : Int64(runSpec) else {
                    throw CommandFailure(.usage, "\(store) has no complete run")
                }
                guard let stored = try results.run(id) else { throw CommandFailure(.usage, "no run \(id) in \(store)") }
                try results.setBaseline(name, run: id)
                print("baseline \(name) -> run \(id) (\(stored.planName), \(stored.status))")
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure(.runtime, "\(store): \(error)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the baselines of the store.")

        @Option(help: "SQLite store.")
        var store = "reports/ttsload.sqlite"

        func run() throws {
            guard FileManager.default.fileExists(atPath: store) else { throw CommandFailure(.usage, "\(store): no such store") }
            do {
                let results = try ResultStore(path: store)
                for b in try results.baselines() {
                    let plan = try results.run(b.runID)?.planName ?? "?"
                    print("\(b.name)\trun \(b.runID)\t\(plan)")
                }
            } catch {
                throw CommandFailure(.runtime, "\(store): \(error)")
            }
        }
    }
}
