import Foundation
import Testing
import TestSupport
@testable import Results

/// `ttsload run` end to end: the real binary, the real embedded server, files on disk.
@Suite(.serialized) struct RunCommandTests {
    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-run-\(UUID().uuidString)").path
    }

    /// Rows per column count as Python's csv module reads them (the standard CSV reader).
    func pythonColumnCounts(_ path: String) throws -> [Int: Int] {
        let script = "import csv,sys,collections\nrows=list(csv.reader(open(sys.argv[1],newline='')))\n"
            + "print(len(rows[0]));c=collections.Counter(len(r) for r in rows[1:]);print(' '.join(f'{k}:{v}' for k,v in c.items()))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n")
        var counts: [Int: Int] = [:]
        if lines.count > 1 {
            for pair in lines[1].split(separator: " ") {
                let kv = pair.split(separator: ":").compactMap { Int($0) }
                if kv.count == 2 { counts[kv[0]] = kv[1] }
            }
        }
        counts[-1] = Int(lines.first ?? "") ?? 0  // header width under key -1
        return counts
    }

    /// `--out` a one-letter folder in the working directory: a run, not a crash (Foundation's
    /// deletingLastPathComponent dies on some one-character paths).
    @Test func aOneLetterRunFolderIsMade() throws {
        let work = folder()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try """
            name: one-letter
            target: { url: embedded }
            thread_groups:
              - { name: g, request: { text: "One letter." }, load: { users: 1, duration: 1s } }
            """.write(toFile: work + "/smoke.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ttsloadBinary)
        process.arguments = isolatingStore(["run", "smoke.yaml", "--out", "r", "--no-report", "--quiet"])
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "status \(process.terminationStatus)")
        #expect(FileManager.default.fileExists(atPath: work + "/r/results.jtl"))
    }

    @Test func smokeRunWritesJTLSummaryAndPlan() throws {
        let out = folder()
        let result = try runTTSLoad(["run", "plans/smoke.yaml", "--out", out, "--store", out + "/store.sqlite",
                                     "--set", "thread_groups[0].load.duration=3s"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("probe: "))
        #expect(result.stdout.hasSuffix("run folder: \(out)\n"))
        // 17 JMeter columns plus the 9 TTS columns, on every row, as Python's csv module reads them.
        let counts = try pythonColumnCounts(out + "/results.jtl")
        #expect(counts[-1] == 26)
        #expect(counts.keys.filter { $0 >= 0 } == [26], "\(counts)")
        #expect((counts[26] ?? 0) > 5)
        let table = try JTLReader.read(path: out + "/results.jtl")
        #expect(table.header.suffix(9) == ["audio_seconds", "ttfa_ms", "max_gap_ms", "underrun_ms", "rtf", "chars",
                                           "audio_ready_ms", "chunk_n_ms", "chunk_gaps_ms"])
        // The embedded server's WAV is read: every sample has audio seconds and a time to first audio.
        #expect(table.rows.allSatisfy { (Double($0[17]) ?? 0) > 0.3 && (Double($0[18]) ?? -1) >= 0 && (Int($0[22]) ?? 0) > 10 })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "complete")
        let total = summary?["total"] as? [String: Any]
        #expect(total?["samples"] as? Int == counts[26])
        #expect((total?["audio_seconds_per_second"] as? Double ?? 0) > 0)
        // The SQLite store has the run, complete, with every sample of the JTL.
        let store = try ResultStore(path: out + "/store.sqlite")
        let runs = try store.runs()
        #expect(runs.count == 1 && runs.first?.status == "complete" && runs.first?.planName == "smoke")
        let stored = try store.query("SELECT count(*) AS n FROM samples WHERE run_id = \(runs.first?.id ?? -1)")
        #expect(stored.first?["n"] ?? nil == String(counts[26] ?? -1))
        #expect(result.stdout.contains("store: \(out)/store.sqlite (run "))
        let readme = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        #expect(readme.contains("sample_variables=audio_seconds,ttfa_ms,max_gap_ms,underrun_ms,rtf,chars,audio_ready_ms,chunk_n_ms,chunk_gaps_ms"))
        let plan = try String(contentsOfFile: out + "/plan.yaml", encoding: .utf8)
        #expect(plan.contains("duration: 3s"))
        #expect(FileManager.default.fileExists(atPath: out + "/server.log"))
        // The dashboard is written at the end of every run, one self-contained file.
        #expect(result.stdout.contains("report: \(out)/index.html"))
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("src=\"http") && !html.contains("href=\"http"))
    }

    @Test func embeddedStreamingGivesAudioBeforeTheEnd() throws {
        let out = folder()
        let result = try runTTSLoad(["run", "plans/openai.yaml", "--out", out, "--quiet",
                                     "--set", "thread_groups[0].load={users: 2, duration: 3s}"])
        #expect(result.status == 0, "\(result.stderr)")
        let table = try JTLReader.read(path: out + "/results.jtl")
        let long = table.rows.filter { $0[2] == "openai-long" }
        try #require(long.count >= 5)
        // Long texts stream: the first audio arrives well before the last byte (median over samples).
        let ratios = long.compactMap { row -> Double? in
            guard let ttfa = Double(row[18]), let elapsed = Double(row[1]), elapsed > 0 else { return nil }
            return ttfa / elapsed
        }.sorted()
        #expect(ratios.count == long.count)
        #expect(ratios[ratios.count / 2] < 0.5, "ttfa/elapsed ratios \(ratios)")
        // non_silent and distinct hold on every sample; max_ttfa (1 s) may fail where a busy machine
        // slows espeak-ng, but only on a sample whose own TTFA is over the second.
        let failed = table.rows.filter { $0[7] != "true" }
        for row in failed {
            #expect(row[8].contains("ttfa") && (Double(row[18]) ?? 0) > 1_000, "failed: \(row[8]) (ttfa_ms \(row[18]))")
        }
    }

    @Test func jtlPlainWritesOnlyJMeterColumns() throws {
        let out = folder()
        let result = try runTTSLoad(["run", "plans/smoke.yaml", "--out", out, "--jtl-plain", "--quiet",
                                     "--set", "thread_groups[0].load.duration=1s"])
        #expect(result.status == 0, "\(result.stderr)")
        let counts = try pythonColumnCounts(out + "/results.jtl")
        #expect(counts[-1] == 17 && counts.keys.filter { $0 >= 0 } == [17], "\(counts)")
    }

    @Test func targetDownIsARuntimeFailure() throws {
        let yaml = """
        name: down
        target: { url: "http://127.0.0.1:9", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: / }, load: { users: 1, duration: 1s } }
        """
        let path = try temporaryFile(yaml)
        let result = try runTTSLoad(["run", path, "--out", folder()])
        #expect(result.status == 3)
        #expect(result.stderr.contains("is not answering"))
    }

    @Test func interruptKeepsEveryFinishedSample() throws {
        let out = folder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ttsloadBinary)
        process.arguments = isolatingStore(["run", "plans/stepped.yaml", "--out", out, "--quiet"])
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for real samples on disk (bounded: 60 s), then Ctrl-C.
        let jtl = out + "/results.jtl"
        let deadline = Date().addingTimeInterval(60)
        var lines = 0
        while Date() < deadline {
            lines = (try? String(contentsOfFile: jtl, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines > 20 { break }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let counts = try pythonColumnCounts(jtl)
        #expect(counts.keys.filter { $0 >= 0 } == [26], "every row complete: \(counts)")
        // Every row on disk at the signal is still there (less the header); requests in flight then
        // add theirs (none when every user was in its think time). RunEndTests counts rows against
        // a target's own counter.
        #expect((counts[26] ?? 0) >= lines - 1)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "interrupted")
    }
}
