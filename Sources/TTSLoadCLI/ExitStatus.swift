import ArgumentParser
import Foundation
import Plan

/// The exit codes every command uses (docs/cli.md).
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// The command's verdict is negative: plan invalid, regression found, thresholds failed.
    case negative = 1
    /// Bad flag, missing file, unreadable input.
    case usage = 2
    /// Target down, agent refused, internal error.
    case runtime = 3
    case interrupted = 130
}

/// An error that ends a command with a given status after printing `message` (if any) to stderr.
public struct CommandFailure: Error, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String = "") {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// Runs the CLI and maps every outcome to the exit-code table.
public enum CLIMain {
    public static func main(_ arguments: [String]? = nil) async -> Never {
        let status: ExitStatus
        do {
            var command = try TTSLoad.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = .success
        } catch let failure as CommandFailure {
            if !failure.message.isEmpty { printError(failure.message) }
            status = failure.status
        } catch {
            let code = TTSLoad.exitCode(for: error)
            let message = TTSLoad.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                status = .success
            } else if code == .validationFailure {
                // swift-argument-parser uses 64 (EX_USAGE); our table says 2 for every usage error.
                printError(message)
                printError("Run 'ttsload help' for usage.")
                status = .usage
            } else if code.rawValue == ExitStatus.negative.rawValue {
                status = .negative
            } else {
                printError("error: \(message)")
                status = .runtime
            }
        }
        FileHandle.standardOutput.synchronizeFile()
        exit(status.rawValue)
    }
}

/// Writes a line to standard error, the plan's secrets hidden (`Secrets.redactor`).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((Secrets.redactor.redact(text) + "\n").utf8))
}

/// The secrets of the plan this process runs, hidden in what it prints; set once the plan is loaded.
enum Secrets {
    nonisolated(unsafe) static var redactor = Redactor([])
}
