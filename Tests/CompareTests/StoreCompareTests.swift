import Foundation
import Plan
import Testing
@testable import Report
@testable import Results

/// Runs read back from the SQLite store, baselines (migration v3), and the history text.
@Suite struct StoreCompareTests {
    func store() throws -> (ResultStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-compare-\(UUID().uuidString).sqlite").path
        return (try ResultStore(path: path), path)
    }

    /// A run recorded as `ttsload run` records it: samples, steps against t0, complete.
    func record(_ store: ResultStore, scale: Double, seed: UInt64) throws -> Int64 {
        let side = OutputTests.stepped(scale: scale, seed: seed)
        let id = try store.beginRun(ResultStore.RunInfo(planName: "stepped", startedMicros: side.t0))
        try store.addSamples(side.samples, run: id)
        let load = LoadSpec.steps(users: [1, 4, 8], rampUp: PlanDuration(seconds: 1), hold: PlanDuration(seconds: 10))
        try store.addSteps(LoadProfile(groups: [GroupSchedule(name: "tts", load: load, delay: 0)]), run: id, t0: side.t0)
        try store.finishRun(id, status: .complete, endedMicros: side.t0 + 34_000_000)
        return id
    }

    @Test func baselinesMigrationIsAppliedAndNamed() throws {
        let (s, _) = try store()
        let names = try s.query("SELECT identifier FROM grdb_migrations").compactMap { $0["identifier"] ?? nil }
        #expect(names.contains("v3 baselines"))  // later migrations (v4 step_summary, issue 6) come after it
        #expect(names.contains("v1 runs, steps, samples"))
    }

    @Test func aStoredRunComparesLikeTheSamples() throws {
        let (s, path) = try store()
        let a = try record(s, scale: 1, seed: 1), b = try record(s, scale: 1.25, seed: 2)
        let loader = SideLoader(storePath: path)
        let base = try loader.load(String(a)), candidate = try loader.load("#\(b)")
        #expect(base.samples.count == OutputTests.stepped(scale: 1, seed: 1).samples.count)
        #expect(base.windows.map(\.index) == [1, 2, 3] && base.windows[1].holdStart == 12)
        #expect(base.name == "run \(a) (stepped, complete)")
        let c = Comparator.compare(base: base, candidate: candidate)
        #expect(c.scopes.first { $0.kind == .step && $0.stepIndex == 3 }?.entries.first { $0.metric == .p95 }?.verdict == .regression)
        #expect(c.base.groups.first?.knee == 2)
    }

    @Test func baselineNamesARunAndCanMove() throws {
        let (s, path) = try store()
        let a = try record(s, scale: 1, seed: 1), b = try record(s, scale: 1, seed: 2)
        try s.setBaseline("main", run: a)
        #expect(try s.baseline("main")?.runID == a)
        try s.setBaseline("main", run: b)
        #expect(try s.baseline("main")?.runID == b)
        #expect(try s.baselines().map(\.name) == ["main"])
        #expect(throws: StoreLookupError.self) { try s.setBaseline("x", run: 999) }
        let side = try SideLoader(storePath: path).load("main")
        #expect(side.name == "baseline main")
        #expect(throws: SideLoader.Failure.self) { try SideLoader(storePath: path).load("nope") }
        #expect(try s.latestCompleteRun() == b)
    }

    @Test func historyListsRunsWithASparkline() throws {
        let (s, _) = try store()
        var ids: [Int64] = []
        for (i, scale) in [1.0, 1.1, 1.5].enumerated() { ids.append(try record(s, scale: scale, seed: UInt64(i + 1))) }
        try s.setBaseline("main", run: ids[0])
        let rows = try s.runs(planName: "stepped").map {
            HistoryText.Row(run: $0, figures: try s.figures(run: $0.id), baselines: $0.id == ids[0] ? ["main"] : [])
        }
        #expect(rows.map(\.run.id) == ids)
        #expect(rows[0].figures.samples == 1_300)
        let text = HistoryText.render(plan: "stepped", rows: rows)
        #expect(text.contains("main"))
        // p95 rises run after run: lowest, middle, highest block.
        let p95Line = text.split(separator: "\n").first { $0.hasPrefix("  p95") } ?? ""
        #expect(p95Line.hasSuffix("▁▂█") || p95Line.hasSuffix("▁▃█"), "\(p95Line)")
        #expect(HistoryText.sparkline([2, 2]) == "▄▄")
    }
}
