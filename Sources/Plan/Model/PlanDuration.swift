import Foundation

/// A duration written in a plan: `250ms`, `30s`, `3m`, `1h`, or combined `1m30s`; kept in microseconds.
public struct PlanDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(milliseconds: Int64) { self.microseconds = milliseconds * 1_000 }
    public init(seconds: Double) { self.microseconds = Int64((seconds * 1_000_000).rounded()) }

    public static let zero = PlanDuration(microseconds: 0)

    public var seconds: Double { Double(microseconds) / 1_000_000 }
    public var milliseconds: Double { Double(microseconds) / 1_000 }

    public static func < (lhs: PlanDuration, rhs: PlanDuration) -> Bool { lhs.microseconds < rhs.microseconds }
    public static func + (lhs: PlanDuration, rhs: PlanDuration) -> PlanDuration {
        PlanDuration(microseconds: lhs.microseconds + rhs.microseconds)
    }

    /// The longest duration a plan may name (30 days): larger values are typos, and keeping
    /// them bounded keeps every sum of durations far from overflow.
    public static let maximum = PlanDuration(microseconds: 30 * 86_400 * 1_000_000)

    private static let units: [(suffix: String, micros: Double)] = [
        ("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000),
    ]

    /// Parses `250ms`, `1.5s`, `3m`, `1h`, `1m30s`, `0`. A bare number other than 0 is refused:
    /// `30` could mean seconds (JMeter) or milliseconds (k6), so the plan must say.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "0" { self = .zero; return }
        var rest = Substring(text)
        var total = 0.0
        var sawPart = false
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            // "ms" and "us" must win over "m" and "s", so match the whole run of letters.
            guard let unit = Self.units.first(where: { $0.suffix == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.micros
            sawPart = true
        }
        guard sawPart, total.isFinite, total <= Double(Self.maximum.microseconds) else { return nil }
        self.microseconds = Int64(total.rounded())
    }

    /// The shortest exact spelling: `250ms`, `30s`, `1m30s`, `1h`.
    public var description: String {
        if microseconds == 0 { return "0s" }
        var rest = microseconds
        var text = ""
        if rest % 1_000 != 0 { return rest >= 1_000 ? "\(Double(rest) / 1_000)ms" : "\(rest)us" }
        for (suffix, size) in [("h", Int64(3_600_000_000)), ("m", 60_000_000), ("s", 1_000_000)] where rest >= size {
            if suffix == "s" && rest % size != 0 { break }
            text += "\(rest / size)\(suffix)"
            rest %= size
        }
        if rest > 0 { text += "\(rest / 1_000)ms" }
        return text
    }
}
