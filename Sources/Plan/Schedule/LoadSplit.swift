/// Exact division of integer load among shares (weighted thread groups, or agents).
public enum LoadSplit {
    /// Splits `total` by `weights` with the largest-remainder method: the parts sum to `total`
    /// exactly, and ties go to the earlier share (10 on three equal shares is 4+3+3).
    public static func largestRemainder(_ total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard total > 0, sum > 0 else { return weights.map { _ in 0 } }
        let quotas = weights.map { Double(total) * $0 / sum }
        var parts = quotas.map { Int($0.rounded(.down)) }
        var left = total - parts.reduce(0, +)
        let order = quotas.indices.sorted { a, b in
            let fa = quotas[a] - Double(parts[a]), fb = quotas[b] - Double(parts[b])
            return fa != fb ? fa > fb : a < b
        }
        for index in order where left > 0 {
            parts[index] += 1
            left -= 1
        }
        return parts
    }
}

extension LoadSpec {
    /// This load divided among `weights`: user counts split exactly (largest remainder, per step or
    /// stage), rates split proportionally. The parts, run side by side, give the whole shape.
    public func split(weights: [Double]) -> [LoadSpec] {
        let sum = weights.reduce(0, +)
        let shares = weights.map { sum > 0 ? $0 / sum : 0 }
        func splitInts(_ values: [Int]) -> [[Int]] {
            let columns = values.map { LoadSplit.largestRemainder($0, weights: weights) }
            return weights.indices.map { i in columns.map { $0[i] } }
        }
        switch self {
        case let .steps(users, rampUp, hold):
            return splitInts(users).map { .steps(users: $0, rampUp: rampUp, hold: hold) }
        case .stages(let stages):
            return splitInts(stages.map { Int($0.target) }).map { targets in
                .stages(zip(stages, targets).map { LoadSpec.Stage(duration: $0.duration, target: Double($1)) })
            }
        case let .constant(users, rampUp, duration):
            return LoadSplit.largestRemainder(users, weights: weights).map { .constant(users: $0, rampUp: rampUp, duration: duration) }
        case .arrivalRate(let arrival):
            let caps = LoadSplit.largestRemainder(arrival.maxUsers, weights: weights)
            return shares.enumerated().map { index, share in
                var part = arrival
                part.maxUsers = max(caps[index], share > 0 ? 1 : 0)
                switch arrival.shape {
                case let .steps(rates, rampUp, hold):
                    part.shape = .steps(rates: rates.map { $0 * share }, rampUp: rampUp, hold: hold)
                case .stages(let stages):
                    part.shape = .stages(stages.map { LoadSpec.Stage(duration: $0.duration, target: $0.target * share) })
                case let .constant(rate, duration):
                    part.shape = .constant(rate: rate * share, duration: duration)
                }
                return .arrivalRate(part)
            }
        }
    }
}
