import Foundation
import Testing
import TestSupport

/// The end of a run as users end it: SIGTERM (systemd, Kubernetes, CI runners), two runs of one
/// plan in the same second, a reused `--out`. Counted against the target's own request counter.
@Suite(.serialized) struct RunEndTests {
    /// Requests the fixture target has received (it counts them on arrival).
    func served(_ target: ListeningProcess) throws -> Int {
        let result = try commandOutput(["/usr/bin/env", "python3", "-c",
            "import json,urllib.request,sys; print(json.load(urllib.request.urlopen(sys.argv[1]))['requests'])", target.address + "/stats"])
        return try #require(Int(result.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Data rows of a JTL as Python's csv module reads them.
    func rows(_ jtl: String) throws -> Int {
        let result = try commandOutput(["/usr/bin/env", "python3", "-c",
            "import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=''))))-1)", jtl])
        return try #require(Int(result.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func scratch(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func plan(_ target: ListeningProcess, name: String, duration: String) throws -> String {
        try temporaryFile("""
            name: \(name)
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/20 }, load: { users: 4, duration: \(duration) } }
            """)
    }

    @Test func sigtermMidRunKeepsEverySampleTheTargetServed() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try scratch("sigterm")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = work + "/run", store = work + "/store.sqlite"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ttsloadBinary)
        process.arguments = isolatingStore(["run", try plan(target, name: "sigterm", duration: "60s"), "--out", out, "--quiet", "--store", store])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Real rows on disk first (bounded: 60 s), then what systemd sends.
        let jtl = out + "/results.jtl"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOfFile: jtl, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 40 {
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        // In-flight requests finished within the graceful stop: every request but the probe has its row.
        #expect(try rows(jtl) == served(target) - 1)
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "interrupted")
        let status = try commandOutput(["/usr/bin/env", "python3", "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT status, (SELECT count(*) FROM samples) FROM runs').fetchall())", store])
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "[('interrupted', \(try rows(jtl)))]")
    }

    /// Both processes read the same frozen wall clock (libfaketime), so both want the same folder.
    @Test func twoRunsInTheSameSecondKeepBothResults() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try scratch("clash")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let planPath = try plan(target, name: "clash", duration: "2s")
        guard let library = NetworkLab.fakeTimeLibrary else { throw NetworkLab.FakeTimeUnavailable() }
        let runs = (0..<2).map { _ in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["LD_PRELOAD=\(library)", "FAKETIME=2026-01-01 00:00:00", "FAKETIME_DONT_FAKE_MONOTONIC=1",
                           "FAKETIME_SHARED=/ttsload-no-faketime-sem /ttsload-no-faketime-shm", "FAKETIME_DISABLE_SHM=1", ttsloadBinary]
                + isolatingStore(["run", planPath, "--quiet", "--no-store", "--no-report"])
            p.currentDirectoryURL = URL(fileURLWithPath: work)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in runs { try p.run() }
        for p in runs { p.waitUntilExit() }
        #expect(runs.map(\.terminationStatus) == [0, 0])
        let folders = try FileManager.default.contentsOfDirectory(atPath: work + "/reports").sorted()
        #expect(folders == ["clash-20260101-000000", "clash-20260101-000000-2"])
        let total = try folders.map { try rows(work + "/reports/\($0)/results.jtl") }
        #expect(total.allSatisfy { $0 > 0 }, "\(total)")
        #expect(total.reduce(0, +) == (try served(target)) - 2, "rows \(total); every request but the two probes")
    }

    @Test func aReusedOutIsRefusedAndTheEarlierResultsStay() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try scratch("reuse")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = work + "/run"
        let planPath = try plan(target, name: "reuse", duration: "1s")
        let first = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-store", "--no-report"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/results.jtl"))
        let second = try runTTSLoad(["run", planPath, "--out", out, "--quiet", "--no-store", "--no-report"])
        #expect(second.status == 2)
        #expect(second.stderr.contains("--out \(out) already holds the results of an earlier run"), "\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/results.jtl")) == before)
        #expect(try rows(out + "/results.jtl") == served(target) - 1)
    }
}
