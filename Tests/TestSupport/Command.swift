import Foundation

/// What a finished helper command (`ip`, `python3`, ...) printed and returned.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
}

/// Runs `arguments` (the first one looked up on PATH through /usr/bin/env, or an absolute path),
/// feeds it `input` on stdin, and waits for it to exit. Both output pipes are drained on their own
/// threads so that a chatty command can never block on a full pipe.
public func runCommand(_ arguments: [String], input: String? = nil,
                       environment: [String: String]? = nil) throws -> CommandOutput {
    let process = Process()
    if let first = arguments.first, first.hasPrefix("/") {
        process.executableURL = URL(fileURLWithPath: first)
        process.arguments = Array(arguments.dropFirst())
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
    }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin
    try process.run()
    let outData = LockedData(), errData = LockedData()
    Thread { outData.set(out.fileHandleForReading.readDataToEndOfFile()) }.start()
    Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    process.waitUntilExit()
    return CommandOutput(status: process.terminationStatus,
                         stdout: String(decoding: outData.wait(), as: UTF8.self),
                         stderr: String(decoding: errData.wait(), as: UTF8.self))
}
