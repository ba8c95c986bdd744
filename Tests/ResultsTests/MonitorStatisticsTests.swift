import Foundation
import Testing
@testable import Plan
@testable import Results

/// Figures, slopes and leaks of monitor series, on series whose truth is known by construction.
@Suite struct MonitorStatisticsTests {
    static let t0: Int64 = 1_700_000_000_000_000

    /// A point a second: value(k) for k in 0..<n.
    static func series(_ name: String, _ n: Int, _ value: (Int) -> Double) -> MonitorSeries {
        MonitorSeries(name: name, points: (0..<n).map { (t0 + Int64($0) * 1_000_000, value($0)) })
    }

    @Test func figuresOverAWindowLeaveNaNOut() throws {
        let s = Self.series("x", 10) { $0 == 3 ? .nan : Double($0) }
        let f = try #require(s.figures(fromMicros: Self.t0 + 2_000_000, toMicros: Self.t0 + 6_000_000))
        #expect(f.points == 3 && f.min == 2 && f.max == 5 && f.last == 5 && abs(f.mean - 11.0 / 3) < 1e-12)
        #expect(s.figures(fromMicros: Self.t0 + 20_000_000) == nil)
    }

    /// A straight line plus small alternating noise: the slope is found, its interval holds it and is narrow.
    @Test func slopeOfALineWithNoise() throws {
        let perSecond = 1_000.0
        let s = Self.series("rss_bytes", 120) { 50e6 + perSecond * Double($0) + ($0 % 2 == 0 ? 300 : -300) }
        let slope = try #require(s.slope(fromMicros: Self.t0, toMicros: Self.t0 + 200_000_000, t0: Self.t0))
        #expect(abs(slope.perHour - perSecond * 3600) < 0.01 * perSecond * 3600)
        #expect(slope.lowPerHour < perSecond * 3600 && slope.highPerHour > perSecond * 3600)
        #expect(slope.points == 120)
    }

    /// A random walk has no trend, but its points lean on each other: the autocorrelation widens
    /// the interval so that it is not called a leak, where independent-point errors would.
    @Test func aRandomWalkIsNotALeak() {
        var generator = SeededGenerator(seed: 42)
        var flagged = 0
        for _ in 0..<40 {
            var level = 50e6
            var values: [Double] = []
            for _ in 0..<60 {
                level += Double(Int.random(in: -200_000...200_000, using: &generator))
                values.append(level)
            }
            let s = Self.series("target:process_resident_memory_bytes", 60) { values[$0] }
            if !MonitorLeak.find(in: [s], window: (Self.t0, Self.t0 + 60_000_000), t0: Self.t0).isEmpty { flagged += 1 }
        }
        // A 95% interval: a few of 40 walks may still look like a trend; most must not.
        #expect(flagged <= 6, "\(flagged) of 40 random walks flagged")
    }

    @Test func aSteadyGrowthIsALeakAndAFlatSeriesIsNot() throws {
        let leak = Self.series("target:process_resident_memory_bytes", 60) { 50e6 + 200_000 * Double($0) + Double($0 % 3) * 50_000 }
        let flat = Self.series("host:memory_used_bytes", 60) { 50e6 + Double($0 % 3) * 50_000 }
        let rate = Self.series("host:rate(network_receive_bytes)", 60) { 1000 * Double($0) }  // a rate, not memory
        let found = MonitorLeak.find(in: [leak, flat, rate], window: (Self.t0, Self.t0 + 60_000_000), t0: Self.t0)
        #expect(found.map(\.series) == ["target:process_resident_memory_bytes"])
        let first = try #require(found.first)
        #expect(abs(first.slope.perHour - 200_000 * 3600) < 0.05 * 200_000 * 3600)
        #expect(abs(first.growth - 200_000 * 59 / (50e6 + 200_000 * 29.5 + 50_000)) < 0.01)
    }

    /// The leak window: the longest constant-load stretch of the first group, less its first fifth.
    @Test func leakWindowIsTheLongestHoldLessWarmUp() throws {
        let steps = LoadProfile(groups: [GroupSchedule(name: "g", load: .steps(users: [1, 2, 4], rampUp: PlanDuration(seconds: 5),
                                                                                hold: PlanDuration(seconds: 20)), delay: 0)])
        let window = try #require(MonitorLeak.window(steps))
        // Holds: 5-25, 30-50, 55-75; equal ones: the last.
        #expect(window.from == 59 && window.to == 75)
        let short = LoadProfile(groups: [GroupSchedule(name: "g", load: .constant(users: 2, rampUp: .zero, duration: PlanDuration(seconds: 5)), delay: 0)])
        #expect(MonitorLeak.window(short) == nil)
    }

    @Test func memorySeriesAreTheOnesHeld() {
        #expect(MonitorSeries(name: "target:process_resident_memory_bytes", points: []).isMemory)
        #expect(MonitorSeries(name: "gpu:memory_used_bytes{gpu=\"0\"}", points: []).isMemory)
        #expect(!MonitorSeries(name: "host:memory_available_bytes", points: []).isMemory)
        #expect(!MonitorSeries(name: "host:rate(network_receive_bytes)", points: []).isMemory)
        #expect(!MonitorSeries(name: "target:tts_queue_depth", points: []).isMemory)
    }

    @Test func valuesShowInTheirUnits() {
        #expect(MonitorFormat.value(3 * 1_048_576, series: "target:process_resident_memory_bytes") == "3.0 MiB")
        #expect(MonitorFormat.value(2048, series: "host:rate(network_receive_bytes)") == "2.0 KiB/s")
        #expect(MonitorFormat.value(42.25, series: "host:cpu_user_percent") == "42.2%" || MonitorFormat.value(42.25, series: "host:cpu_user_percent") == "42.3%")
        #expect(MonitorFormat.value(1234, series: "target:tts_queue_depth") == "1234")
    }
}

/// SplitMix64: the same walks on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
