import Foundation
import Plan
import Report
import Results
import Testing

/// One A/B run split into the two sides of a comparison (`ABSides`): samples by their group's
/// side, names without the side, each side's own steps and the plan's thresholds as written.
@Suite struct ABSidesTests {
    static let yaml = """
        name: ab
        target: { url: "http://127.0.0.1:9" }
        targets: { b: "http://127.0.0.1:10" }
        thread_groups:
          - { name: g, request: { label: tts, text: hi }, load: { steps: [4], hold: 60s } }
        thresholds: ["p95 < 1s", "g: error_rate < 1%"]
        """

    /// Side a's samples from one seed, side b's from the same one slowed by `bScale`, as the run's JTL holds them.
    func run(bScale: Double) throws -> (RunSide, Plan) {
        let plan = try PlanLoader.parse(data: Data(Self.yaml.utf8), file: "ab.yaml").plan
        func tagged(_ side: ABSide, scale: Double) -> [Sample] {
            SyntheticSide(scale: scale, seed: 7).samples.map { s in
                var s = s
                s.groupName = "g" + side.suffix
                s.groupIndex = side == .a ? 0 : 1
                s.label = "tts" + side.suffix
                return s
            }
        }
        let samples = (tagged(.a, scale: 1) + tagged(.b, scale: bScale)).sorted { $0.start < $1.start }
        let whole = RunSide(name: "run", source: "results.jtl", title: "ab", samples: samples, profile: LoadProfile(plan: plan),
                            startMicros: SyntheticSide.t0)
        return (whole, plan)
    }

    @Test func samplesGoToTheirSideUnderThePlansNames() throws {
        let (whole, plan) = try run(bScale: 1)
        #expect(Set(whole.windows.map(\.group)) == ["g [a]", "g [b]"])
        let (a, b) = ABSides.split(whole, plan: plan)
        #expect(a.samples.count == 3_000 && b.samples.count == 3_000)
        #expect(Set(a.samples.map(\.groupName)) == ["g"] && Set(b.samples.map(\.label)) == ["tts"])
        #expect(Set(a.samples.map(\.groupIndex)) == [0] && Set(b.samples.map(\.groupIndex)) == [0])
        #expect(a.windows.map(\.group) == ["g"] && b.windows.map(\.group) == ["g"])
        #expect(a.windows.map(\.holdStart) == b.windows.map(\.holdStart))
        #expect(a.t0 == b.t0)
        #expect(a.name == "run side a" && b.name == "run side b")
        // Each side is judged on the thresholds as written, for its own samples.
        #expect(a.thresholds.map(\.expression) == ["p95 < 1s", "g: error_rate < 1%"])
        #expect(b.thresholds.map(\.side) == [nil, nil])
    }

    @Test func theSameSamplesOnBothSidesAreUnchangedAndASlowerBIsARegression() throws {
        let (same, plan) = try run(bScale: 1)
        let sides = ABSides.split(same, plan: plan)
        let aa = Comparator.compare(base: sides.a, candidate: sides.b)
        #expect(aa.scopes.map(\.kind) == [.step, .label])
        #expect(aa.scopes.flatMap(\.entries).allSatisfy { $0.verdict == .unchanged || $0.verdict == .tooFewSamples }, "\(aa.scopes)")
        #expect(aa.exitCode(strict: false) == 0)

        let (slower, _) = try run(bScale: 1.3)
        let ab = Comparator.compare(base: ABSides.split(slower, plan: plan).a, candidate: ABSides.split(slower, plan: plan).b)
        #expect(ab.entry(.p95)?.verdict == .regression)
        #expect(ab.entry(.p50, label: "tts")?.verdict == .regression)
        #expect(ab.exitCode(strict: false) == 1)
        #expect(ab.thresholds.map(\.expression) == ["p95 < 1s", "g: error_rate < 1%"])
    }
}
