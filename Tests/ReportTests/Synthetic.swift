import Foundation
import Plan
import Results

/// Deterministic pseudo-random numbers (tests must not change between runs).
struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// A stepped run built by hand: `levels` users, 2 s ramp and 10 s hold each; in each hold
/// `counts[k]` samples evenly spaced whose elapsed is `bases[k]` x (0.5 ... 1.5).
struct SyntheticRun {
    static let base: Int64 = 1_700_000_000_000_000
    let profile: LoadProfile
    var samples: [Sample] = []

    init(levels: [Int], counts: [Int], bases: [Int64], label: String = "tts", seed: UInt64 = 42) {
        let load = LoadSpec.steps(users: levels, rampUp: PlanDuration(seconds: 2), hold: PlanDuration(seconds: 10))
        profile = LoadProfile(groups: [GroupSchedule(name: "g", load: load, delay: 0)])
        var random = LCG(state: seed)
        // One sample at time 0, as a closed-model run has (its first user starts at once).
        samples.append(Sample(start: Self.base, elapsed: 50_000, latency: 10_000, status: 200, success: true, label: label,
                              groupName: "g", allThreads: 1))
        for (k, step) in profile.groups[0].steps.enumerated() {
            let hold = step.end - step.holdStart
            for i in 0..<counts[k] {
                let t = step.holdStart + hold * Double(i) / Double(counts[k])
                let elapsed = Int64(Double(bases[k]) * (0.5 + random.next()))
                let fails = i % 50 == 7
                samples.append(Sample(
                    start: Self.base + Int64(t * 1_000_000), elapsed: elapsed, latency: elapsed / 4, bytesReceived: 32_044,
                    bytesSent: 300, bodyBytes: 32_000, status: fails ? 503 : 200, success: !fails,
                    errorClass: fails ? .checkFailed : nil, label: label, groupName: "g", userNumber: i % levels[k] + 1,
                    groupThreads: levels[k], allThreads: levels[k],
                    audio: AudioFigures(format: "wav", audioSeconds: 1.0, ttfa: elapsed / 3, chunks: 1, maxGap: 0, underrun: 0,
                                        stalls: 0, rtf: Double(elapsed) / 1_000_000, characters: 20, truncated: false)))
            }
        }
    }

    /// Exact nearest-rank percentile of `values`.
    static func exactPercentile(_ values: [Int64], _ p: Double) -> Int64 {
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
