import CCurl
import Foundation
import Testing
import TestSupport
@testable import Engine

/// Tests/Fixtures/target.py on a free loopback port, with its own counters.
final class TargetProcess: @unchecked Sendable {
    private let server: ListeningProcess
    var baseURL: String { server.address }

    init() throws { server = try ListeningProcess(fixture: "target.py") }

    /// The target's own counters.
    func stats() throws -> [String: Int] {
        let easy = try #require(CurlEasy())
        easy.prepare(method: "GET", url: baseURL + "/stats", headers: [], body: nil, connectTimeoutMs: 2_000, timeoutMs: 5_000,
                     http2: false, insecure: false, keepBody: true)
        try #require(easy.performBlocking() == CURLE_OK)
        return try JSONSerialization.jsonObject(with: Data(easy.capture.body)) as? [String: Int] ?? [:]
    }
}
