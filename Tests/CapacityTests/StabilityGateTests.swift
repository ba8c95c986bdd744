import Foundation
import Testing
@testable import Capacity
import Results

/// The gate on synthetic samples with known end times: windows close at their end, stretch until
/// they hold enough samples, and a level counts only when its last windows agree.
struct StabilityGateTests {
    static let second: Int64 = 1_000_000
    static let settings = StabilityGate.Settings(window: 1, warmup: 1, agree: 3, maxWindows: 6, tolerance: 0.1, minSamples: 5)

    /// Feeds a gate whole seconds as a run does: the samples that ended in each, in order, up to
    /// (not including) the second that ends after `through`.
    struct Feeder {
        var gate: StabilityGate
        var bySecond: [Int64: SampleTally<LatencyHistogram>] = [:]
        var next: Int64 = 0

        init(_ gate: StabilityGate) { self.gate = gate }

        mutating func add(_ samples: [Sample]) {
            for s in samples { bySecond[s.end / 1_000_000, default: SampleTally(extended: true)].add(s) }
        }

        mutating func advance(through: Int64) -> StabilityGate.Decision? {
            var decided = gate.decision()
            while (next + 1) * 1_000_000 <= through {
                decided = gate.add(second: next, tally: bySecond[next] ?? SampleTally(extended: true))
                next += 1
            }
            return decided
        }
    }

    /// `perSecond` samples ending evenly in each second [from, to), each taking `latency(second)` seconds.
    static func samples(from: Int, to: Int, perSecond: Int, latency: (Int) -> Double, success: Bool = true) -> [Sample] {
        var out: [Sample] = []
        for s in from..<to {
            for i in 0..<perSecond {
                let end = Int64(s) * second + Int64(i) * second / Int64(perSecond)
                let elapsed = Int64(latency(s) * 1_000_000)
                out.append(Sample(start: end - elapsed, elapsed: elapsed, latency: elapsed, status: success ? 200 : 503, success: success,
                                  label: "g", groupName: "g"))
            }
        }
        return out
    }

    static func good(_ seconds: Dictionary<Int64, SampleTally<LatencyHistogram>>.Keys, _ perSecond: Int) -> [Int64: Int] {
        Dictionary(uniqueKeysWithValues: seconds.map { ($0, perSecond) })
    }

    @Test func aSteadyLevelIsJudgedAfterWarmUpAndThreeWindows() throws {
        let slo = try SLO("p95 < 500ms, error_rate < 1%")
        var gate = Feeder(StabilityGate(settings: Self.settings, slo: slo, loadStart: 0))
        gate.add(Self.samples(from: 0, to: 10, perSecond: 20, latency: { $0 == 0 ? 2.0 : 0.2 }))  // a slow warm-up second, dropped
        let early = gate.advance(through: 3 * Self.second)
        #expect(early == nil)  // warm-up [0,1), windows [1,2) and [2,3): two windows
        let advanced = gate.advance(through: 4 * Self.second)
        let decided = try #require(advanced)
        #expect(decided.verdict == .good && decided.judged == 3)
        #expect(gate.gate.windows.map(\.samples) == [20, 20, 20])
        let level = gate.gate.level(users: 4, loadStart: 0, decision: decided, confirmation: false, goodBySecond: Self.good(gate.bySecond.keys, 20))
        #expect(level.requestsPerSecond == 20 && level.goodputPerSecond == 20 && abs(level.p95! - 0.2) < 0.001)
    }

    @Test func breakingTheSLOWhileSteadyIsBadWithTheReason() throws {
        let slo = try SLO("p95 < 150ms")
        var gate = Feeder(StabilityGate(settings: Self.settings, slo: slo, loadStart: 0))
        gate.add(Self.samples(from: 1, to: 10, perSecond: 20, latency: { _ in 0.2 }))
        let advanced = gate.advance(through: 4 * Self.second)
        let decided = try #require(advanced)
        #expect(decided.verdict == .bad && decided.reason == "broke p95 < 150ms (200 ms)", "\(decided.reason)")
        #expect(gate.gate.level(users: 4, loadStart: 0, decision: decided, confirmation: false, goodBySecond: [:]).goodputPerSecond == 0)
    }

