import Foundation
import Testing
import TestSupport
@testable import Results

/// `kill -9` during a run: the JTL keeps all but (at most) its last second, and only the final line
/// may be torn. Measured against the target's own request counter.
@Suite(.serialized) struct KillTests {
    func served(_ base: String) throws -> Int {
        let result = try commandOutput(["/usr/bin/env", "python3", "-c",
            "import json,urllib.request,sys; print(json.load(urllib.request.urlopen(sys.argv[1]))['requests'])", base + "/stats"])
        return Int(result.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func killNineLosesAtMostTheLastSecond() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let base = target.address
        let plan = try temporaryFile("""
        name: kill
        target: { url: "\(base)", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: /delay/20 }, load: { users: 4, duration: 60s } }
        """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-kill-\(UUID().uuidString)").path
        let run = Process()
        run.executableURL = URL(fileURLWithPath: ttsloadBinary)
        run.arguments = ["run", plan, "--out", out, "--quiet"]
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        let jtl = out + "/results.jtl"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, ((try? String(contentsOfFile: jtl, encoding: .utf8))?.count ?? 0) < 20_000 { usleep(100_000) }
        let before = try served(base)
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        let table = try JTLReader.read(path: jtl)
        // 4 users on a 20 ms target make at most ~200 requests a second.
        #expect(table.rows.count >= before - 200, "JTL rows \(table.rows.count), served before the kill \(before)")
        #expect(table.rows.count <= before + 8)
        #expect(table.warnings.count <= 1)
        #expect(table.rows.allSatisfy { $0.count == 23 })
    }
}

/// Runs any command and returns its standard output.
func commandOutput(_ command: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
