import Foundation
import Testing

/// The repository root, found from this file's path (Tests/ReportTests/CLISupport.swift; copied from CLITests).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `ttsload` binary built beside this test bundle (`make test` builds it first), or `TTSLOAD_BIN`.
let ttsloadBinary: String = {
    if let path = ProcessInfo.processInfo.environment["TTSLOAD_BIN"] { return path }
    let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [bundleDir.appendingPathComponent("ttsload").path,
                      Bundle.main.bundleURL.appendingPathComponent("ttsload").path,
                      repositoryRoot + "/.build/debug/ttsload"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repositoryRoot + "/.build/debug/ttsload"
}()

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `ttsload` with `arguments` in the repository root and waits for it to exit.
func runTTSLoad(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
    try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary),
                 "build the binary first (make test does): \(ttsloadBinary)", sourceLocation: sourceLocation)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ttsloadBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Writes `content` to a new temporary file and returns its path.
func temporaryFile(_ content: String, name: String = "plan.yaml") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try content.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}
