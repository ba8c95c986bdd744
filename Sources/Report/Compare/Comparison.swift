import Foundation
import Results

/// Two runs compared label by label and step by step, each metric with its delta, confidence
/// interval and verdict (docs/compare.md).
public struct Comparison: Sendable {
    /// One metric of one scope.
    public struct Entry: Sendable {
        public var metric: CompareMetric
        public var base: Double?, candidate: Double?
        /// `candidate - base`; in percentage points for error %.
        public var delta: Double?
        /// `delta / base`, nil when the base is 0 or missing.
        public var relative: Double?
        /// Confidence interval of `delta` (same unit), nil when not computed.
        public var interval: ClosedRange<Double>?
        public var tolerance: Double
        public var verdict: Verdict
        /// Values each side contributed (samples, or seconds for rates).
        public var baseCount: Int, candidateCount: Int
        /// Effective sample sizes: how many independent values would show the spread the block
        /// bootstrap found on each side (docs/compare.md); nil without an interval.
        public var baseEffective: Int? = nil, candidateEffective: Int? = nil

        /// How far past the tolerance the change is (for ordering regressions worst first).
        var severity: Double {
            if metric.toleranceIsAbsolute { return abs(delta ?? 0) / max(tolerance, 1e-9) }
            return abs(relative ?? (delta == 0 ? 0 : .infinity)) / max(tolerance, 1e-9)
        }
    }

    /// A label, or a step of a thread group.
    public struct Scope: Sendable {
        public enum Kind: String, Sendable, Codable { case step, label }
        public var kind: Kind
        /// The label, or the group's name for a step.
        public var name: String
        public var stepIndex: Int?
        public var baseLevel: Double?, candidateLevel: Double?
        public var unit: String?
        public var entries: [Entry]

        /// `emotional-tts step 3 (100 users)` or `label happy-short`.
        public var title: String {
            guard kind == .step, let i = stepIndex else { return "label \(name.isEmpty ? "(empty)" : name)" }
            let level = baseLevel.map(RunText.level) ?? "?"
            let other = candidateLevel.flatMap { $0 == baseLevel ? nil : RunText.level($0) }
            return "\(name) step \(i) (\(level)\(other.map { "/" + $0 } ?? "") \(unit ?? "users"))"
        }
    }

    /// Facts about one side, and its steps with the knee.
    public struct Side: Sendable {
        public var name: String
        public var source: String
        public var title: String
        public var samples: Int
        public var duration: Double
        public var stepsInferred: Bool
        public var notes: [String]
        /// Per group, its steps as the dashboard computes them (knee marked).
        public var groups: [GroupSteps]
        /// Runs pooled on this side (replicates: `A1,A2,A3`).
        public var runs = 1
    }

    public var base: Side
    public var candidate: Side
    public var tolerances: Tolerances
    public var scopes: [Scope]
    /// Labels, groups or steps found on one side only.
    public var unmatched: [String]
    /// The candidate's thresholds (the base's when the candidate has none) judged on both sides;
    /// shown beside the comparison, not part of its verdict.
    public var thresholds: [ThresholdPair] = []
    /// Whose plan the thresholds come from: `candidate` or `base`.
    public var thresholdsFrom: String?
    /// Why a side's figures are noisy (`base: the load generator was saturated in 5 of 40 s`);
    /// when there is one, no metric is called a regression or an improvement.
    public var noisy: [String] = []
    /// The per-request bounds goodput (`ok req/s`) counted requests against (`RequestBounds`:
    /// the thresholds' upper bounds on a request's own figures); empty: every successful request.
    public var goodputBounds: [String] = []

    /// What `ok req/s` counts, in words.
    public var goodputRule: String {
        goodputBounds.isEmpty ? "ok req/s: successful requests per second (the plan has no per-request bound)"
            : "ok req/s: successful requests per second that kept " + goodputBounds.joined(separator: ", ") + " (each request under the bound)"
    }

    /// One threshold judged on each side.
    public struct ThresholdPair: Sendable {
        public var expression: String
        public var base: ThresholdVerdict.Judged
        public var candidate: ThresholdVerdict.Judged
    }

    /// Every entry with its scope, worst first: regressions by how far past the tolerance, then
    /// improvements, inconclusive, unchanged.
    public var ranked: [(scope: Scope, entry: Entry)] {
        scopes.flatMap { scope in scope.entries.map { (scope: scope, entry: $0) } }.enumerated().sorted { a, b in
            let ra = a.element.entry.verdict.rank, rb = b.element.entry.verdict.rank
            if ra != rb { return ra < rb }
            let sa = a.element.entry.severity, sb = b.element.entry.severity
            if ra <= 1, sa != sb { return sa > sb }
            return a.offset < b.offset
        }.map(\.element)
    }

    public func count(_ verdict: Verdict) -> Int { scopes.reduce(0) { $0 + $1.entries.filter { $0.verdict == verdict }.count } }
    public var hasRegression: Bool { count(.regression) > 0 }
    public var hasInconclusive: Bool { count(.notSignificant) + count(.tooFewSamples) + count(.noisyRun) > 0 }

    /// The one-word answer: `regression`, `improvement`, or `unchanged`.
    public var overall: String { hasRegression ? "regression" : count(.improvement) > 0 ? "improvement" : "unchanged" }

    /// Exit status by docs/cli.md: 1 with a regression (or, when `strict`, anything inconclusive), else 0.
    public func exitCode(strict: Bool) -> Int32 { hasRegression || strict && hasInconclusive ? 1 : 0 }
}
