import Foundation
import Plan

extension ThinkTime {
    /// One pause in µs, drawn from the distribution.
    func draw<G: RandomNumberGenerator>(using generator: inout G) -> Int64 {
        switch self {
        case .none: return 0
        case .constant(let d): return d.microseconds
        case let .uniform(low, high):
            return high.microseconds > low.microseconds ? Int64.random(in: low.microseconds...high.microseconds, using: &generator) : low.microseconds
        case let .gaussian(mean, stddev):
            // Box-Muller; clamped at zero.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator), u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return max(0, Int64(Double(mean.microseconds) + z * Double(stddev.microseconds)))
        }
    }
}
