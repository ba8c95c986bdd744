import Foundation
import Testing
@testable import Results

/// `SampleTally` against a known sample set: every count worked out here from the samples, every
/// percentile against the sorted values (nearest rank) and against the other histogram types.
@Suite struct SampleTallyTests {
    /// 2,000 samples: response times 1 ms to ~6 s from a fixed generator, every 10th failed (classes
    /// in turn, one without a class), audio on two of three (one of those without a readable length),
    /// every 7th audio sample stalled.
    static let samples: [Sample] = {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let classes: [ErrorClass?] = [.timeout, .reset, nil, .checkFailed]
        return (0..<2_000).map { i in
            let elapsed = Int64(1_000 + next() * next() * 6_000_000)
            let fails = i % 10 == 3
            var audio: AudioFigures?
            if i % 3 != 0 {
                let seconds: Double? = i % 3 == 1 || i % 11 == 0 ? nil : 1.0 + Double(i % 5) * 0.5
                audio = AudioFigures(format: seconds == nil ? "unknown" : "wav", audioSeconds: seconds, ttfa: elapsed / 4, chunks: 2,
                                     maxGap: 0, underrun: i % 7 == 0 ? 5_000 : 0, stalls: i % 7 == 0 ? 1 : 0,
                                     rtf: seconds.map { Double(elapsed) / 1e6 / $0 }, characters: nil, truncated: false)
            }
            return Sample(start: 1_700_000_000_000_000 + Int64(i) * 10_000, elapsed: elapsed, latency: elapsed / 2,
                          bytesReceived: Int64(100 + i), status: fails ? 503 : 200, success: !fails,
                          errorClass: fails ? classes[(i / 10) % 4] : nil, label: "tts", groupName: "g", allThreads: 1 + i % 13,
                          audio: audio)
        }
    }()

