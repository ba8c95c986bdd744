/// A Prometheus histogram's state: cumulative bucket counts, sum and count.
struct Histogram: Sendable {
    let bounds: [Double]
    private(set) var counts: [UInt64]
    private(set) var sum = 0.0
    private(set) var count: UInt64 = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
        sum += value
        count += 1
    }

    /// Text exposition lines for `name` (HELP/TYPE written by the caller).
    func render(_ name: String) -> String {
        var out = ""
        for (i, bound) in bounds.enumerated() {
            out += "\(name)_bucket{le=\"\(formatBound(bound))\"} \(counts[i])\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(count)\n"
        out += "\(name)_sum \(sum)\n"
        out += "\(name)_count \(count)\n"
        return out
    }

    private func formatBound(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }
}
