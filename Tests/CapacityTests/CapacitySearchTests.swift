import Testing
@testable import Capacity
import Results

/// The search as a pure function: against a known service (a level is good up to a true
/// capacity), it finds that capacity, confirms it, and stops within the precision; a resumed
/// search continues exactly where the first stopped.
struct CapacitySearchTests {
    static let settings = CapacitySettingsRecord(start: 1, maxUsers: 256, precision: 0.05, precisionUsers: nil, windowSeconds: 1,
                                                 warmupSeconds: 1, agreeWindows: 3, maxWindows: 10, tolerance: 0.1, minSamples: 10)

    static func level(_ users: Int, _ verdict: CapacityLevel.Verdict, confirmation: Bool = false) -> CapacityLevel {
        CapacityLevel(users: users, startMicros: 0, verdict: verdict, reason: verdict.rawValue, confirmation: confirmation, windows: [],
                      judgedWindows: 3, samples: 100, requestsPerSecond: 10, goodputPerSecond: 10, errorRate: 0, p50: nil, p95: nil, p99: nil,
                      ttfaP95: nil, rtfP95: nil, sloValues: [])
    }

    /// Runs the search against `verdict(users)` and returns the levels measured and the answer.
    static func search(settings: CapacitySettingsRecord = settings, from start: [CapacityLevel] = [], limit: Int = 60,
                       _ verdict: (Int, Int) -> CapacityLevel.Verdict) -> ([CapacityLevel], CapacityAnswer?) {
        var levels = start
        for _ in 0..<limit {
            switch CapacitySearch.next(levels: levels, settings: settings) {
            case .done(let answer): return (levels, answer)
            case .measure(let users, let confirmation):
                levels.append(level(users, verdict(users, levels.count), confirmation: confirmation))
            }
        }
        return (levels, nil)
    }

    @Test(arguments: [1, 2, 7, 12, 37, 100, 255])
    func findsAKnownCapacityAndConfirmsIt(capacity: Int) throws {
        let (levels, answer) = Self.search { users, _ in users <= capacity ? .good : .bad }
        let found = try #require(answer)
        #expect(found.kind == .found)
        let good = try #require(found.maxUsers), bad = try #require(found.firstBad)
        // The bracket holds the true capacity and is within the precision (5% of the good level, at least 1).
        #expect(good <= capacity && capacity < bad)
        #expect(bad - good <= max(1, Int((Double(good) * 0.05).rounded(.up))))
        // The answer was measured good twice, the last time as a confirmation.
        #expect(levels.filter { $0.users == good && $0.verdict == .good }.count >= 2)
        #expect(levels.last?.users == good && levels.last?.confirmation == true)
        #expect(levels.count <= 2 * 9 + 2, "\(levels.map(\.users))")
        // The growth phase doubled from 1.
        #expect(Array(levels.prefix(3).map(\.users)) == Array([1, 2, 4].prefix(min(3, levels.count))) || capacity < 2)
    }

    @Test func aFailedConfirmationMovesTheAnswerDown() throws {
        // 12 holds the first time only: its confirmation fails, and the search goes on below it.
        var seen12 = 0
        let (levels, answer) = Self.search { users, _ in
            if users == 12 { seen12 += 1; return seen12 == 1 ? .good : .bad }
            return users <= 12 ? .good : .bad
        }
        let found = try #require(answer)
        #expect(found.kind == .found && found.maxUsers == 11 && found.firstBad == 12, "\(levels.map { "\($0.users)\($0.verdict)" })")
    }

    @Test func precisionInUsers() throws {
        var settings = Self.settings
        settings.precisionUsers = 8
        let (_, answer) = Self.search(settings: settings) { users, _ in users <= 100 ? .good : .bad }
        let found = try #require(answer)
        #expect(found.maxUsers! <= 100 && found.firstBad! > 100 && found.firstBad! - found.maxUsers! <= 8)
    }

    @Test func noLevelWithinTheSLOAndNoBreakUpToTheCap() throws {
        let (none, noneAnswer) = Self.search { _, _ in .bad }
        #expect(noneAnswer?.kind == CapacityAnswer.Kind.none && none.map(\.users) == [1])
        var settings = Self.settings
        settings.start = 16
        let (down, downAnswer) = Self.search(settings: settings) { users, _ in users <= 3 ? .good : .bad }
        #expect(down.prefix(4).map(\.users) == [16, 8, 4, 2], "halves down from a start that breaks it")
        #expect(downAnswer?.maxUsers == 3)
        settings.start = 1
        settings.maxUsers = 20
        let (capped, cappedAnswer) = Self.search(settings: settings) { _, _ in .good }
        #expect(cappedAnswer?.kind == .atLeast && cappedAnswer?.maxUsers == 20, "\(capped.map(\.users))")
        #expect(capped.map(\.users) == [1, 2, 4, 8, 16, 20, 20])
    }

    @Test func anUnstableLevelEndsTheSearchUnanswered() throws {
        let (levels, answer) = Self.search { users, _ in users == 8 ? .unstable : users < 20 ? .good : .bad }
        #expect(answer?.kind == .unstable && answer?.unstableAt == 8 && answer?.maxUsers == 4)
        #expect(levels.last?.users == 8)
    }

    @Test func aResumedSearchContinuesWhereTheFirstStopped() throws {
        let truth: (Int, Int) -> CapacityLevel.Verdict = { users, _ in users <= 37 ? .good : .bad }
        let (whole, wholeAnswer) = Self.search(truth)
        for cut in 1..<whole.count {
            let (resumed, answer) = Self.search(from: Array(whole.prefix(cut)), truth)
            #expect(resumed.map(\.users) == whole.map(\.users) && answer == wholeAnswer, "cut at \(cut)")
        }
        let incomplete = CapacitySearch.incomplete(levels: Array(whole.prefix(7)), why: "Ctrl-C", settings: Self.settings)
        #expect(incomplete.kind == .incomplete && incomplete.text.hasPrefix("stopped before an answer (Ctrl-C): within the SLO at 32 users, broken at 64"),
                "\(incomplete.text)")
    }

    @Test func kneeIsWhereThroughputNearsItsMost() {
        func at(_ users: Int, rps: Double, errors: Double = 0) -> CapacityLevel {
            var l = Self.level(users, .good)
            l.requestsPerSecond = rps
            l.errorRate = errors
            return l
        }
        // Batching: a stall at 2 users, growth again, the plateau from 32.
        let batched = [at(1, rps: 8.8), at(2, rps: 9.2), at(4, rps: 12.3), at(8, rps: 22), at(16, rps: 39.3), at(32, rps: 44), at(64, rps: 42.7)]
        #expect(CapacityKnee.users(batched) == 32)
        // A serial server is saturated by one user.
        #expect(CapacityKnee.users([at(1, rps: 9.8), at(2, rps: 10), at(4, rps: 10)]) == 1)
        // Fast errors are not throughput.
        #expect(CapacityKnee.users([at(1, rps: 10), at(2, rps: 19), at(4, rps: 200, errors: 0.95)]) == 2)
        #expect(CapacityKnee.users([at(1, rps: 10)]) == nil)
    }
}
