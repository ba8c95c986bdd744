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

/// `arguments` of a `ttsload` command made safe for a test. The store's default is
/// reports/ttsload.sqlite relative to the working directory, which for these helpers is the
/// repository: a test's `run`, `capacity` or `import` would record into the developer's own store. So a `run` or `capacity`
/// without `--store`/`--no-store` gets `--no-store`, and an `import` without `--store` a store of its
/// own in a temporary folder. Every helper here that launches ttsload passes its arguments through this;
/// a test that starts ttsload itself should too.
public func isolatingStore(_ arguments: [String]) -> [String] {
    guard let command = arguments.first else { return arguments }
    let hasStore = arguments.contains { $0 == "--store" || $0.hasPrefix("--store=") || $0 == "--no-store" }
    guard !hasStore else { return arguments }
    switch command {
    case "run", "capacity":
        return arguments + ["--no-store"]
    case "import":
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-store-\(UUID().uuidString)").path
        return arguments + ["--store", folder + "/ttsload.sqlite"]
    default:
        return arguments
    }
}

/// `isolatingStore` for a full command line `[…, ttsloadBinary, subcommand, …]` (lab hosts, wrappers
/// such as faketime): the part after the binary is made safe; other command lines are left alone.
public func isolatingStore(commandLine: [String]) -> [String] {
    guard let index = commandLine.firstIndex(of: ttsloadBinary) else { return commandLine }
    return Array(commandLine[...index]) + isolatingStore(Array(commandLine[(index + 1)...]))
}

/// Runs `ttsload` with `arguments` in the repository root and waits for it to exit. A `run` or
/// `import` without a store of its own records nowhere near the repository's (`isolatingStore`).
public func runTTSLoad(_ arguments: [String]) throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: ttsloadBinary) else { throw MissingBinary() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ttsloadBinary)
    process.arguments = isolatingStore(arguments)
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

/// A `ttsload` started in the repository root and not waited for yet: for tests that run several
/// at once. Its output is read on threads of its own so a full pipe never blocks it.
public final class RunningTTSLoad: @unchecked Sendable {
    public let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let out = LockedData(), err = LockedData()

    /// Starts `ttsload arguments` (through `isolatingStore`).
    public init(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: ttsloadBinary) else { throw MissingBinary() }
        process.executableURL = URL(fileURLWithPath: ttsloadBinary)
        process.arguments = isolatingStore(arguments)
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let out = self.out, err = self.err
        Thread { out.set(outPipe.fileHandleForReading.readDataToEndOfFile()) }.start()
        Thread { err.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }.start()
    }

    /// Waits up to `timeout` seconds for it to exit; nil (and the process terminated) if it did not.
    /// A process ended by a signal reports 128 + the signal, as a shell does.
    public func wait(timeout: TimeInterval) -> CommandResult? {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return CommandResult(status: status, stdout: String(decoding: out.wait(), as: UTF8.self),
                             stderr: String(decoding: err.wait(), as: UTF8.self))
    }
}
