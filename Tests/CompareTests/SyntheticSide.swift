import Foundation
import Plan
import Report
import Results

/// A run built from a seeded generator: one group `g` with one step held for `seconds`, `perSecond`
/// samples a second evenly spaced, log-normal response times (median `median` µs, sigma 0.3)
/// multiplied by `scale`, and `tailScale` applied to the slowest 10% only.
struct SyntheticSide {
    static let t0: Int64 = 1_700_000_000_000_000

    var perSecond = 50
    var seconds = 60
    var median = 200_000.0
    var scale = 1.0
    var tailScale = 1.0
    var errorEvery = 0
    var label = "tts"
    var seed: UInt64 = 1
    /// A burst: samples started in these seconds are `burstScale` times slower (a busy machine).
    var burst: Range<Int> = 0..<0
    var burstScale = 1.0
    /// Noise shared by every sample of a second: each second's samples are multiplied by
    /// exp(secondNoise x N(0, 1)), drawn once per second (0: samples independent).
    var secondNoise = 0.0
    /// Draws the per-second noise from its own generator with this seed: two sides given the same
    /// one share their noise second by second (the two sides of an A/B run, at the same moments).
    var noiseSeed: UInt64?

    /// Standard normal draws (Box-Muller) from Plan's seeded generator.
    static func normal(_ random: inout SeededRandom) -> Double {
        let u1 = 1 - Double(random.next() >> 11) / Double(1 << 53), u2 = Double(random.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    var samples: [Sample] {
        var random = SeededRandom(seed: seed)
        let n = perSecond * seconds
        var base = (0..<n).map { _ in median * exp(0.3 * Self.normal(&random)) }
        // The slowest 10% get `tailScale`: p95 and p99 move, p50 does not.
        let cut = base.sorted()[n * 9 / 10]
        base = base.map { $0 >= cut ? $0 * tailScale : $0 }
        var noise = noiseSeed.map { SeededRandom(seed: $0) }
        let perSecondFactor = (0..<seconds).map { second -> Double in
            let shared = secondNoise > 0 ? exp(secondNoise * (noise != nil ? Self.normal(&noise!) : Self.normal(&random))) : 1
            return (burst.contains(second) ? burstScale : 1) * shared
        }
        return base.enumerated().map { i, v in
            let elapsed = Int64(v * scale * perSecondFactor[min(seconds - 1, i / perSecond)])
            let fails = errorEvery > 0 && i % errorEvery == 0
            return Sample(start: Self.t0 + Int64(i) * 1_000_000 / Int64(perSecond), elapsed: elapsed, latency: elapsed / 2,
                          status: fails ? 503 : 200, success: !fails, errorClass: fails ? .checkFailed : nil, label: label,
                          groupName: "g", allThreads: 4,
                          audio: AudioFigures(format: "wav", audioSeconds: 1.5, ttfa: elapsed / 3, chunks: 1, maxGap: 0,
                                              underrun: 0, stalls: 0, rtf: Double(elapsed) / 1_500_000, characters: 20,
                                              truncated: false))
        }
    }

    /// The side, its one step's hold the whole run (the samples' ends spill past it, as in a real hold).
    func side(_ name: String) -> RunSide {
        RunSide(name: name, source: "synthetic", title: "synthetic", samples: samples, t0: Self.t0, duration: Double(seconds),
                windows: [RunSide.Window(group: "g", index: 1, level: 4, unit: "users", holdStart: 0, end: Double(seconds))],
                stepsInferred: false, notes: [])
    }
}

extension Comparison {
    /// The entry of `metric` for the step (or `label`).
    func entry(_ metric: CompareMetric, label: String? = nil) -> Entry? {
        scopes.first { label == nil ? $0.kind == .step : $0.kind == .label && $0.name == label }?.entries.first { $0.metric == metric }
    }
}
