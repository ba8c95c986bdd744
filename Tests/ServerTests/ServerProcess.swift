import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real `ttsload server --port 0 ...` child process for one test.
final class ServerProcess: Sendable {
    let pid: Int32
    let port: Int
    let baseURL: String
    private let process: Process
    private let stderrPath: String

    /// Starts the server and waits (at most `timeout`) for its `listening on` line.
    static func start(_ arguments: [String] = [], environment: [String: String] = [:], timeout: Duration = .seconds(20)) async throws -> ServerProcess {
        let binary = try TTSLoadBinary.path()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        // One worker unless a test asks for more: other test targets run beside this one on a
        // 2-core machine, and most tests here send one request at a time.
        let workers = arguments.contains("--workers") ? [] : ["--workers", "1"]
        process.arguments = ["server", "--port", "0"] + workers + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        let stderrPath = NSTemporaryDirectory() + "ttsload-server-test-\(UUID().uuidString).err"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let fd = out.fileHandleForReading.fileDescriptor
        // Read the first line on a thread: a blocking read must not occupy the test's executor.
        let line = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { await Self.readLine(fd) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let line, line.hasPrefix("listening on "), let port = Int(line.split(separator: ":").last ?? "") else {
            process.terminate()
            let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw TestFailure("server did not print 'listening on' (got \(line ?? "nothing")); stderr: \(err)")
        }
        return ServerProcess(process: process, port: port, baseURL: String(line.dropFirst("listening on ".count)), stderrPath: stderrPath)
    }

    private init(process: Process, port: Int, baseURL: String, stderrPath: String) {
        self.process = process
        self.pid = process.processIdentifier
        self.port = port
        self.baseURL = baseURL
        self.stderrPath = stderrPath
    }

    private static func readLine(_ fd: Int32) async -> String? {
        await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(fd, &byte, 1) == 1 {
                    if byte == UInt8(ascii: "\n") { break }
                    bytes.append(byte)
                }
                continuation.resume(returning: bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self))
            }.start()
        }
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) {
        _ = Glibc.kill(pid, sig)
    }

    /// Waits at most `timeout` for the process to exit; returns its status, nil on timeout.
    func waitForExit(timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))  // polling an exit status, bounded by `timeout`
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Ends the server quickly (SIGKILL) and its workers with it (they see end of file on stdin).
    func kill() async {
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    // MARK: - Conveniences

    func post(
        _ path: String, json: String, timeout: Duration = .seconds(30), onFirstBody: (@Sendable () -> Void)? = nil
    ) async throws -> HTTPResponse {
        try await HTTPClient.request(
            port: port, method: "POST", path: path, body: Array(json.utf8), timeout: timeout, onFirstBody: onFirstBody)
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await HTTPClient.request(port: port, method: "GET", path: path, body: [], timeout: .seconds(10))
    }

    /// The value of an unlabelled metric sample line `name value`, nil if absent.
    func metric(_ name: String) async throws -> Double? {
        let text = try await get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Polls /metrics until `name` satisfies `condition` (bounded by `timeout`); the event a test
    /// waits for is a state of the server, observed through its real metrics endpoint.
    func waitForMetric(_ name: String, timeout: Duration = .seconds(10), _ condition: (Double) -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let value = try await metric(name), condition(value) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("metric \(name) did not reach the expected value within \(timeout)")
    }

    /// Worker process ids from /healthz.
    func workerPIDs() async throws -> [Int32] {
        let json = try JSONSerialization.jsonObject(with: Data(try await get("/healthz").body)) as? [String: Any]
        return (json?["worker_pids"] as? [Int])?.map { Int32($0) } ?? []
    }
}
