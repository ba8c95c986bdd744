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
        run.arguments = isolatingStore(["run", plan, "--out", out, "--quiet"])
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        let jtl = out + "/results.jtl"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, ((try? String(contentsOfFile: jtl, encoding: .utf8))?.count ?? 0) < 20_000 { usleep(100_000) }
        let before = try served(base)
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        let after = try served(base)
        let table = try JTLReader.read(path: jtl)
        // 4 users on a 20 ms target make at most ~200 requests a second; reading the counter takes
        // a python start, so the rows are bounded by the counts read before and after the kill.
        #expect(table.rows.count >= before - 200, "JTL rows \(table.rows.count), served before the kill \(before)")
        #expect(table.rows.count <= after, "JTL rows \(table.rows.count), served by the end \(after)")
        #expect(table.warnings.count <= 1)
        #expect(table.rows.allSatisfy { $0.count == 26 })
    }
}

extension KillTests {
    /// Children of `pid` (from /proc/*/stat: field 4 is the parent).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { parent(of: $0) == pid }
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Running: present in /proc and not a zombie (an orphan's zombie waits for pid 1 to reap it).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    @Test func killNineOfARunStopsItsEmbeddedServer() throws {
        // A run killed by a signal it cannot catch (kill -9, SIGPIPE) must not leave the embedded
        // server and its synthesis workers behind: the server watches its parent and stops.
        let plan = try temporaryFile("""
        name: orphan
        target: { url: embedded, api: indextts, server_args: ["--workers", "1"] }
        thread_groups:
          - { name: g, request: { text: "Hello there." }, load: { users: 2, duration: 60s } }
        """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-orphan-\(UUID().uuidString)").path
        let run = Process()
        run.executableURL = URL(fileURLWithPath: ttsloadBinary)
        run.arguments = isolatingStore(["run", plan, "--out", out, "--quiet", "--no-store"])
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        // Samples in the JTL: the server and its worker are up and serving.
        let jtl = out + "/results.jtl"
        var deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOfFile: jtl, encoding: .utf8))?.count ?? 0) < 2_000 { usleep(100_000) }
        let servers = Self.children(of: run.processIdentifier)
        let server = try #require(servers.first, "the run has no child process")
        let workers = Self.children(of: server)
        #expect(workers.count == 1, "workers: \(workers)")
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        deadline = Date().addingTimeInterval(15)
        while Date() < deadline, ([server] + workers).contains(where: Self.isRunning) { usleep(100_000) }
        #expect(!Self.isRunning(server), "the embedded server \(server) still runs after its run was killed")
        for worker in workers { #expect(!Self.isRunning(worker), "worker \(worker) still runs") }
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