    /// Nearest rank over sorted values (the comparison's rule, and what `RawValues` returns).
    static func nearestRank(_ sorted: [Int64], _ p: Double) -> Int64 {
        sorted[min(sorted.count, max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))) - 1]
    }

    static let percentiles: [Double] = [1, 10, 50, 90, 95, 99, 99.9, 100]

    func tally<H: TallyHistogram>(_ type: H.Type, _ samples: [Sample] = samples) -> SampleTally<H> {
        var t = SampleTally<H>()
        for s in samples {
            t.add(s)
            t.addEnded(s)
        }
        return t
    }

    @Test func countsEveryFigureOfAKnownSet() {
        let s = Self.samples
        let withLength = s.filter { $0.audio?.audioSeconds != nil }
        for t in [tally(LatencyHistogram.self)] {
            #expect(t.count == 2_000 && t.errors == 200 && t.ok == 1_800)
            #expect(t.errorClasses == [.timeout: 50, .reset: 50, .other: 50, .checkFailed: 50])
            #expect(t.bytesReceived == s.reduce(0) { $0 + $1.bytesReceived })
            #expect(t.audioSamples == withLength.count && t.audioSamples > 600)
            #expect(abs(t.audioSeconds - withLength.reduce(0) { $0 + $1.audio!.audioSeconds! }) < 1e-9)
            #expect(t.underrunSamples == withLength.filter { $0.audio!.underrun > 0 }.count)
            #expect(t.latency.count == 2_000)
            // TTFA and RTF only of the samples whose audio length was read (the unknown-format ones have a TTFA).
            #expect(t.ttfa.count == withLength.count && t.rtfMilli.count == withLength.count)
            #expect(t.ended == 2_000 && t.endedOK == 1_800 && t.endedFailed == 200 && t.peakUsers == 13)
            #expect(t.errorRate == 0.1)
        }
        let sparse = tally(SparseHistogram.self), raw = tally(RawValues.self)
        #expect(sparse.count == 2_000 && sparse.errorClasses.count == 4 && sparse.latency.count == 2_000 && sparse.ttfa.count == withLength.count)
        #expect(raw.latency.count == 2_000 && raw.rtfMilli.count == withLength.count)
    }

    @Test func percentilesMatchSortedValuesAndTheOtherHistograms() {
        let s = Self.samples
        let latencies = s.map(\.elapsed).sorted()
        let ttfas = s.filter { $0.audio?.audioSeconds != nil }.map { $0.audio!.ttfa! }.sorted()
        let full = tally(LatencyHistogram.self), sparse = tally(SparseHistogram.self), raw = tally(RawValues.self)
        for p in Self.percentiles {
            // Raw values: exactly the nearest rank.
            #expect(raw.latency.percentile(p) == Self.nearestRank(latencies, p), "raw p\(p)")
            #expect(raw.ttfa.percentile(p) == Self.nearestRank(ttfas, p), "raw ttfa p\(p)")
            // HdrHistogram: the same value to 3 significant digits (never below it, at most 1/1024 above),
            // by its rank (p less one ulp, times n, rounded up: 99.9% of 2,000 is rank 1,998, not 1,999).
            for (h, sorted) in [(full.latency, latencies), (full.ttfa, ttfas)] {
                let rank = min(sorted.count, max(1, Int((p.nextDown * Double(sorted.count) / 100).rounded(.up))))
                let exact = sorted[rank - 1], got = h.percentile(p)
                #expect(got >= exact && Double(got - exact) <= Double(exact) / 1_024, "hdr p\(p): \(got) vs \(exact)")
            }
            // Sparse: what the full histogram says.
            #expect(sparse.latency.percentile(p) == full.latency.percentile(p), "sparse p\(p)")
            #expect(sparse.ttfa.percentile(p) == full.ttfa.percentile(p), "sparse ttfa p\(p)")
            #expect(sparse.rtfMilli.percentile(p) == full.rtfMilli.percentile(p), "sparse rtf p\(p)")
        }
        var converted = LatencyHistogram()
        sparse.latency.add(to: &converted)
        #expect(sparse.latency.percentile(0) == converted.percentile(0))
        // RTF: thousandths, rounded in histograms, exact in raw values.
        let rtfs = s.compactMap { $0.audio?.audioSeconds != nil ? $0.audio!.rtf : nil }.sorted()
        let rank = min(rtfs.count, Int((0.95 * Double(rtfs.count)).rounded(.up)))
        let rtf95 = rtfs[rank - 1]
        #expect(abs(full.rtf(95)! - rtf95) <= rtf95 / 1_024 + 0.0005)
        #expect(abs(raw.rtfMilli.sorted(dividedBy: 1_000)[rank - 1] - rtfs[rank - 1]) < 1e-12)
        #expect(SampleTally<LatencyHistogram>().rtf(95) == nil)
    }

    @Test func talliesAddUpToTheWhole() {
        let s = Self.samples
        let whole = tally(LatencyHistogram.self)
        // Split in 10 seconds' worth, as the per-second bins are, then added: the same as the whole.
        var parts = [SampleTally<SparseHistogram>](repeating: SampleTally(), count: 10)
        for (i, sample) in s.enumerated() { parts[i % 10].add(sample); parts[i % 10].addEnded(sample) }
        var fromSparse = SampleStats(), sameKind = SampleTally<SparseHistogram>()
        for p in parts { fromSparse.add(p); sameKind.add(p) }
        var fromFull = SampleStats()
        for i in 0..<10 { fromFull.add(tally(LatencyHistogram.self, s.enumerated().filter { $0.offset % 10 == i }.map(\.element))) }
        for merged in [fromSparse, fromFull, SampleStats(sameKind)] {
            #expect(merged.count == whole.count && merged.errors == whole.errors && merged.errorClasses == whole.errorClasses)
            #expect(merged.bytesReceived == whole.bytesReceived && merged.audioSamples == whole.audioSamples)
            #expect(abs(merged.audioSeconds - whole.audioSeconds) < 1e-9 && merged.underrunSamples == whole.underrunSamples)
            #expect(merged.ended == whole.ended && merged.endedOK == whole.endedOK && merged.peakUsers == whole.peakUsers)
            for p in Self.percentiles {
                #expect(merged.latency.percentile(p) == whole.latency.percentile(p), "p\(p)")
                #expect(merged.ttfa.percentile(p) == whole.ttfa.percentile(p), "ttfa p\(p)")
                #expect(merged.rtf(p) == whole.rtf(p), "rtf p\(p)")
            }
            #expect(merged.latency.max == whole.latency.max)
        }
    }
}
