import Foundation
import Plan
import Results
import Testing
@testable import Thresholds

/// Thresholds judged on samples whose figures are known exactly: the schedule places them in
/// steps, and every expected value is worked out by hand from the samples made here.
@Suite struct ThresholdJudgeTests {
    static let t0: Int64 = 1_800_000_000_000_000

    /// Steps [1, 2, 4] users, ramp 1 s, hold 4 s: holds at [1, 5), [6, 10), [11, 15).
    static let profile = LoadProfile(groups: [GroupSchedule(name: "g", load: .steps(users: [1, 2, 4], rampUp: PlanDuration(seconds: 1),
                                                                                    hold: PlanDuration(seconds: 4)), delay: 0)])

    static func sample(at t: Double, ms: Int64, status: Int = 200, success: Bool = true, label: String = "g",
                       errorClass: ErrorClass? = nil) -> Sample {
        Sample(start: t0 + Int64(t * 1_000_000), elapsed: ms * 1_000, latency: ms * 1_000, status: status, success: success,
               errorClass: errorClass, label: label, groupName: "g")
    }

    static func judge(_ expressions: [String], _ samples: [Sample]) throws -> ThresholdJudge {
        var judge = ThresholdJudge(thresholds: try expressions.map { try Threshold.parse($0) }, profile: profile,
                                   groupIndices: ["g": 0], startWall: t0)
        judge.add(samples)
        return judge
    }

