import Foundation

/// `ttsload server` started for a run whose target is `embedded`: a child process on a free
/// loopback port, its output kept in the run folder, stopped with SIGTERM at the end (and by itself
/// when this process dies first: `--parent-pid`).
final class EmbeddedServer {
    let process = Process()
    let baseURL: String

    /// Starts the server and waits (at most `timeout` seconds) for its `listening on URL` line.
    init(arguments: [String], logPath: String, timeout: TimeInterval = 60) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.executableURL = URL(fileURLWithPath: executableLocation() ?? executable.path)
        process.arguments = ["server", "--host", "127.0.0.1", "--port", "0", "--parent-pid", String(getpid())] + arguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = log
        try process.run()

        // Read stdout line by line until the address appears; then copy the rest to the log.
        let reader = stdout.fileHandleForReading
        var buffer = Data()
        var found: String?
        let deadline = Date().addingTimeInterval(timeout)
        while found == nil, Date() < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the server exited
            buffer.append(chunk)
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("listening on ") {
                found = String(line.dropFirst("listening on ".count)).trimmingCharacters(in: .whitespaces)
            }
        }
        log.write(buffer)
        guard let found else {
            if process.isRunning { process.terminate() }
            throw CommandFailure(.runtime, "the embedded server did not start (see \(logPath))")
        }
        baseURL = found.hasSuffix("/") ? String(found.dropLast()) : found
        reader.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { log.write(data) }
        }
    }

    /// SIGTERM, then wait for the graceful shutdown.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// This executable's path from /proc (robust when started through a relative path or PATH).
private func executableLocation() -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
}
