import ArgumentParser
import Foundation
import Plan

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check plans and report every problem as file:line:column.",
        discussion: "Exits 0 when every plan is valid, 1 when one is invalid, 2 when one cannot be read.")

    @Argument(help: "Plan files (YAML).")
    var plans: [String]

    @OptionGroup var overrideOptions: PlanOverrideOptions

    @Flag(name: .shortAndLong, help: "Print only problems, not the line per valid plan.")
    var quiet = false

    func run() throws {
        let overrides = try overrideOptions.overrides
        var worst = ExitStatus.success
        for path in plans {
            do {
                let loaded = try loadPlanOrFail(path, overrides: overrides)
                if !quiet {
                    let profile = LoadProfile(plan: loaded.plan)
                    let groups = loaded.plan.threadGroups.count
                    print("\(path): ok (\(groups) thread group\(groups == 1 ? "" : "s"), \(PlanDuration(seconds: profile.duration)))")
                }
            } catch let failure as CommandFailure {
                printError(failure.message)
                if failure.status == .usage || worst == .success { worst = failure.status }
            }
        }
        if worst != .success { throw CommandFailure(worst) }
    }
}
