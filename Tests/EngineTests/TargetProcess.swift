import Foundation
import Testing
import CCurl
@testable import Engine

/// The repository root, found from this file's path (Tests/EngineTests/TargetProcess.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Tests/Fixtures/target.py running on a free loopback port; stops when the object goes away
/// (its stdin closes, and it is terminated).
final class TargetProcess: @unchecked Sendable {
    let process = Process()
    private let stdin = Pipe()
    let baseURL: String

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/Tests/Fixtures/target.py"]
        let out = Pipe()
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
        guard text.hasPrefix("listening on ") else { throw CocoaError(.fileReadUnknown) }
        baseURL = String(text.dropFirst("listening on ".count))
    }

    /// The target's own counters.
    func stats() throws -> [String: Int] {
        let easy = try #require(CurlEasy())
        easy.prepare(method: "GET", url: baseURL + "/stats", headers: [], body: nil, connectTimeoutMs: 2_000, timeoutMs: 5_000,
                     http2: false, insecure: false, keepBody: true)
        try #require(easy.performBlocking() == CURLE_OK)
        return try JSONSerialization.jsonObject(with: Data(easy.capture.body)) as? [String: Int] ?? [:]
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A port with nothing listening: bound, then closed.
func closedPort() -> Int {
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
