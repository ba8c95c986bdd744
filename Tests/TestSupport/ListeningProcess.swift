import Foundation

/// The repository root (this file is Tests/TestSupport/ListeningProcess.swift).
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A helper server started by a test (a Python fixture, nginx, ...) that prints one
/// `listening on ADDRESS` line when ready. It stops when the object goes away: its stdin closes
/// (the fixtures exit on that) and it is terminated, so no server outlives its test.
public final class ListeningProcess: @unchecked Sendable {
    public let process = Process()
    private let stdin = Pipe()
    /// What followed `listening on ` (a URL, or a port for some fixtures).
    public let address: String
    /// The process's stdout after the `listening on` line (`lines(count:timeout:)` reads it).
    private let output: Pipe

    public struct NotListening: Error, CustomStringConvertible {
        public let line: String
        public var description: String { "expected 'listening on ...', got '\(line)'" }
    }

    /// Starts `arguments` (through /usr/bin/env) and waits for its `listening on` line. A ttsload
    /// `run` or `import` among them records into a store of its own (`isolatingStore`).
    public init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = isolatingStore(commandLine: arguments)
        let out = Pipe()
        output = out
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([10]) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on ") else { throw NotListening(line: text) }
        address = String(text.dropFirst("listening on ".count))
    }

    /// The next `count` lines the process prints (fewer when `timeout` seconds pass first): what a
    /// fixture reports as it serves, e.g. the audio fixtures' `--log-sends`.
    public func lines(count: Int, timeout: Double) -> [String] {
        var lines: [String] = []
        var line = Data()
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while lines.count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(left * 1_000)) > 0 else { break }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { break }
            if byte == 10 {
                lines.append(String(decoding: line, as: UTF8.self))
                line.removeAll()
            } else {
                line.append(byte)
            }
        }
        return lines
    }

    /// Starts a Python fixture from Tests/Fixtures (path relative to it).
    public convenience init(fixture: String, arguments: [String] = []) throws {
        try self.init(["python3", repositoryRoot + "/Tests/Fixtures/" + fixture] + arguments)
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A loopback port with nothing listening: bound, then closed.
public func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    close(fd)
    return Int(UInt16(bigEndian: address.sin_port))
}