    @Test func slowLevelsStretchTheirWindowsToHoldEnoughSamples() throws {
        var gate = Feeder(StabilityGate(settings: Self.settings, slo: try SLO("p95 < 5s"), loadStart: 0))
        gate.add(Self.samples(from: 1, to: 20, perSecond: 2, latency: { _ in 0.5 }))  // 2 a second: a window needs 3 s for 5 samples
        let notYet = gate.advance(through: 9 * Self.second)
        #expect(notYet == nil)
        #expect(gate.gate.windows.map(\.seconds) == [3, 3])
        let last = gate.advance(through: 10 * Self.second)
        #expect(last?.verdict == .good)
    }

    @Test func aDriftingLevelIsUnstableAtTheCapAndAnOverloadedOneIsBad() throws {
        // Latency grows 20% a second: windows never agree within 10%.
        var drifting = Feeder(StabilityGate(settings: Self.settings, slo: try SLO("p95 < 10s"), loadStart: 0))
        drifting.add(Self.samples(from: 1, to: 12, perSecond: 20, latency: { 0.1 * pow(1.2, Double($0)) }))
        let advancedDrift = drifting.advance(through: 12 * Self.second)
        let unstable = try #require(advancedDrift)
        #expect(unstable.verdict == .unstable && drifting.gate.windows.count == 6)
        #expect(unstable.reason.hasPrefix("did not settle in 6 windows: throughput varied 0%, p95 31% over the last 3 windows"), "\(unstable.reason)")
        // The same drift far above the SLO in every window: decisively bad, though unsettled.
        var overloaded = Feeder(StabilityGate(settings: Self.settings, slo: try SLO("p95 < 50ms"), loadStart: 0))
        overloaded.add(Self.samples(from: 1, to: 12, perSecond: 20, latency: { 0.1 * pow(1.2, Double($0)) }))
        let overload = overloaded.advance(through: 12 * Self.second)
        #expect(overload?.verdict == .bad)
    }

    @Test func anOpenModelLevelTheServiceCannotKeepUpWithIsSaturated() throws {
        var settings = Self.settings
        settings.offeredRate = 12
        // 9 a second served of 12 offered, latency growing with the backlog: bad after three windows.
        var saturated = Feeder(StabilityGate(settings: settings, slo: try SLO("p95 < 10s"), loadStart: 0))
        saturated.add(Self.samples(from: 1, to: 10, perSecond: 9, latency: { 0.1 + 0.3 * Double($0) }))
        let verdict = saturated.advance(through: 4 * Self.second)
        #expect(verdict?.verdict == .bad && verdict?.reason == "saturated: served 9.0 of 12 req/s offered, p95 rising in every window", "\(String(describing: verdict))")
        // Served what was offered: judged as any level.
        settings.offeredRate = 9
        var kept = Feeder(StabilityGate(settings: settings, slo: try SLO("p95 < 10s"), loadStart: 0))
        kept.add(Self.samples(from: 1, to: 10, perSecond: 9, latency: { 0.1 + 0.001 * Double($0) }))
        let keptVerdict = kept.advance(through: 4 * Self.second)
        #expect(keptVerdict?.verdict == .good)
    }

    @Test func goodputCountsOnlySuccessfulRequestsUnderEveryBound() throws {
        let slo = try SLO("p95 < 300ms, ttfa_p95 < 1s, error_rate < 50%")
        let fast = Sample(start: 0, elapsed: 200_000, latency: 200_000, status: 200, success: true, label: "g", groupName: "g",
                          audio: AudioFigures(format: "wav", audioSeconds: 1, ttfa: 100_000, chunks: 1, maxGap: 0, underrun: 0, stalls: 0,
                                              rtf: 0.2, characters: 5, truncated: false))
        var slow = fast
        slow.elapsed = 400_000
        var failed = fast
        failed.success = false
        var noAudio = fast
        noAudio.audio = nil
        #expect(slo.isGood(fast) && !slo.isGood(slow) && !slo.isGood(failed) && !slo.isGood(noAudio))
        #expect(throws: SLO.Failure.self) { try SLO("step 2: p95 < 1s") }
        #expect(throws: SLO.Failure.self) { try SLO("target:tts_queue_depth max < 4") }
        #expect(throws: SLO.Failure.self) { try SLO("latency95 < 1s") }
        #expect(throws: SLO.Failure.self) { try SLO(" , ") }
    }
}
