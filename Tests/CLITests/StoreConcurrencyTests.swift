import Foundation
import Testing
import TestSupport
@testable import Results

/// Several ttsload processes writing one SQLite store at the same time, and tests keeping away
/// from the repository's own store.
@Suite(.serialized) struct StoreConcurrencyTests {
    @Test func twoRunsAndAnImportWriteOneStoreAtOnce() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-store3-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A new file: the three processes also race to create it and its schema.
        let store = dir + "/store.sqlite"
        let plan = try temporaryFile("""
        name: concurrent
        target: { url: "\(target.address)", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: /delay/5 }, load: { users: 4, duration: 4s } }
        """)
        // The import writes its whole file in one transaction, so while it runs the runs' batches
        // must wait for the lock (the busy timeout) rather than fail.
        let jtl = dir + "/imported.jtl"
        let writer = try JTLWriter(path: jtl, variables: JTLFormat.audioVariables)
        let imported = 150_000
        for i in 0..<imported {
            let s = Sample(start: 1_700_000_000_000_000 + Int64(i) * 100, elapsed: 40_000, latency: 20_000, status: 200,
                           success: true, label: "tts", groupName: "g", userNumber: i % 10 + 1, allThreads: 10)
            try writer.append(s, values: JTLFormat.audioValues(s))
        }
        try writer.close()

        let runs = try ["r1", "r2"].map { name in
            try RunningTTSLoad(["run", plan, "--out", dir + "/" + name, "--quiet", "--no-report", "--store", store])
        }
        let importer = try RunningTTSLoad(["import", jtl, "--store", store, "--name", "imported"])
        let results = try (runs + [importer]).map { process in
            try #require(process.wait(timeout: 120), "a ttsload process did not finish within 120 s")
        }
        for result in results {
            #expect(result.status == 0, "\(result.stderr)")
            // Waiting for the lock is silent; no write may have failed, been retried or given up.
            #expect(!result.stderr.contains("store "), "\(result.stderr)")
        }

        let db = try ResultStore(path: store)
        let rows = try db.query("""
            SELECT id, status, plan_name, source, (SELECT COUNT(*) FROM samples WHERE run_id = runs.id) AS n FROM runs ORDER BY id
            """)
        #expect(rows.count == 3, "\(rows)")
        #expect(rows.allSatisfy { $0["status"] == "complete" }, "\(rows)")
        for name in ["r1", "r2"] {
            let folder = dir + "/" + name
            let row = try #require(rows.first { ($0["source"] ?? nil)?.hasSuffix("/" + name) == true }, "no stored run for \(folder): \(rows)")
            let read = try JTLSampleReader.read(path: folder + "/results.jtl")
            #expect(read.samples.count > 100)
            #expect(row["n"] ?? nil == String(read.samples.count), "\(name): stored \(String(describing: row["n"])), JTL rows \(read.samples.count)")
        }
        let importedRow = try #require(rows.first { $0["plan_name"] == "imported" }, "\(rows)")
        #expect(importedRow["n"] ?? nil == String(imported))
    }

    @Test func testRunsAndImportsNeverUseTheDefaultStore() {
        #expect(isolatingStore(["run", "plans/smoke.yaml", "--out", "x"]) == ["run", "plans/smoke.yaml", "--out", "x", "--no-store"])
        #expect(isolatingStore(["run", "p.yaml", "--store", "s.sqlite"]) == ["run", "p.yaml", "--store", "s.sqlite"])
        #expect(isolatingStore(["run", "p.yaml", "--no-store"]) == ["run", "p.yaml", "--no-store"])
        let imported = isolatingStore(["import", "a.jtl"])
        #expect(imported.count == 4 && imported[2] == "--store" && imported[3].hasPrefix(FileManager.default.temporaryDirectory.path))
        #expect(isolatingStore(commandLine: ["faketime", "-f", "+2s", ttsloadBinary, "run", "p.yaml"]).last == "--no-store")
        #expect(isolatingStore(["report", "folder"]) == ["report", "folder"])
    }

    /// Tests that start ttsload with Process themselves must pass the arguments through
    /// `isolatingStore`, or a `run` without `--store` writes the repository's reports/ttsload.sqlite.
    @Test func everyTestThatStartsTTSLoadItselfIsolatesTheStore() throws {
        let tests = repositoryRoot + "/Tests"
        let files = try #require(FileManager.default.enumerator(atPath: tests)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var offenders: [String] = []
        for file in files where !file.hasPrefix("TestSupport/") {
            let text = try String(contentsOfFile: tests + "/" + file, encoding: .utf8)
            let launches = text.components(separatedBy: "URL(fileURLWithPath: ttsloadBinary)").count - 1
            let isolated = text.components(separatedBy: "isolatingStore(").count - 1
            if launches > isolated { offenders.append("\(file): \(launches) launches, \(isolated) isolatingStore") }
        }
        #expect(offenders.isEmpty, "start ttsload through runTTSLoad/RunningTTSLoad or pass arguments through isolatingStore: \(offenders)")
    }
}
