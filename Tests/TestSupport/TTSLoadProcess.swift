import Foundation

/// The `ttsload` binary built beside the test bundle (`make test` builds it first), or `TTSLOAD_BIN`.
public let ttsloadBinary: String = {
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

/// What a finished `ttsload` process printed and returned.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public struct MissingBinary: Error, CustomStringConvertible {
    public var description: String { "build the binary first (make test does): \(ttsloadBinary)" }
}

/// Runs `ttsload` with `arguments` in the repository root and waits for it to exit.
public func runTTSLoad(_ arguments: [String]) throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: ttsloadBinary) else { throw MissingBinary() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ttsloadBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read stdout to the end on another thread while stderr is read here, so that a chatty child
    // can never block on a full pipe.
    let outData = LockedData()
    let reader = Thread { outData.set(out.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData.wait(), as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Writes `content` to a new temporary file and returns its path.
public func temporaryFile(_ content: String, name: String = "plan.yaml") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try content.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Data handed from a reader thread, waited for once.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}
