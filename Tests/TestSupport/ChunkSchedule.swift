/// What a client should measure of a body whose chunks were sent at known times: the audio
/// fixtures' `--log-sends` lines (`sent PATH T1 T2 ...`, ms after the response head was sent),
/// turned into the chunk-level figures with the analyzer's rules (sends 2 ms apart or less are
/// one chunk). Tests compare the measured figures with these, so a server woken late by a loaded
/// machine moves the expectation with it instead of failing the test.
public struct ChunkSchedule: Sendable, Equatable {
    /// Each send of the body, ms after the head.
    public var sends: [Double]
    /// Gaps between chunks (ms), chunk starts (ms after the head).
    public var gaps: [Double] = []
    public var chunkStarts: [Double] = []

    /// Parses one `sent PATH T1 T2 ...` line; nil for anything else.
    public init?(line: String) {
        let parts = line.split(separator: " ")
        guard parts.count >= 3, parts[0] == "sent" else { return nil }
        let times = parts.dropFirst(2).compactMap { Double($0) }
        guard times.count == parts.count - 2 else { return nil }
        self.init(sends: times)
    }

    public init(sends: [Double], mergeMillis: Double = 2) {
        self.sends = sends
        for (k, t) in sends.enumerated() {
            if k == 0 {
                chunkStarts.append(t)
            } else if t - sends[k - 1] > mergeMillis {
                gaps.append(t - sends[k - 1])
                chunkStarts.append(t)
            }
        }
    }

    /// Nearest-rank percentile of `values` (HdrHistogram's definition).
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
