import Foundation
import Results

/// Response times of all samples in bins of equal width on a log scale, for the distribution chart
/// (latencies of a TTS service span milliseconds to tens of seconds; linear bins would hide the head).
public struct LatencyDistribution: Sendable {
    /// Lower edge of each bin in µs, plus the upper edge of the last.
    public var edges: [Int64]
    public var counts: [Int]

    public static let bins = 40

    /// The bins of every sample's response time, read from the run's HdrHistogram (each bucket
    /// counted in the bin of its highest equivalent value), so no sample needs to be kept.
    init(histogram: LatencyHistogram) {
        let min = histogram.min, max = histogram.max
        let low = Double(Swift.max(1, min)), high = Double(Swift.max(max, min + 1))
        let ratio = log(high / low)
        guard ratio > 0 else {
            edges = [Swift.max(1, min), Swift.max(1, min) + 1]
            counts = [histogram.count]
            return
        }
        let n = Self.bins
        edges = (0...n).map { Int64((low * exp(ratio * Double($0) / Double(n))).rounded()) }
        var counts = [Int](repeating: 0, count: n)
        for bucket in histogram.buckets {
            let x = log(Double(Swift.max(1, bucket.value)) / low) / ratio
            counts[Swift.min(n - 1, Swift.max(0, Int(x * Double(n))))] += Int(bucket.count)
        }
        self.counts = counts
    }
}