    @Test func parsesScopesAndTheNewMetrics() throws {
        #expect(try Threshold.parse("step 3: p95 < 2s").steps == .step(3))
        #expect(try Threshold.parse("each step: error_rate < 1%").steps == .each)
        let scoped = try Threshold.parse("happy-short: ok_p95 < 2s")
        #expect(scoped.scope == "happy-short" && scoped.steps == .run && scoped.metric.kind == .percentile(.okLatency, 95))
        #expect(try Threshold.parse("gap_p99 < 200ms").metric.kind == .percentile(.gap, 99))
        #expect(try Threshold.parse("rc5xx < 1%").metric.kind == .statusShare("5xx"))
        #expect(try Threshold.parse("rc503 < 0.01").value == 0.01)
        #expect(try Threshold.parse("checks > 99.5%").metric.kind == .aggregate(.checks))
        #expect(try Threshold.parse("ok_rps >= 10").metric.kind == .aggregate(.okRps))
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("rc5x1 < 1%") }
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("step two: p95 < 1s") }
    }

    /// 97 fast 503s and 3 slow successes: the p95 of all samples passes, that of successful ones does not.
    @Test func fastErrorsDoNotMakeLatencyPass() throws {
        var samples = (0..<97).map { i in Self.sample(at: 2 + Double(i) * 0.01, ms: 4, status: 503, success: false, errorClass: .checkFailed) }
        samples += (0..<3).map { i in Self.sample(at: 3 + Double(i) * 0.1, ms: 3_000) }
        let v = try Self.judge(["p95 < 2s", "ok_p95 < 2s", "rc5xx < 1%", "checks > 99%", "error_rate < 50%", "ok_rps > 1"], samples)
            .verdict(durationSeconds: 15)
        #expect(v.thresholds.map(\.passed) == [true, false, false, false, false, false])
        #expect(abs(try #require(v.thresholds[0].value) - 0.004) <= 0.004 / 1_000)
        // HdrHistogram keeps 3 significant digits: 3 s within 0.1%.
        #expect(abs(try #require(v.thresholds[1].value) - 3) <= 0.003)
        #expect(v.thresholds[2].value == 0.97)
        #expect(v.thresholds[3].value == 0.03)
        #expect(abs(try #require(v.thresholds[5].value) - 3.0 / 15) < 1e-9)
        #expect(!v.passed)
    }

    /// Latency grows with the step; `each step` fails where it breaks, `step 1` passes, and the
    /// answer names the last step within every threshold.
    @Test func judgesEachStepHoldAndFindsTheLastStepWithin() throws {
        var samples: [Sample] = []
        // Per step hold: 20 samples at 100, 200, 400 ms; ramps get 5 s samples that no hold may count.
        for (hold, ms) in [(1.0, Int64(100)), (6.0, 200), (11.0, 400)] {
            samples += (0..<20).map { Self.sample(at: hold + Double($0) * 0.2, ms: ms) }
        }
        samples += [Self.sample(at: 0.5, ms: 5_000), Self.sample(at: 5.5, ms: 5_000), Self.sample(at: 10.5, ms: 5_000)]
        let v = try Self.judge(["each step: p95 < 300ms", "step 1: p95 < 150ms", "step 3: rps >= 5", "p99 < 6s"], samples)
            .verdict(durationSeconds: 15)
        #expect(v.thresholds.map(\.passed) == [false, true, true, true])
        #expect(v.thresholds[0].note == "broken at step 3")
        #expect(v.thresholds[0].value == 0.4)
        #expect(v.thresholds[2].value == 5)  // 20 samples over the 4 s hold
        #expect(v.steps.map { $0.cells[0]?.passed } == [true, true, false])
        #expect(v.steps.map { $0.cells[1] != nil } == [true, false, false])
        #expect(v.within.first?.step == 2)
        #expect(v.answer.contains("within every threshold up to step 2 (2 users)"))
        #expect(v.answer.contains("step 3 (4 users) broke each step: p95 < 300ms: 400 ms"))
    }

    /// Monitor thresholds read the series over each step's hold and the run: a queue that grows
    /// with the steps breaks `each step: max < 5` at step 3 only; a missing series fails with a note.
    @Test func monitorThresholdsJudgeTheSeriesPerStep() throws {
        // Queue depth 1, 3, 9 in the holds [1, 5), [6, 10), [11, 15); 50 during the ramps (outside any hold).
        let queue = MonitorSeries(name: "target:tts_queue_depth", points: (0..<15).map { k in
            let t = Double(k) + 0.5
            let v: Double = t < 1 || (t >= 5 && t < 6) || (t >= 10 && t < 11) ? 50 : t < 5 ? 1 : t < 10 ? 3 : 9
            return (Self.t0 + Int64(t * 1_000_000), v)
        })
        let samples = (0..<60).map { Self.sample(at: Double($0) / 4, ms: 10) }
        let v = try Self.judge(["each step: target:tts_queue_depth max < 5", "target:tts_queue_depth max < 64",
                                "step 2: target:tts_queue_depth mean <= 3", "target:tts_batch_size_mean max < 8"], samples)
            .verdict(durationSeconds: 15, monitors: [queue])
        #expect(v.thresholds.map(\.passed) == [false, true, true, false])
        #expect(v.steps.map { $0.cells[0]?.value } == [1, 3, 9])
        #expect(v.thresholds[0].note == "broken at step 3")
        #expect(v.thresholds[1].value == 50)
        #expect(v.thresholds[3].note == "no series target:tts_batch_size_mean was recorded")
        // A series that was never recorded has no value in any step either: no step is within.
        #expect(v.within.first?.step == nil)
        let recorded = try Self.judge(["each step: target:tts_queue_depth max < 5"], samples).verdict(durationSeconds: 15, monitors: [queue])
        #expect(recorded.within.first?.step == 2)
    }

    /// Memory that steps up with the load is not a leak: a whole-run `slope` is judged over the
    /// steady stretch the leak finder uses (the last long hold less its first fifth), where a
    /// series flat at its new level passes and one that keeps growing fails.
    @Test func aWholeRunSlopeIsJudgedOverTheSteadyLoad() throws {
        // Steps [2, 8], ramp 1 s, hold 20 s: holds [1, 21) and [22, 42); the steady window is [26, 42).
        let profile = LoadProfile(groups: [GroupSchedule(name: "g", load: .steps(users: [2, 8], rampUp: PlanDuration(seconds: 1),
                                                                                 hold: PlanDuration(seconds: 20)), delay: 0)])
        let window = try #require(MonitorLeak.window(profile))
        #expect(window.from == 26 && window.to == 42)
        func series(_ name: String, growthPerSecond: Double) -> MonitorSeries {
            MonitorSeries(name: name, points: (0..<42).map { k in
                let t = Double(k) + 0.5
                let level = t < 21 ? 100e6 : 200e6 + (t - 22) * growthPerSecond  // +100 MB at the step
                return (Self.t0 + Int64(t * 1_000_000), level)
            })
        }
        var judge = ThresholdJudge(thresholds: try ["target:flat_bytes slope < 1MB/min", "target:leaky_bytes slope < 1MB/min"].map { try Threshold.parse($0) },
                                   profile: profile, groupIndices: ["g": 0], startWall: Self.t0)
        judge.add((0..<84).map { Self.sample(at: Double($0) / 2, ms: 10) })
        let monitors = [series("target:flat_bytes", growthPerSecond: 0), series("target:leaky_bytes", growthPerSecond: 1e6)]
        let steady = judge.verdict(durationSeconds: 42, monitors: monitors, steadyWindow: window)
        #expect(steady.thresholds.map(\.passed) == [true, false], "\(steady.thresholds)")
        #expect(abs((steady.thresholds[1].value ?? 0) - 3.6e9) < 0.01 * 3.6e9)  // 1 MB/s = 3.6 GB/h
        #expect(steady.thresholds[0].note == "over the steady load, 26-42 s")
        // Over the whole run the step itself reads as growth, which is what the window is for.
        let whole = judge.verdict(durationSeconds: 42, monitors: monitors)
        #expect(whole.thresholds[0].passed == false)
    }

    @Test func aStepNotReachedFailsAThresholdScopedToIt() throws {
        let samples = (0..<10).map { Self.sample(at: 1 + Double($0) * 0.1, ms: 50) }
        let v = try Self.judge(["step 3: p95 < 1s", "p95 < 1s"], samples).verdict(durationSeconds: 4)
        #expect(v.thresholds.map(\.passed) == [false, true])
        #expect(v.thresholds[0].note == "step 3 not reached")
        #expect(v.steps.map(\.ran) == [true, false, false])
    }

    /// The run's figure can pass once the abort cut the run short: the threshold still failed.
    @Test func theThresholdThatAbortedTheRunFailed() throws {
        let samples = (0..<10).map { Self.sample(at: 1 + Double($0) * 0.1, ms: 50, status: $0 < 3 ? 503 : 200, success: $0 >= 3) }
        var judge = ThresholdJudge(thresholds: [try Threshold.parse("error_rate < 50%", abort: true, window: PlanDuration(seconds: 2))],
                                   profile: Self.profile, groupIndices: ["g": 0], startWall: Self.t0)
        judge.add(samples)
        let stop = ThresholdVerdict.Stop(kind: "abort", expression: "error_rate < 50%", atSeconds: 3.2, value: 0.8, step: nil, text: "abort")
        let v = judge.verdict(durationSeconds: 3.5, stop: stop)
        #expect(v.thresholds[0].value == 0.3)
        #expect(!v.thresholds[0].passed && v.thresholds[0].note == "aborted the run at 3 s")
        #expect(judge.verdict(durationSeconds: 3.5).thresholds[0].passed)
    }

    @Test func scopesSelectLabels() throws {
        let samples = (0..<10).map { _ in Self.sample(at: 2, ms: 100, label: "short") } + (0..<10).map { _ in Self.sample(at: 2, ms: 900, label: "long") }
        let v = try Self.judge(["short: max < 200ms", "long: max < 200ms", "g: max < 1s"], samples).verdict(durationSeconds: 15)
        #expect(v.thresholds.map(\.passed) == [true, false, true])
    }

    static func second(_ ms: [Int64]) -> [String: SampleTally<SparseHistogram>] {
        var tally = SampleTally<SparseHistogram>(extended: true)
        for m in ms { tally.add(sample(at: 0, ms: m)) }
        return ms.isEmpty ? [:] : ["g": tally]
    }

    /// `for: 3s`: three failing seconds in a row abort; one slow second between good ones never does,
    /// and a second without samples neither breaks nor extends the streak.
    @Test func abortWindowNeedsEverySecondToFail() throws {
        let t = try Threshold.parse("max < 1s", abort: true, after: PlanDuration(seconds: 2), window: PlanDuration(seconds: 3))
        let live = LiveJudge(thresholds: [t], stopWhen: nil, profile: Self.profile)
        // Seconds ending at 1...: slow at 1 (before `after`), 4 (alone), then 7, [8 empty], 9, 10.
        let pattern: [(Double, [Int64])] = [(1, [2_000]), (2, [100]), (3, [100]), (4, [2_000]), (5, [100]), (6, [100]),
                                             (7, [2_000]), (8, []), (9, [2_000]), (10, [2_000]), (11, [2_000])]
        var fired: Double?
        for (elapsed, ms) in pattern {
            if case .abort(let stop)? = live.second(elapsed: elapsed, byLabel: Self.second(ms)) {
                fired = elapsed
                #expect(stop.expression == "max < 1s")
                break
            }
        }
        // The streak began with the second ending at 7 (so at 6): 3 s later is the second ending at 9.
        #expect(fired == 9)
    }

    @Test func abortWithoutWindowJudgesTheRunSoFar() throws {
        let t = try Threshold.parse("max < 1s", abort: true)
        let live = LiveJudge(thresholds: [t], stopWhen: nil, profile: Self.profile)
        #expect(live.second(elapsed: 1, byLabel: Self.second([100])) == nil)
        guard case .abort? = live.second(elapsed: 2, byLabel: Self.second([2_000])) else {
            Issue.record("no abort on the first failing figure")
            return
        }
    }

    /// stop_when is judged when a step's hold is over, on the seconds inside it; the last step never stops.
    @Test func stopWhenStopsAfterTheFirstStepThatMeetsIt() throws {
        let condition = try Threshold.parse("p95 > 300ms")
        let live = LiveJudge(thresholds: [], stopWhen: StopWhen(conditions: [condition], thresholds: false), profile: Self.profile)
        var stop: ThresholdVerdict.Stop?
        for e in 1...16 {
            let ms: Int64 = e <= 5 ? 100 : e <= 10 ? 400 : 800
            if case .stop(let s)? = live.second(elapsed: Double(e), byLabel: Self.second([ms, ms])) {
                stop = s
                #expect(e == 11)  // the second ending at 11 is the first with its middle past step 2's end (10)
                break
            }
        }
        #expect(stop?.stepIndex == 2)
    }

    @Test func junitEscapesAndCountsFailures() throws {
        let samples = (0..<10).map { _ in Self.sample(at: 2, ms: 100, label: "a&\"c\"") }
        let v = try Self.judge(["a&\"c\": p95 < 50ms", "each step: p95 < 1s"], samples).verdict(durationSeconds: 5)
        let xml = JUnitReport.xml(v, plan: "p<q>", durationSeconds: 5)
        #expect(xml.contains("name=\"a&amp;&quot;c&quot;: p95 &lt; 50ms\""))
        #expect(xml.contains("classname=\"ttsload.p&lt;q&gt;\""))
        // One testcase for the run-wide threshold, one per step reached (only step 1) for the `each step` one.
        #expect(xml.contains("tests=\"2\" failures=\"1\""))
    }
}
