/// How to start one synthesis worker process: normally this very binary with the hidden
/// `server-worker` subcommand, so the server needs no second executable.
public struct WorkerCommand: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]

    public init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }
}
