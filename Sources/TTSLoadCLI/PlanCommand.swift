import ArgumentParser
import Plan
import Report

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Inspect a plan.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the load schedule a plan asks for: steps, users or rates, times, and a sparkline.")

        @Argument(help: "Plan file (YAML).")
        var plan: String

        @OptionGroup var overrideOptions: PlanOverrideOptions

        @Option(help: "Width of the sparkline in characters.")
        var width = 60

        func validate() throws {
            guard (10...400).contains(width) else { throw ValidationError("--width must be 10...400") }
        }

        func run() throws {
            let loaded = try loadPlanOrFail(plan, overrides: try overrideOptions.overrides)
            print(ScheduleText.render(plan: loaded.plan, profile: LoadProfile(plan: loaded.plan), width: width), terminator: "")
        }
    }
}
