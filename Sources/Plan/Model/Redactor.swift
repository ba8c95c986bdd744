/// Replaces the plan's secret values (`secrets:`) with `***` in text the run writes: plan.yaml,
/// the store, sample URLs and messages, warnings and errors.
public struct Redactor: Sendable, Equatable {
    /// Longest first, so a secret that contains another is hidden whole.
    public let values: [String]

    public init(_ values: [String]) {
        self.values = Array(Set(values.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { values.isEmpty }

    /// `text` with every secret value replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !values.isEmpty else { return text }
        var out = text
        for value in values where out.contains(value) {
            out = out.replacingOccurrences(of: value, with: "***")
        }
        return out
    }
}
