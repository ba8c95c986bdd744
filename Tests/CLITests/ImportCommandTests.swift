import Foundation
import Testing
import TestSupport
@testable import Results

/// `ttsload import` end to end: the real binary on real JMeter 2.13 files, hand-written JMeter 5.x
/// files (JTL.md), ttsload's own JTL, and bad input. Expected figures come from the files' raw
/// values, read here with a CSV reader of the test's own.
@Suite struct ImportCommandTests {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/jmeter-2.13/"

    func temporaryStore() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)/ttsload.sqlite").path
    }

    /// RFC 4180 rows (quoted fields with commas, doubled quotes and line breaks), independent of ttsload's reader.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append(chars.removeFirst()) } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.unicodeScalars.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// The nearest-rank percentile (HdrHistogram's definition) of raw values.
    static func exact(_ values: [Int64], _ p: Double) -> Int64 {
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// Imports `file` and returns the run id printed on standard output.
    func importFile(_ file: String, store: String, _ extra: [String] = []) throws -> Int64 {
        let result = try runTTSLoad(["import", file, "--store", store] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let id = Int64(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(id != nil, "stdout: \(result.stdout)")
        return id ?? -1
    }

    /// Checks the stored run against the raw rows: counts, successes and failures per label,
    /// percentiles per label within HdrHistogram precision, start and end, and steps by the
    /// documented plateau rule.
    func checkRun(_ id: Int64, store path: String, rows: [[String]], columns: [String]) throws {
        let store = try ResultStore(path: path)
        let at = { (name: String) in columns.firstIndex(of: name)! }
        let labelAt = at("label"), elapsedAt = at("elapsed"), startAt = at("timeStamp")
        let successAt = columns.firstIndex(of: "success")
        #expect(try store.query("SELECT COUNT(*) AS n FROM samples WHERE run_id = \(id)").first?["n"] == String(rows.count))
        let summary = try store.query("SELECT label, samples, errors FROM label_summary WHERE run_id = \(id)")
        let labels = Set(rows.map { $0[labelAt] })
        #expect(summary.count == labels.count)
        for row in summary {
            let mine = rows.filter { $0[labelAt] == row["label"] }
            #expect(row["samples"] == String(mine.count), "\(row)")
            if let successAt {
                #expect(row["errors"] == String(mine.filter { $0[successAt] == "false" }.count), "\(row)")
            }
        }
        let histograms = try store.latencyByLabel(run: id)
        for label in labels {
            let values = rows.filter { $0[labelAt] == label }.map { Int64($0[elapsedAt])! * 1_000 }
            let histogram = try #require(histograms[label])
            #expect(histogram.count == values.count)
            for p in [50.0, 90, 95, 99, 100] {
                let exact = Self.exact(values, p), got = histogram.percentile(p)
                // 3 significant digits: the bucket's highest equivalent value is at most 1/1024 above.
                #expect(got >= exact && got <= exact + exact / 1_000 + 1, "\(label) p\(p): \(got) vs exact \(exact)")
            }
        }
        let starts = rows.map { Int64($0[startAt])! * 1_000 }
        let ends = rows.map { Int64($0[startAt])! * 1_000 + Int64($0[elapsedAt])! * 1_000 }
        let run = try #require(try store.query("SELECT status, started_us, ended_us FROM runs WHERE id = \(id)").first)
        #expect(run["status"] == "complete")
        #expect(run["started_us"] == String(starts.min()!) && run["ended_us"] == String(ends.max()!))
        // Steps: each whole second from the first start gets the highest allThreads ended in it;
        // levels held at least 3 s (or 5% of the run) are steps.
        let stored = try store.query("SELECT step_index, level, hold_start_us, end_us FROM steps WHERE run_id = \(id) ORDER BY step_index")
        guard let threadsAt = columns.firstIndex(of: "allThreads") else {
            #expect(stored.isEmpty)
            return
        }
        let t0 = starts.min()!, duration = Double(ends.max()! - t0) / 1e6
        var levels = [Int](repeating: 0, count: max(1, Int(duration.rounded(.up))))
        for (row, end) in zip(rows, ends) {
            let i = min(levels.count - 1, Int((end - t0) / 1_000_000))
            levels[i] = max(levels[i], Int(row[threadsAt])!)
        }
        var expected: [(level: Int, first: Int, last: Int)] = []
        var first = 0
        for i in 1...levels.count where i == levels.count || levels[i] != levels[first] {
            if levels[first] > 0 && i - first >= max(3, Int((duration * 0.05).rounded(.up))) { expected.append((levels[first], first, i - 1)) }
            first = i
        }
        #expect(stored.count == expected.count, "\(stored) vs levels \(levels)")
        for (row, step) in zip(stored, expected) {
            #expect(row["level"] == String(Double(step.level)))
            #expect(row["hold_start_us"] == String(t0 + Int64(step.first + 1) * 1_000_000))
            #expect(row["end_us"] == String(t0 + Int64(step.last) * 1_000_000))
        }
    }

    @Test(arguments: ["jmeter-2.13-default.jtl", "jmeter-2.13-header.jtl"])
    func realJMeter213Files(_ name: String) throws {
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let text = try String(contentsOfFile: Self.fixtures + name, encoding: .utf8)
        var rows = Self.csvRows(text)
        let columns = name.contains("header") ? rows.removeFirst() : JTLSampleReader.jmeter2Columns
        #expect(rows.count > 50)
        let id = try importFile(Self.fixtures + name, store: store)
        try checkRun(id, store: store, rows: rows, columns: columns)

        let db = try ResultStore(path: store)
        #expect(try db.query("SELECT plan_name FROM runs").first?["plan_name"] == (name as NSString).deletingPathExtension)
        // Quoted labels come back whole; JMeter's non-HTTP codes become error classes.
        let classes = try db.query("SELECT label, error_class, status, MIN(response_message) AS m FROM samples GROUP BY label")
        var byLabel: [String: [String: String?]] = [:]
        for row in classes { byLabel[(row["label"] ?? "") ?? ""] = row }
        #expect(Set(byLabel.keys) == ["tts ok", "say \"hi\" twice", "busy, retry later", "truncated body", "stalled", "wav as html", "refused"])
        #expect(byLabel["refused"]?["error_class"] == "connect_refused" && byLabel["refused"]?["status"] == "0")
        #expect(byLabel["stalled"]?["error_class"] == "timeout")
        #expect(byLabel["truncated body"]?["error_class"] == "reset")
        #expect(byLabel["truncated body"]?["m"]??.contains("(expected: 8,044; received: 1,000)") == true)
        #expect(byLabel["busy, retry later"]?["error_class"] == "check_failed" && byLabel["busy, retry later"]?["status"] == "503")
        #expect(byLabel["wav as html"]?["error_class"] == .some(nil))
        if name.contains("header") {
            // Connect and Latency are read when the header has them (Latency includes connect).
            #expect(try db.query("SELECT COUNT(*) AS n FROM samples WHERE connect_us > 0 AND latency_us >= connect_us").first?["n"] != "0")
        }
    }

    /// A JMeter 5.x file as JTL.md describes it: the 17 default columns in JMeter's order, quoting
    /// only where needed, a failure message with a line break, non-HTTP error codes, three load levels.
    static func jmeter5File(rows count: Int) -> (text: String, rows: [[String]]) {
        var text = JTLFormat.defaultColumns.joined(separator: ",") + "\n"
        var seed: UInt64 = 42
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let labels = ["synth, short", "say \"hi\"", "long"]
        let base: Int64 = 1_700_000_000_000
        for i in 0..<count {
            let level = [2, 4, 8][i * 3 / count]
            let start = base + Int64(i) * 30_000 / Int64(count)  // 30 s, 10 s per level
            let label = labels[i % 3]
            let elapsed = Int64(20 + next() % UInt64(40 * level)) + (i % 97 == 0 ? 5_000 : 0)
            let kind = i % 50
            let (code, message, success, failure): (String, String, String, String) =
                kind == 7 ? ("Non HTTP response code: java.net.SocketTimeoutException", "Non HTTP response message: Read timed out", "false", "")
                : kind == 13 ? ("503", "Service Unavailable", "false", "Test failed: code expected to contain /200/\nbut was 503")
                : kind == 21 ? ("Non HTTP response code: org.apache.http.NoHttpResponseException", "Non HTTP response message: 127.0.0.1:8080 failed to respond", "false", "")
                : ("200", "OK", "true", "")
            let fields = [String(start), String(elapsed), JTLFormat.quote(label), code, message, "TTS users 1-\(i % level + 1)", "bin", success,
                          JTLFormat.quote(failure), "48044", "310", String(level), String(level), "http://127.0.0.1:8080/v1/tts",
                          String(elapsed / 2), "0", String(i % level == 0 ? 3 : 0)]
            text += fields.joined(separator: ",") + "\n"
        }
        return (text, csvRows(text).dropFirst().map { $0 })
    }

    @Test func jmeter5FileWithTheDefaultHeader() throws {
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let (text, rows) = Self.jmeter5File(rows: 3_000)
        let path = try temporaryFile(text, name: "jmeter5.jtl")
        let id = try importFile(path, store: store, ["--name", "five"])
        try checkRun(id, store: store, rows: rows, columns: JTLFormat.defaultColumns)
        let db = try ResultStore(path: store)
        #expect(try db.query("SELECT plan_name FROM runs WHERE id = \(id)").first?["plan_name"] == "five")
        // The tool's version with git describe of its source tree (the tests run from a checkout).
        let version = try #require(try db.query("SELECT tool_version FROM runs WHERE id = \(id)").first?["tool_version"] ?? nil)
        #expect(version.hasPrefix("0.1.0 (") && version.hasSuffix(")"), "\(version)")
        #expect(try db.query("SELECT level FROM steps WHERE run_id = \(id) ORDER BY step_index").map { $0["level"] } == ["2.0", "4.0", "8.0"])
        // The multi-line failure message survives; the step view counts samples of every group.
        #expect(try db.query("SELECT COUNT(*) AS n FROM samples WHERE failure_message LIKE '%/200/' || char(10) || 'but was 503'").first?["n"]
                == String(rows.filter { $0[8].contains("\n") }.count))
        #expect(try db.query("SELECT SUM(samples) AS n FROM step_summary WHERE run_id = \(id)").first?["n"] != "0")
        let classes = Dictionary(uniqueKeysWithValues: try db.query(
            "SELECT error_class, COUNT(*) AS n FROM samples WHERE NOT success GROUP BY 1").map { (($0["error_class"] ?? "") ?? "", $0["n"] ?? "") })
        #expect(classes["timeout"] == String(rows.filter { $0[3].hasSuffix("SocketTimeoutException") }.count))
        #expect(classes["reset"] == String(rows.filter { $0[3].hasSuffix("NoHttpResponseException") }.count))
        #expect(classes["check_failed"] == String(rows.filter { $0[3] == "503" }.count))
    }

    @Test func headerSubsetAndHeaderlessWithColumns() throws {
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let (_, full) = Self.jmeter5File(rows: 1_500)
        // A header naming a subset of JMeter's columns, in JMeter's order.
        let subset = ["timeStamp", "elapsed", "label", "responseCode", "success", "allThreads"]
        let picks = subset.map { JTLFormat.defaultColumns.firstIndex(of: $0)! }
        let rows = full.map { row in picks.map { row[$0] } }
        let body = rows.map { $0.map(JTLFormat.quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
        let withHeader = try temporaryFile(subset.joined(separator: ",") + "\n" + body, name: "subset.jtl")
        try checkRun(try importFile(withHeader, store: store), store: store, rows: rows, columns: subset)
        // The same rows with no header: the column list is given.
        let headerless = try temporaryFile(body, name: "headerless.jtl")
        try checkRun(try importFile(headerless, store: store, ["--columns", subset.joined(separator: ",")]), store: store,
                     rows: rows, columns: subset)
        // Without --columns a 6-field headerless file cannot be read, and says so.
        let refused = try runTTSLoad(["import", headerless, "--store", store])
        #expect(refused.status == 2 && refused.stderr.contains("give its column list"), "\(refused.stderr)")
    }

    @Test func ttsloadJTLWithAudioColumns() throws {
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let path = try temporaryFile("", name: "results.jtl")
        let writer = try JTLWriter(path: path, variables: JTLFormat.audioVariables)
        var samples: [Sample] = []
        for i in 0..<400 {
            let audio = AudioFigures(format: "wav", audioSeconds: 1.5 + Double(i % 4) * 0.25, ttfa: Int64(30_000 + i * 100), chunks: 3,
                                     maxGap: 0, underrun: 0, stalls: 0, rtf: 0.05, characters: 40, truncated: false)
            let s = Sample(start: 1_700_000_000_000_000 + Int64(i) * 25_000, elapsed: Int64(60_000 + (i % 13) * 1_000), latency: 30_000,
                           status: 200, success: true, label: "tts", groupName: "g", allThreads: 4, audio: audio)
            samples.append(s)
            try writer.append(s, values: JTLFormat.audioValues(s))
        }
        try writer.close()
        let id = try importFile(path, store: store)
        let db = try ResultStore(path: store)
        let row = try #require(try db.query("SELECT COUNT(ttfa_us) AS n, SUM(audio_seconds) AS a, MIN(ttfa_us) AS t FROM samples WHERE run_id = \(id)").first)
        #expect(row["n"] == "400" && row["t"] == "30000")
        #expect(abs(Double((row["a"] ?? "0") ?? "0")! - samples.reduce(0) { $0 + ($1.audio?.audioSeconds ?? 0) }) < 1e-6)
        // Per-second aggregates carry the TTFA histograms too.
        #expect(try db.query("SELECT COUNT(*) AS n FROM second_aggregates WHERE run_id = \(id) AND length(ttfa_histogram) > 1").first?["n"] != "0")
    }

    @Test func aBadLineNamesFileAndLineAndImportsNothing() throws {
        let store = temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        // A good import first: it must stay, and be the only run.
        let good = try temporaryFile(Self.jmeter5File(rows: 100).text, name: "good.jtl")
        _ = try importFile(good, store: store)
        // 25,000 good rows (more than two batches of 10,000 are written before the bad one), then a bad elapsed.
        var (text, _) = Self.jmeter5File(rows: 25_000)
        // Physical line of the bad row: quoted failure messages hold line breaks.
        let badLine = text.utf8.filter { $0 == 10 }.count + 1
        #expect(badLine > 25_002)
        text += "1700000031000,abc,long,200,OK,TTS users 1-1,bin,true,,48044,310,8,8,http://127.0.0.1:8080/v1/tts,1,0,0\n"
        let bad = try temporaryFile(text, name: "bad.jtl")
        let result = try runTTSLoad(["import", bad, "--store", store])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad):\(badLine): error: elapsed 'abc' is not a whole number"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let db = try ResultStore(path: store)
        #expect(try db.query("SELECT COUNT(*) AS n FROM runs").first?["n"] == "1")
        #expect(try db.query("SELECT COUNT(*) AS n FROM samples").first?["n"] == "100")
        #expect(try db.query("SELECT COUNT(DISTINCT run_id) AS n FROM second_aggregates").first?["n"] == "1")
        // A row with a field missing is named the same way.
        let short = try temporaryFile(JTLFormat.defaultColumns.joined(separator: ",") + "\n1,2,x\n", name: "short.jtl")
        let shortResult = try runTTSLoad(["import", short, "--store", store])
        #expect(shortResult.status == 2 && shortResult.stderr.contains("\(short):2: error: 3 fields, the header has 17"), "\(shortResult.stderr)")
    }
}
