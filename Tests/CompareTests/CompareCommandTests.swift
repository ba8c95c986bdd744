import Foundation
import Plan
import Testing
import TestSupport
@testable import Report
import Results

/// `ttsload compare`, `baseline` and `history` as a user runs them: the real binary on files.
@Suite struct CompareCommandTests {
    /// Writes `samples` as a ttsload JTL (17 JMeter columns plus the TTS columns) into a new folder.
    static func jtl(_ samples: [Sample], name: String) throws -> String {
        let path = try temporaryFile("", name: name)
        let writer = try JTLWriter(path: path, variables: JTLFormat.audioVariables)
        for s in samples { try writer.append(s, values: JTLFormat.audioValues(s)) }
        try writer.close()
        return path
    }

    static let base = try? jtl(SyntheticSide(seed: 1).samples, name: "base.jtl")
    static let slower = try? jtl(SyntheticSide(scale: 1.2, seed: 2).samples, name: "slower.jtl")
    static let same = try? jtl(SyntheticSide(scale: 1.0, seed: 3).samples, name: "same.jtl")

    @Test func aSlowerCandidateExitsOneWithTheRegressionFirst() throws {
        let r = try runTTSLoad(["compare", try #require(Self.base), try #require(Self.slower), "--color", "always"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("verdict: \u{1B}[1;31mREGRESSION"))
        let firstRow = r.stdout.split(separator: "\n").first { $0.contains("REGRESSION") && $0.contains("ms") } ?? ""
        #expect(firstRow.contains("\u{1B}[31m"))
        #expect(r.stdout.contains("steps inferred from allThreads"))
    }

    @Test func theSameConfigurationExitsZeroAndPlainWhenPiped() throws {
        let r = try runTTSLoad(["compare", try #require(Self.base), try #require(Self.same)])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}"), "no colour when stdout is not a terminal")
        #expect(r.stdout.contains("verdict: UNCHANGED") || r.stdout.contains("verdict: IMPROVEMENT"))
    }

    @Test func toleranceAndFormatsAreHonoured() throws {
        let base = try #require(Self.base), slower = try #require(Self.slower)
        let wide = try runTTSLoad(["compare", base, slower, "--tolerance", "all=30%", "--format", "json"])
        #expect(wide.status == 0, "\(wide.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(wide.stdout.utf8)) as? [String: Any]
        #expect((object?["tolerances"] as? [String: Double])?["p95"] == 0.3)
        let md = try runTTSLoad(["compare", base, slower, "--format", "markdown", "--tolerance", "p95=10%"])
        #expect(md.status == 1)
        #expect(md.stdout.hasPrefix("### ttsload compare: regression"))
        let page = (try temporaryFile("", name: "x")) + "-page/compare.html"
        let html = try runTTSLoad(["compare", base, slower, "--html", page])
        #expect(html.stdout.contains("comparison page: \(page)"))
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.contains("<svg") && !text.contains("https://"))
    }

    @Test func unreadableInputsAndBadFlagsExitTwo() throws {
        let base = try #require(Self.base)
        #expect(try runTTSLoad(["compare", base, "/nonexistent/run"]).status == 2)
        #expect(try runTTSLoad(["compare", base, base, "--tolerance", "p97=5%"]).status == 2)
        #expect(try runTTSLoad(["compare", base]).status == 2)
        let garbage = try temporaryFile("this,is\nnot a jtl\n", name: "bad.jtl")
        let r = try runTTSLoad(["compare", base, garbage])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.jtl"))
        let noStore = try runTTSLoad(["compare", "--baseline", "main", base, "--store", "/nonexistent/s.sqlite"])
        #expect(noStore.status == 2, "\(noStore.stderr)")
    }

    /// Several runs per side, comma-separated: pooled (the JSON counts the runs and their samples),
    /// and the 20% slower pair is still a regression; an empty or unreadable member exits 2.
    @Test func severalRunsPerSideAreReadFromCommaLists() throws {
        let base = try #require(Self.base), same = try #require(Self.same), slower = try #require(Self.slower)
        let slower2 = try Self.jtl(SyntheticSide(scale: 1.2, seed: 4).samples, name: "slower2.jtl")
        let r = try runTTSLoad(["compare", "\(base),\(same)", "\(slower),\(slower2)", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let baseFacts = try #require(object["base"] as? [String: Any])
        #expect(baseFacts["runs"] as? Int == 2)
        #expect(baseFacts["samples"] as? Int == 2 * SyntheticSide(seed: 1).samples.count)
        #expect(object["verdict"] as? String == "regression")
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.contains { $0["metric"] as? String == "p95" && $0["base_effective"] is Int })
        #expect(try runTTSLoad(["compare", "\(base),", slower]).status == 2)
        #expect(try runTTSLoad(["compare", "\(base),/nonexistent/run", slower]).status == 2)
    }

    @Test func strictTurnsInconclusiveIntoExitOne() throws {
        let few = try Self.jtl(SyntheticSide(perSecond: 10, seconds: 3, seed: 1).samples, name: "few.jtl")
        let few2 = try Self.jtl(SyntheticSide(perSecond: 10, seconds: 3, seed: 1).samples, name: "few2.jtl")
        #expect(try runTTSLoad(["compare", few, few2]).status == 0)
        let strict = try runTTSLoad(["compare", few, few2, "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("inconclusive (too few samples)"))
    }

    @Test func baselineSetThenCompareAndHistory() throws {
        let storePath = try temporaryFile("", name: "store.sqlite") + "-dir/ttsload.sqlite"
        let store = try ResultStore(path: storePath)
        for scale in [1.0, 1.2] {
            let side = OutputTests.stepped(scale: scale, seed: scale == 1 ? 1 : 2)
            let id = try store.beginRun(ResultStore.RunInfo(planName: "stepped", startedMicros: side.t0))
            try store.addSamples(side.samples, run: id)
            try store.finishRun(id, status: .complete, endedMicros: side.t0 + 34_000_000)
        }
        let set = try runTTSLoad(["baseline", "set", "1", "--name", "main", "--store", storePath])
        #expect(set.status == 0 && set.stdout.contains("baseline main -> run 1 (stepped, complete)"), "\(set.stderr)")
        #expect(try runTTSLoad(["baseline", "set", "7", "--name", "main", "--store", storePath]).status == 2)
        #expect(try runTTSLoad(["baseline", "list", "--store", storePath]).stdout.contains("main\trun 1\tstepped"))
        let compared = try runTTSLoad(["compare", "--baseline", "main", "2", "--store", storePath])
        #expect(compared.status == 1, "\(compared.stdout)\(compared.stderr)")
        #expect(compared.stdout.contains("base: baseline main [stepped]"))
        let history = try runTTSLoad(["history", "stepped", "--store", storePath])
        #expect(history.status == 0)
        #expect(history.stdout.contains("runs of stepped"))
        #expect(history.stdout.contains("  p95     ▁█"))
        #expect(try runTTSLoad(["history", "nothing-like-it", "--store", storePath]).status == 2)
    }
}
