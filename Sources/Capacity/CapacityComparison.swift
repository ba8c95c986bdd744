import Foundation
import Results

/// Two capacity searches side by side (`ttsload compare` of two capacity run folders). The
/// answer is a bracket (most users within the SLO .. fewest that broke it); a change counts only
/// when the brackets do not overlap, so the search's own precision is never called a change.
public struct CapacityComparison: Codable, Sendable {
    public enum Verdict: String, Codable, Sendable { case regression, improvement, unchanged, inconclusive }

    public var verdict: Verdict
    public var base: CapacityAnswer
    public var candidate: CapacityAnswer
    /// Why the verdict is what it is, one line.
    public var reason: String
    /// User counts both searches measured: each side's latest figures.
    public var levels: [Pair]

    public struct Pair: Codable, Sendable {
        public var users: Int
        public var base: CapacityLevel
        public var candidate: CapacityLevel
    }

    public static func compare(base: CapacityReport, candidate: CapacityReport) -> CapacityComparison {
        var verdict = Verdict.inconclusive, reason: String
        let b = base.answer, c = candidate.answer
        if base.slo != candidate.slo {
            reason = "the searches used different SLOs (\(base.slo.joined(separator: ", ")) vs \(candidate.slo.joined(separator: ", ")))"
        } else if let bGood = b.maxUsers, let cGood = c.maxUsers, [.found, .atLeast].contains(b.kind), [.found, .atLeast].contains(c.kind) {
            // The candidate is worse when its first failing level is at or below the base's confirmed
            // good one (and better in the mirror case); "at least" answers have no upper end.
            if let cBad = c.firstBad, cBad <= bGood {
                verdict = .regression
                reason = "the candidate broke the SLO at \(cBad) users, where the base kept it (\(bGood))"
            } else if let bBad = b.firstBad, cGood >= bBad {
                verdict = .improvement
                reason = "the candidate kept the SLO at \(cGood) users, where the base broke it (\(bBad))"
            } else {
                verdict = .unchanged
                reason = "the brackets overlap: base \(bGood)-\(b.firstBad.map(String.init) ?? "?"), candidate \(cGood)-\(c.firstBad.map(String.init) ?? "?")"
            }
        } else {
            reason = "not both searches have an answer (base: \(b.kind.rawValue), candidate: \(c.kind.rawValue))"
        }
        var latestBase: [Int: CapacityLevel] = [:], latestCandidate: [Int: CapacityLevel] = [:]
        for l in base.levels where l.samples > 0 { latestBase[l.users] = l }
        for l in candidate.levels where l.samples > 0 { latestCandidate[l.users] = l }
        let pairs = latestBase.keys.filter { latestCandidate[$0] != nil }.sorted().map {
            Pair(users: $0, base: latestBase[$0]!, candidate: latestCandidate[$0]!)
        }
        return CapacityComparison(verdict: verdict, base: b, candidate: c, reason: reason, levels: pairs)
    }

    /// The comparison as text: the verdict, both answers, and the levels both measured.
    public var text: String {
        var lines = ["capacity: \(verdict.rawValue.uppercased()): \(reason)",
                     "  base:      \(base.text)", "  candidate: \(candidate.text)"]
        if !levels.isEmpty {
            lines.append("")
            lines.append("  users   req/s base -> candidate   goodput/s base -> candidate   p95 ms base -> candidate   verdicts")
            func ms(_ v: Double?) -> String { v.map { String(format: "%.0f", $0 * 1_000) } ?? "-" }
            for p in levels {
                lines.append(String(format: "  %5d   %8.1f -> %-12.1f   %8.1f -> %-14.1f   ", p.users, p.base.requestsPerSecond, p.candidate.requestsPerSecond,
                                    p.base.goodputPerSecond, p.candidate.goodputPerSecond)
                             + "\(ms(p.base.p95)) -> \(ms(p.candidate.p95))".padding(toLength: 25, withPad: " ", startingAt: 0)
                             + "  \(p.base.verdict.rawValue) -> \(p.candidate.verdict.rawValue)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
