import ArgumentParser
import Foundation
import Plan

/// `--set path=value`, shared by every command that reads a plan.
struct PlanOverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Override a plan field, e.g. --set thread_groups[0].load.steps=[1,2,4] (value read as YAML).",
                               valueName: "path=value"))
    var rawOverrides: [String] = []

    var overrides: [PlanOverride] {
        get throws {
            try rawOverrides.map { text in
                guard let override = PlanOverride(parsing: text) else {
                    throw ValidationError("--set \(text): expected path=value, e.g. --set defaults.timeout.response=10s")
                }
                return override
            }
        }
    }

    func validate() throws { _ = try overrides }
}

/// Loads a plan for a command: unreadable file -> exit 2, invalid plan -> exit 1, both with every diagnostic printed.
func loadPlanOrFail(_ path: String, overrides: [PlanOverride]) throws -> LoadedPlan {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw CommandFailure(.usage, "\(path): cannot read the plan file (missing or not readable)")
    }
    do {
        let loaded = try PlanLoader.load(path: path, overrides: overrides)
        Secrets.redactor = Redactor(loaded.plan.secretValues)
        for warning in loaded.warnings { printError(warning.description) }
        return loaded
    } catch {
        for diagnostic in error.diagnostics { printError(diagnostic.description) }
        throw CommandFailure(.negative, "\(path): \(error.errors.count) error\(error.errors.count == 1 ? "" : "s")")
    }
}
