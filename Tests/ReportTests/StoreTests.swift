import Foundation
import Plan
import Histogram
@testable import Results
import Testing

@Suite struct StoreTests {
    static func temporaryStore() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)/ttsload.sqlite").path
    }

    @Test func samplesStepsAndAggregatesAreStoredAndQueryable() throws {
        let path = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var run = SyntheticRun(levels: [10, 20, 40], counts: [3_000, 6_000, 9_000], bases: [60_000, 66_000, 200_000])
        for i in run.samples.indices where i % 4 == 0 { run.samples[i].label = "other" }
        let store = try ResultStore(path: path)
        let id = try store.beginRun(ResultStore.RunInfo(planName: "synthetic", startedMicros: SyntheticRun.base))
        try store.addSteps(run.profile, run: id, t0: SyntheticRun.base)
        // Two calls, so per-second rows written by the first are merged by the second.
        let half = run.samples.count / 2
        try store.addSamples(Array(run.samples[..<half]), run: id)
        try store.addSamples(Array(run.samples[half...]), run: id)
        try store.finishRun(id, status: .complete, endedMicros: SyntheticRun.base + 40_000_000)

        #expect(try store.query("PRAGMA journal_mode").first?["journal_mode"] == "wal")
        #expect(try store.query("SELECT COUNT(*) AS n FROM samples").first?["n"] == String(run.samples.count))
        let labels = try store.query("SELECT label, samples, errors FROM label_summary ORDER BY label")
        for row in labels {
            let mine = run.samples.filter { $0.label == row["label"] }
            #expect(row["samples"] == String(mine.count))
            #expect(row["errors"] == String(mine.filter { !$0.success }.count))
        }
        let steps = try store.query("SELECT step_index, samples FROM step_summary ORDER BY step_index")
        #expect(steps.count == 3)
        for (row, step) in zip(steps, run.profile.groups[0].steps) {
            let inHold = run.samples.filter { s in
                let t = Double(s.start - SyntheticRun.base) / 1e6
                return t >= step.holdStart && t < step.end
            }
            #expect(row["samples"] == String(inHold.count))
        }
        // Per-second histograms merged per label give every sample and exact percentiles within precision.
        let merged = try store.latencyByLabel(run: id)
        for (label, histogram) in merged {
            let values = run.samples.filter { $0.label == label }.map(\.elapsed)
            #expect(histogram.count == values.count)
            let exact = SyntheticRun.exactPercentile(values, 95)
            #expect(abs(histogram.percentile(95) - exact) <= exact / 1_000 + 1)
        }
        #expect(try store.runs().first?.status == "complete")
    }

    @Test func aRunWhoseProcessIsGoneIsMarkedInterrupted() throws {
        let path = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        // A child that has exited and been reaped: its pid no longer names a process.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        do {
            let store = try ResultStore(path: path)
            _ = try store.beginRun(ResultStore.RunInfo(planName: "gone", startedMicros: 1), pid: child.processIdentifier)
            _ = try store.beginRun(ResultStore.RunInfo(planName: "alive", startedMicros: 2))  // this process
        }
        let reopened = try ResultStore(path: path)
        let byName = Dictionary(uniqueKeysWithValues: try reopened.runs().map { ($0.planName, $0.status) })
        #expect(byName["gone"] == "interrupted")
        #expect(byName["alive"] == "running")
    }

    @Test func sparseHistogramsEncodeLikeFullOnes() throws {
        // The per-second aggregates are encoded from sparse histograms: the bytes must be the
        // documented encoding of the same values recorded into a full HdrHistogram.
        var full = LatencyHistogram(), sparse = SparseHistogram()
        var random = LCG(state: 11)
        for _ in 0..<5_000 {
            let v = Int64(random.next() * random.next() * 30_000_000)
            full.record(v)
            sparse.record(v)
        }
        #expect(HistogramEncoding.encode(sparse) == HistogramEncoding.encode(full))
        let back = try HistogramEncoding.decodeSparse(HistogramEncoding.encode(full))
        #expect(HistogramEncoding.encode(back) == HistogramEncoding.encode(full) && back.count == 5_000)
        // Merged into a full histogram, a sparse one gives the same percentiles, max and min.
        var merged = LatencyHistogram()
        sparse.add(to: &merged)
        for p in [1.0, 50, 95, 99, 99.99, 100] { #expect(merged.percentile(p) == full.percentile(p), "p\(p)") }
        #expect(merged.max == full.max && merged.min == full.min && merged.count == full.count)
    }

    @Test func sparseHistogramBucketArithmeticIsHdrHistograms() {
        // The hand-written bucket arithmetic against hdrhistogram-swift's, on LatencyHistogram's layout.
        let layout = LatencyHistogram().histogram
        var values = Array(UInt64(1)...100_000)
        for bit in 10..<32 {
            let p = UInt64(1) << bit
            values += [p - 2, p - 1, p, p + 1, p + 2, p + p / 2]
        }
        values.append(3_600_000_000)
        for v in values {
            #expect(SparseHistogram.lowestEquivalent(v) == layout.lowestEquivalentForValue(v), "lowest \(v)")
            #expect(SparseHistogram.highestEquivalent(v) == layout.highestEquivalentForValue(v), "highest \(v)")
        }
    }

    @Test func sparseHistogramsMergeAndHoldHugeCounts() throws {
        // Two halves merged equal the whole (the table grows from 64 slots to thousands on the way);
        // a count of 2^33 (beyond the packed sort's 32 bits) still encodes in value order.
        var whole = LatencyHistogram(), a = SparseHistogram(), b = SparseHistogram()
        var random = LCG(state: 5)
        for i in 0..<20_000 {
            let v = Int64(1 + random.next() * 5_000_000)
            whole.record(v)
            if i % 2 == 0 { a.record(v) } else { b.record(v) }
        }
        a.add(b)
        #expect(HistogramEncoding.encode(a) == HistogramEncoding.encode(whole) && a.count == 20_000)
        var huge = SparseHistogram(), full = LatencyHistogram()
        huge.record(900, count: 1 << 33); full.record(900, count: 1 << 33)
        huge.record(5, count: 3); full.record(5, count: 3)
        #expect(HistogramEncoding.encode(huge) == HistogramEncoding.encode(full))
        #expect(huge.buckets.map(\.count) == [3, 1 << 33])
    }

    @Test func histogramEncodingRoundTripsAndIsCompact() throws {
        var h = LatencyHistogram()
        var random = LCG(state: 7)
        for _ in 0..<10_000 { h.record(Int64(1_000 + random.next() * 2_000_000)) }
        let bytes = HistogramEncoding.encode(h)
        let back = try HistogramEncoding.decode(bytes)
        #expect(back.count == h.count)
        for p in [50.0, 90, 99, 99.9] { #expect(back.percentile(p) == h.percentile(p)) }
        #expect(back.max == h.max && back.min == h.min)
        #expect(bytes.count < 40_000)
        #expect(try HistogramEncoding.decode(HistogramEncoding.encode(LatencyHistogram())).count == 0)
        #expect(throws: HistogramEncoding.Failure.unknownVersion(9)) { try HistogramEncoding.decode([9]) }
        #expect(throws: HistogramEncoding.Failure.truncated) { try HistogramEncoding.decode([1, 0x80]) }
    }
}
