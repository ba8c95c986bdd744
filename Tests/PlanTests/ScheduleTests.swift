import Testing
@testable import Plan

private func d(_ s: Double) -> PlanDuration { PlanDuration(seconds: s) }

@Suite struct ScheduleTests {
    @Test func stepsRampOneUserAtATimeJMeterStyle() {
        // 0 -> 10 users over 10 s: one more user every second, the first at the ramp's start.
        let g = GroupSchedule(name: "g", load: .steps(users: [10, 20], rampUp: d(10), hold: d(30)), delay: 0)
        #expect(g.users(at: 0) == 1)
        #expect(g.users(at: 0.999) == 1)
        #expect(g.users(at: 1) == 2)
        #expect(g.users(at: 9.5) == 10)
        #expect(g.users(at: 10) == 10)
        #expect(g.users(at: 39.999) == 10)
        #expect(g.users(at: 40) == 11)  // next ramp starts, first new user at once
        #expect(g.users(at: 49.99) == 20)
        #expect(g.users(at: 79.99) == 20)
        #expect(g.users(at: 80) == 0)  // the end: users leave (gracefully, by the engine)
        #expect(g.users(at: -1) == 0)
        #expect(g.end == 80)
        #expect(g.steps.map(\.name) == ["step 1: 10 users", "step 2: 20 users"])
        #expect(g.steps.map(\.start) == [0, 40])
        #expect(g.steps.map(\.holdStart) == [10, 50])
        #expect(g.steps.map(\.end) == [40, 80])
    }

    @Test func seedStudyOneUserEveryPointThreeSeconds() {
        let g = GroupSchedule(name: "g", load: .steps(users: [100], rampUp: d(30), hold: d(180)), delay: 0)
        #expect(g.users(at: 0.29) == 1)
        #expect(g.users(at: 0.31) == 2)
        #expect(g.users(at: 15.01) == 51)
        #expect(g.users(at: 29.71) == 100)
    }

    @Test func zeroLengthRampJumps() {
        let g = GroupSchedule(name: "g", load: .steps(users: [5, 50, 10], rampUp: .zero, hold: d(10)), delay: 0)
        #expect(g.users(at: 0) == 5)
        #expect(g.users(at: 9.999) == 5)
        #expect(g.users(at: 10) == 50)
        #expect(g.users(at: 20) == 10)  // stepping down is allowed too
        #expect(g.steps.map(\.holdStart) == g.steps.map(\.start))
        #expect(g.end == 30)
    }

    @Test func rampingDownRemovesUsersEvenly() {
        let g = GroupSchedule(name: "g", load: .steps(users: [10, 0], rampUp: d(10), hold: d(5)), delay: 0)
        #expect(g.users(at: 14.9) == 10)
        #expect(g.users(at: 15) == 9)
        #expect(g.users(at: 24.5) == 0)
    }

    @Test func singleConstantStepWithDelay() {
        let g = GroupSchedule(name: "g", load: .constant(users: 4, rampUp: d(2), duration: d(10)), delay: 5)
        #expect(g.users(at: 4.99) == 0)
        #expect(g.users(at: 5) == 1)
        #expect(g.users(at: 6.5) == 4)
        #expect(g.users(at: 14.99) == 4)
        #expect(g.users(at: 15) == 0)
        #expect(g.steps == [ScheduleStep(index: 1, name: "step 1: 4 users", level: 4, start: 5, holdStart: 7, end: 15)])
    }

    @Test func stagesMakeStepsOfPlateaus() {
        let g = GroupSchedule(name: "g", load: .stages([
            .init(duration: d(5), target: 5), .init(duration: d(20), target: 5),
            .init(duration: d(5), target: 20), .init(duration: d(20), target: 20), .init(duration: d(5), target: 0),
        ]), delay: 0)
        #expect(g.steps.map(\.level) == [5, 20])
        #expect(g.steps.map(\.start) == [0, 25])
        #expect(g.steps.map(\.holdStart) == [5, 30])
        #expect(g.steps.map(\.end) == [25, 50])
        #expect(g.users(at: 27.5) == 5 + 8)  // 15 changes over 5 s: 8 done by 2.5 s (first at 25 s)
        #expect(g.users(at: 52.6) == 9)  // ramping down 20 -> 0 over 5 s
        #expect(g.end == 55)
        // Stages with no plateau: every stage is a step.
        let ramp = GroupSchedule(name: "r", load: .stages([.init(duration: d(10), target: 10), .init(duration: d(10), target: 0)]), delay: 0)
        #expect(ramp.steps.count == 2)
    }

