import Foundation
import Plan
import Results
import Testing
@testable import Cluster

/// The controller's merge of agents' streams is exact: the same histogram as all samples together.
struct LiveMergeTests {
    func samples(agent: Int, count: Int, seed: UInt64) -> [Sample] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { i in
            // Three agents with different latency shapes, over five seconds.
            let base: Int64 = [20_000, 80_000, 300_000][agent]
            let elapsed = base + Int64(random.next() % UInt64(base))
            return Sample(start: 1_000_000_000 + Int64(i) * 5_000_000 / Int64(count), elapsed: elapsed, latency: elapsed / 2,
                          status: i % 50 == 0 ? 503 : 200, success: i % 50 != 0, label: i % 3 == 0 ? "short" : "long", groupName: "g")
        }
    }

    @Test func mergedPercentilesEqualThoseOfAllSamplesTogether() throws {
        let merge = LiveMerge(agents: ["a", "b", "c"])
        var everything: [String: LatencyHistogram] = [:]
        for (agent, name) in ["a", "b", "c"].enumerated() {
            let all = samples(agent: agent, count: 3_000, seed: UInt64(agent + 1))
            var seq = 0
            // Drained in uneven batches, as an agent does: the same second arrives in several records.
            var start = 0
            for size in [1, 700, 13, 1_286, 1_000] {
                let batch = Array(all[start..<start + size])
                start += size
                for record in SecondRecorder.records(for: batch, nextSeq: &seq) { merge.add(record, from: name) }
            }
            for s in all { everything[s.label, default: LatencyHistogram()].record(s.elapsed) }
        }
        let totals = merge.labelTotals
        for (label, expected) in everything {
            let merged = try #require(totals[label])
            #expect(merged.count == expected.count)
            // Equal within HdrHistogram's precision (3 significant digits): the encoding keeps buckets,
            // so a percentile that lands on the largest value may read another value of the same bucket.
            for p in [50.0, 90, 95, 99, 99.9, 100] {
                let a = merged.latency.percentile(p), b = expected.percentile(p)
                #expect(abs(a - b) <= max(a, b) / 1_000, "\(label) p\(p): \(a) vs \(b)")
            }
        }
        #expect(totals.values.reduce(0) { $0 + $1.errors } == 3 * 60)
    }

    @Test func aResentRecordIsCountedOnce() {
        let merge = LiveMerge(agents: ["a"])
        var seq = 0
        let records = SecondRecorder.records(for: samples(agent: 0, count: 100, seed: 9), nextSeq: &seq)
        for r in records { merge.add(r, from: "a") }
        for r in records { merge.add(r, from: "a") }  // a reconnect asking from an old position
        #expect(merge.labelTotals.values.reduce(0) { $0 + $1.count } == 100)
        #expect(merge.nextSeq(of: "a") == records.count)
    }

    @Test func completeSecondsWaitForEveryLiveAgent() {
        let merge = LiveMerge(agents: ["a", "b"])
        merge.add(.tick(seq: 0, through: 10, users: [1], samples: 5, state: "running"), from: "a")
        #expect(merge.completeThrough == nil)
        merge.add(.tick(seq: 0, through: 8, users: [2], samples: 5, state: "running"), from: "b")
        #expect(merge.completeThrough == 8)
        merge.drop(agent: "b")
        #expect(merge.completeThrough == 10)
        #expect(merge.activeUsers == 3)
        let timeline = merge.usersTimeline()
        #expect(timeline.users(group: 0, at: 11).all == 3)
        #expect(timeline.users(group: 0, at: 9).all == 2)
    }
}
