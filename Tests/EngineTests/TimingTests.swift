import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// Tests that time things. They run serialized and alone (`make test` runs this suite in a second,
/// non-parallel pass) and measure at the target: its own in-flight and request counters.
@Suite(.serialized) struct TimingTests {
    func plan(_ target: TargetProcess, _ groups: String) throws -> Plan {
        let yaml = "name: timing\ntarget: { url: \"\(target.baseURL)\", api: raw }\nthread_groups:\n" + groups
        return try PlanLoader.parse(data: Data(yaml.utf8), file: "timing.yaml").plan
    }

    /// Runs the engine on a background thread; `during` is called on this thread while it runs.
    func run(_ plan: Plan, target: TargetProcess, threads: Int = 2, during: (LoadEngine) throws -> Void = { _ in }) throws -> [Sample] {
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: target.baseURL, threads: threads, sink: sink, seed: 42)
        let done = DispatchSemaphore(value: 0)
        Thread { engine.run(); done.signal() }.start()
        try during(engine)
        done.wait()
        return sink.samples
    }

    /// Blocks until the engine's schedule clock reaches `t` seconds.
    func waitUntil(_ engine: LoadEngine, _ t: Double) {
        while engine.elapsed < t { usleep(5_000) }
    }

    @Test func closedModelUsersSeenAtTheTarget() throws {
        let target = try TargetProcess()
        let p = try plan(target, "  - { name: steps, request: { method: GET, path: /delay/200 }, load: { steps: [2, 5], hold: 3s } }\n")
        var seen: [Int] = []
        _ = try run(p, target: target) { engine in
            for t in [1.5, 2.5, 4.5, 5.5] {
                waitUntil(engine, t)
                seen.append(try target.stats()["in_flight"] ?? -1)
            }
        }
        // Mid-hold, the target is serving exactly the plan's users (each always has a request in flight).
        #expect(abs(seen[0] - 2) <= 1 && abs(seen[1] - 2) <= 1, "seen \(seen)")
        #expect(abs(seen[2] - 5) <= 1 && abs(seen[3] - 5) <= 1, "seen \(seen)")
        #expect(try target.stats()["max_in_flight"] ?? 0 <= 6)
    }

    @Test func rampAddsUsersOneAtATimeAsPlanned() throws {
        let target = try TargetProcess()
        let p = try plan(target, "  - { name: ramp, request: { method: GET, path: /delay/200 }, load: { steps: [20], ramp_up: 4s, hold: 1s } }\n")
        var seen: [(Double, Int, Int)] = []
        _ = try run(p, target: target) { engine in
            for t in [1.1, 2.1, 3.1] {
                waitUntil(engine, t)
                let planned = p.threadGroups[0].load.map { _ in LoadProfile(plan: p).users(at: t) } ?? 0
                seen.append((t, planned, try target.stats()["in_flight"] ?? -1))
            }
        }
        #expect(seen.map(\.1) == [6, 11, 16])  // 20 users over 4 s: one more every 0.2 s, the first at 0 s
        for (t, planned, measured) in seen {
            #expect(abs(measured - planned) <= max(1, planned / 10), "at \(t) s: planned \(planned), target saw \(measured)")
        }
    }

    @Test func knownDelayIsMeasuredTightly() throws {
        let target = try TargetProcess()
        let p = try plan(target, "  - { name: d, request: { method: GET, path: /delay/100 }, load: { users: 5, duration: 4s } }\n")
        let samples = try run(p, target: target)
        #expect(samples.count >= 100)
        #expect(samples.allSatisfy { $0.success && $0.elapsed >= 100_000 }, "min \(samples.map(\.elapsed).min() ?? 0)")
        let sorted = samples.map(\.elapsed).sorted()
        let p50 = sorted[sorted.count / 2]
        #expect(p50 <= 103_000, "p50 \(p50) µs")
    }

    @Test func constantArrivalsAchieveTheRate() throws {
        let target = try TargetProcess()
        let p = try plan(target, """
          - { name: open, request: { method: GET, path: /delay/5 }, load: { arrival_rate: { rate: 100, duration: 10s, max_users: 100 } } }

        """)
        let samples = try run(p, target: target)
        let served = try target.stats()["requests"] ?? 0
        #expect(abs(served - 1_000) <= 50, "served \(served) of 1000 arrivals")
        #expect(samples.count == served)
        // Coordinated omission: latency counts from the intended start, never less than the service time.
        #expect(samples.allSatisfy { $0.elapsed >= $0.serviceElapsed })
    }

    @Test func poissonArrivalsStayWithinFourSigma() throws {
        let target = try TargetProcess()
        let p = try plan(target, """
          - { name: poisson, request: { method: GET, path: /delay/5 }, load: { arrival_rate: { rate: 100, duration: 10s, distribution: poisson, max_users: 200 } } }

        """)
        _ = try run(p, target: target)
        let served = try target.stats()["requests"] ?? 0
        #expect(abs(Double(served) - 1_000) <= 4 * 1_000.0.squareRoot(), "served \(served), expected 1000 +- 126")
    }
}