    @Test func openModelRatesAndArrivals() {
        let g = GroupSchedule(name: "o", load: .arrivalRate(ArrivalRate(
            shape: .steps(rates: [2, 10], rampUp: d(4), hold: d(10)), distribution: .poisson, maxUsers: 7)), delay: 1)
        #expect(g.model == .open(maxUsers: 7, distribution: .poisson))
        #expect(g.users(at: 5) == 0)
        #expect(g.rate(at: 1) == 0)
        #expect(g.rate(at: 3) == 1)  // halfway up the first ramp 0 -> 2
        #expect(g.rate(at: 10) == 2)
        #expect(g.rate(at: 17) == 6)  // halfway from 2 to 10
        #expect(g.rate(at: 25) == 10)
        // Arrivals are the integral: ramp 0->2 over 4 s = 4, hold 2/s for 10 s = 20, ramp 2->10 = 24, hold = 100.
        #expect(abs(g.expectedArrivals(until: 5) - 4) < 1e-9)
        #expect(abs(g.expectedArrivals(until: 15) - 24) < 1e-9)
        #expect(abs(g.expectedArrivals(until: 29) - 148) < 1e-9)
        #expect(abs(g.expectedArrivals(until: 100) - 148) < 1e-9)
        #expect(g.steps.map(\.name) == ["step 1: 2 req/s", "step 2: 10 req/s"])
    }

    @Test func constantRateStartsAtItsRate() {
        let g = GroupSchedule(name: "o", load: .arrivalRate(ArrivalRate(shape: .constant(rate: 0.5, duration: d(60)))), delay: 0)
        #expect(g.rate(at: 0) == 0.5)
        #expect(g.rate(at: 59.9) == 0.5)
        #expect(abs(g.expectedArrivals(until: 60) - 30) < 1e-9)
    }

    @Test func manyGroupsAddUp() throws {
        let p = try parsePlan("""
        target: { url: embedded }
        thread_groups:
          - { name: a, request: { text: x }, load: { steps: [2, 4], hold: 10s } }
          - { name: b, request: { text: x }, delay: 5s, load: { users: 3, duration: 10s } }
          - { name: c, request: { text: x }, load: { arrival_rate: { rate: 2, duration: 30s } } }
        """).plan
        let profile = LoadProfile(plan: p)
        #expect(profile.duration == 30)
        #expect(profile.users(at: 0) == 2)
        #expect(profile.users(at: 6) == 5)
        #expect(profile.users(at: 12) == 7)
        #expect(profile.users(at: 16) == 4)
        #expect(profile.rate(at: 16) == 2)
        #expect(profile.users(at: 30) == 0)
    }

    @Test func weightedGroupsSplitTheSharedLoadExactly() throws {
        let p = try parsePlan("""
        target: { url: embedded }
        load: { steps: [10, 50, 101], hold: 1m }
        thread_groups:
          - { name: a, weight: 3, request: { text: x } }
          - { name: b, weight: 1, request: { text: x } }
        """).plan
        let profile = LoadProfile(plan: p)
        #expect(profile.groups.map { $0.steps.map(\.level) } == [[8, 38, 76], [2, 12, 25]])
        for step in 0..<3 {
            #expect(profile.groups.reduce(0) { $0 + $1.steps[step].level } == [10, 50, 101][step])
        }
    }

    @Test func largestRemainderIsExact() {
        #expect(LoadSplit.largestRemainder(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(LoadSplit.largestRemainder(2, weights: [1, 1, 1]) == [1, 1, 0])
        #expect(LoadSplit.largestRemainder(7, weights: [0.5, 0.25, 0.25]) == [3, 2, 2])
        #expect(LoadSplit.largestRemainder(0, weights: [1, 2]) == [0, 0])
        #expect(LoadSplit.largestRemainder(5, weights: [0, 0]) == [0, 0])
        for total in [1, 7, 99, 1_000] {
            #expect(LoadSplit.largestRemainder(total, weights: [0.3, 1.7, 2, 0.01]).reduce(0, +) == total)
        }
        let rates = LoadSpec.arrivalRate(ArrivalRate(shape: .constant(rate: 9, duration: d(1)), maxUsers: 10)).split(weights: [2, 1])
        #expect(rates == [.arrivalRate(ArrivalRate(shape: .constant(rate: 6, duration: d(1)), maxUsers: 7)),
                          .arrivalRate(ArrivalRate(shape: .constant(rate: 3, duration: d(1)), maxUsers: 3))])
    }
}
