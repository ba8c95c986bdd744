/// The simulated accelerator's cost model (`--model-latency base=300ms,per-item=40ms,per-char=2ms`):
/// a batch costs base + perItem x batch size + perChar x longest text (a padded batch).
/// A MODEL, not a measurement: real audio still comes from espeak-ng.
public struct ModelLatency: Sendable, Equatable {
    public var base: Duration
    public var perItem: Duration
    public var perChar: Duration

    public init(base: Duration, perItem: Duration, perChar: Duration) {
        self.base = base
        self.perItem = perItem
        self.perChar = perChar
    }

    /// The cost of one batch.
    public func cost(batchSize: Int, longestText: Int) -> Duration {
        base + perItem * batchSize + perChar * longestText
    }

    /// Parses `base=300ms,per-item=40ms,per-char=2ms`; keys may be omitted (0), units ms, s or us.
    public init(parsing text: String) throws(ServerConfigurationError) {
        var base = Duration.zero, perItem = Duration.zero, perChar = Duration.zero
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Self.duration(pair[1]) else {
                throw .invalid(flag: "--model-latency", reason: "'\(part)' is not key=duration (e.g. base=300ms)")
            }
            switch pair[0] {
            case "base": base = value
            case "per-item": perItem = value
            case "per-char": perChar = value
            default:
                throw .invalid(flag: "--model-latency", reason: "unknown key '\(pair[0])'; use base, per-item, per-char")
            }
        }
        self.init(base: base, perItem: perItem, perChar: perChar)
    }

    private static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .nanoseconds(Int64((number * scale * 1e9).rounded()))
        }
        return nil
    }
}

import Foundation
