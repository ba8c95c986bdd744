import Foundation

/// A process a `NetworkLab` started on one of its hosts. Its stdout is read line by line on a
/// background thread (so `waitForLine` can wait for `listening on ...` and the pipe never fills),
/// stderr is kept too (the last 256 KiB), and stdin stays open for `send(_:)` until `closeInput()`
/// or the end. The lab stops every process it started when it closes.
///
/// `pid` is the real program, not a wrapper: `ip netns exec` and `/usr/bin/env` both exec, so the
/// signals sent here reach it directly (the kill -9 test depends on that).
public final class LabProcess: @unchecked Sendable, CustomStringConvertible {
    /// The lab host it runs on.
    public let host: String
    /// The command as given to `NetworkLab.spawn` (without the `ip netns exec` prefix).
    public let arguments: [String]
    private let process = Process()
    private let stdin = Pipe()
    // The reader threads hold only this, not the LabProcess, so deinit still runs (and kills).
    private let buffer = OutputBuffer()

    public struct Timeout: Error, CustomStringConvertible {
        public let what: String
        public var description: String { what }
    }

    init(host: String, executable: String, arguments: [String], launchArguments: [String],
         environment: [String: String]) throws {
        self.host = host
        self.arguments = arguments
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = launchArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        let outHandle = out.fileHandleForReading, errHandle = err.fileHandleForReading
        let buffer = self.buffer
        Thread { buffer.readLines(outHandle) }.start()
        Thread { buffer.readErrors(errHandle) }.start()
    }

    /// The process id of the program itself.
    public var pid: Int32 { process.processIdentifier }

    public var isRunning: Bool { process.isRunning }

    /// The exit status, or the signal number when `terminationReason` is `.uncaughtSignal`; nil while running.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// True when the process ended through a signal (SIGKILL, SIGTERM unhandled, ...).
    public var endedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    public var description: String { "\(host): \(arguments.joined(separator: " ")) (pid \(pid))" }

    /// Every stdout line so far.
    public var output: [String] {
        buffer.condition.lock(); defer { buffer.condition.unlock() }
        return buffer.lines
    }

    /// What it wrote on stderr (its last 256 KiB).
    public var errors: String {
        buffer.condition.lock(); defer { buffer.condition.unlock() }
        return String(decoding: buffer.errorText, as: UTF8.self)
    }

    /// Waits for a stdout line starting with `prefix` (any earlier line is skipped) and returns
    /// the rest of it; throws on timeout or when stdout closes first, with what stderr said.
    @discardableResult
    public func waitForLine(startingWith prefix: String, after index: Int = 0,
                            timeout: TimeInterval = 20) throws -> String {
        let line = try waitForLine(after: index, timeout: timeout, what: "a line starting with '\(prefix)'") {
            $0.hasPrefix(prefix)
        }
        return String(line.dropFirst(prefix.count))
    }

    /// Waits until stdout closes (the program exited, or closed it) and returns every line.
    public func allOutput(timeout: TimeInterval = 20) throws -> [String] {
        let condition = buffer.condition
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while !buffer.stdoutClosed {
            if !condition.wait(until: deadline) {
                throw Timeout(what: "\(self): stdout still open after \(timeout) s; stderr: \(tail)")
            }
        }
        return buffer.lines
    }

    /// Waits for the next stdout line after the first `index` lines and returns it.
    public func line(_ index: Int, timeout: TimeInterval = 20) throws -> String {
        let condition = buffer.condition
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.lines.count <= index {
            if buffer.stdoutClosed { throw Timeout(what: "\(self): stdout closed before line \(index); stderr: \(tail)") }
            if !condition.wait(until: deadline) {
                throw Timeout(what: "\(self): no line \(index) within \(timeout) s; stderr: \(tail)")
            }
        }
        return buffer.lines[index]
    }

    private func waitForLine(after index: Int, timeout: TimeInterval, what: String,
                             matching: (String) -> Bool) throws -> String {
        let condition = buffer.condition
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        var next = index
        while true {
            while next < buffer.lines.count {
                if matching(buffer.lines[next]) { return buffer.lines[next] }
                next += 1
            }
            if buffer.stdoutClosed { throw Timeout(what: "\(self): stdout closed without \(what); stderr: \(tail)") }
            if !condition.wait(until: deadline) {
                throw Timeout(what: "\(self): no \(what) within \(timeout) s; stderr: \(tail)")
            }
        }
    }

    /// Writes `text` (a newline is added) to its stdin.
    public func send(_ text: String) throws {
        try stdin.fileHandleForWriting.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Closes its stdin (the Python fixtures exit on that).
    public func closeInput() {
        try? stdin.fileHandleForWriting.close()
    }

    /// Sends `signal` to the process itself.
    public func signal(_ signal: Int32) {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL, then waits (bounded) until it is gone.
    public func kill(timeout: TimeInterval = 10) throws {
        signal(SIGKILL)
        guard waitForExit(timeout: timeout) else { throw Timeout(what: "\(self) still running after SIGKILL") }
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace` seconds; returns once it is gone.
    public func terminate(grace: TimeInterval = 5) {
        closeInput()
        signal(SIGTERM)
        if !waitForExit(timeout: grace) {
            signal(SIGKILL)
            _ = waitForExit(timeout: 10)
        }
    }

    /// Polls until the process has exited or `timeout` passes; true when it has exited.
    @discardableResult
    public func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// The end of stderr, for error messages (called with the buffer's lock held).
    private var tail: String {
        let text = String(decoding: buffer.errorText.suffix(2_000), as: UTF8.self)
        return text.isEmpty ? "(nothing)" : text
    }

    deinit {
        closeInput()
        if process.isRunning {
            _ = Foundation.kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(timeout: 10)
        }
    }
}

/// A process's stdout lines and stderr bytes, filled by two reader threads.
final class OutputBuffer: @unchecked Sendable {
    let condition = NSCondition()
    var lines: [String] = []
    var stdoutClosed = false
    var errorText = Data()

    func readLines(_ handle: FileHandle) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            condition.lock()
            if chunk.isEmpty {
                if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
                stdoutClosed = true
                condition.broadcast()
                condition.unlock()
                return
            }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending = Data(pending[pending.index(after: newline)...])
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    func readErrors(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            condition.lock()
            errorText.append(chunk)
            if errorText.count > 256 * 1024 { errorText = Data(errorText.suffix(256 * 1024)) }
            condition.unlock()
        }
    }
}
