import ArgumentParser

/// The `ttsload` root command: subcommands only, one per file.
public struct TTSLoad: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ttsload",
        abstract: "Load tests for text-to-speech services: stepped load, TTS measures, JMeter-compatible results.",
        discussion: """
            Exit codes (every command): 0 success; 1 negative verdict (plan invalid, regression, threshold failed);
            2 usage error or unreadable input; 3 runtime failure; 130 interrupted. See docs/cli.md.
            """,
        version: TTSLoadVersion.current,
        subcommands: [RunCommand.self, ReportCommand.self, ImportCommand.self, ImportJMXCommand.self, CompareCommand.self, BaselineCommand.self, HistoryCommand.self, AgentCommand.self, AgentCertCommand.self, CollectCommand.self, CapacityCommand.self, ValidateCommand.self, PlanCommand.self, VersionCommand.self, ServerCommand.self, ServerWorkerCommand.self, StoreBenchCommand.self]
    )

    public init() {}
}
