import Foundation

/// One `/v1/tts/ws` session run by the Python `websockets` library's client
/// (Tests/Fixtures/ws_session.py): the server is checked against a client we did not write.
struct WebSocketSessionResult: Sendable {
    var binaryMessages: Int
    var binaryBytes: Int
    var texts: [String]
    var closeCode: Int?
    var closeReason: String?

    /// The text messages as JSON objects.
    var objects: [[String: Any]] {
        texts.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    static func run(port: Int, messages: [[String: Any]]) async throws -> WebSocketSessionResult {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let json = String(decoding: try JSONSerialization.data(withJSONObject: messages), as: UTF8.self)
        process.arguments = ["python3", root.path + "/Tests/Fixtures/ws_session.py", "ws://127.0.0.1:\(port)/v1/tts/ws", json]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // The fixture bounds itself (30 s); read its output on a thread, off the test's executor.
        let (stdout, stderr) = await withCheckedContinuation { (done: CheckedContinuation<(Data, Data), Never>) in
            Thread {
                let e = err.fileHandleForReading.readDataToEndOfFile()
                let o = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                done.resume(returning: (o, e))
            }.start()
        }
        guard process.terminationStatus == 0,
              let object = (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] else {
            throw TestFailure("ws_session.py failed (\(process.terminationStatus)): \(String(decoding: stderr, as: UTF8.self).suffix(600))")
        }
        return WebSocketSessionResult(binaryMessages: object["binary"] as? Int ?? -1, binaryBytes: object["binary_bytes"] as? Int ?? -1,
                                      texts: object["texts"] as? [String] ?? [], closeCode: object["close_code"] as? Int,
                                      closeReason: object["close_reason"] as? String)
    }
}
