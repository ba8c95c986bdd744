import Foundation
import Results

/// The comparison as JSON (`ttsload compare --format json`): for scripts and CI.
public enum ComparisonJSON {
    struct Document: Encodable {
        var verdict: String
        var exitCode: Int32
        var counts: [String: Int]
        var method: Method
        var tolerances: [String: Double]
        var base: SideFacts
        var candidate: SideFacts
        var unmatched: [String]
        /// Why a side is noisy (its load generator saturated): changes are then `inconclusive (noisy run)`.
        var noisy: [String]
        /// Worst first, as in the terminal table.
        var entries: [EntryFacts]
        /// The candidate's (or base's) thresholds judged on both sides; not part of the verdict.
        var thresholds: [ThresholdFacts]
        var thresholdsFrom: String?
        /// The per-request bounds `ok_rps` counted requests against; empty: every successful request.
        var goodputBounds: [String]
    }

    struct ThresholdFacts: Encodable {
        var expression: String
        var base: ThresholdVerdict.Judged
        var candidate: ThresholdVerdict.Judged
    }

    struct Method: Encodable {
        var percentiles = "block bootstrap interval of the difference of nearest-rank percentiles: blocks of time (about the cube root of the span in seconds) resampled, runs too when a side has several; fixed seed"
        var rates = "block bootstrap interval of the difference of (ended, good or audio seconds) / seconds"
        var errors = "block bootstrap interval of the difference of error rates, in percentage points"
        var confidence = Resampling.confidence
        var replicates = Resampling.replicates
    }

    struct SideFacts: Encodable {
        var name: String, source: String, title: String
        var samples: Int
        var durationSeconds: Double
        var stepsInferred: Bool
        var notes: [String]
        var knees: [Knee]
        /// Runs pooled on the side.
        var runs: Int
    }

    struct Knee: Encodable {
        var group: String
        /// nil: no knee.
        var step: Int?
        var level: Double?
    }

    struct EntryFacts: Encodable {
        var scope: String
        var kind: String
        var name: String
        var step: Int?
        var baseLevel: Double?, candidateLevel: Double?
        var metric: String
        var unit: String
        var base: Double?, candidate: Double?
        var delta: Double?, relative: Double?
        var ciLow: Double?, ciHigh: Double?
        var tolerance: Double
        var verdict: String
        var baseCount: Int, candidateCount: Int
        /// Effective sample sizes (docs/compare.md, "Significance").
        var baseEffective: Int?, candidateEffective: Int?
    }

    public static func encode(_ c: Comparison, strict: Bool) throws -> String {
        func facts(_ s: Comparison.Side) -> SideFacts {
            SideFacts(name: s.name, source: s.source, title: s.title, samples: s.samples, durationSeconds: s.duration,
                      stepsInferred: s.stepsInferred, notes: s.notes,
                      knees: s.groups.map { g in Knee(group: g.name, step: g.knee.map { g.rows[$0].index }, level: g.knee.map { g.rows[$0].level }) },
                      runs: s.runs)
        }
        var counts: [String: Int] = [:]
        for v in Verdict.allCases { counts[v.rawValue] = c.count(v) }
        var tolerances: [String: Double] = [:]
        for m in CompareMetric.allCases { tolerances[m.rawValue] = c.tolerances[m] }
        let entries = c.ranked.map { item in
            let e = item.entry, s = item.scope
            return EntryFacts(scope: s.title, kind: s.kind.rawValue, name: s.name, step: s.stepIndex, baseLevel: s.baseLevel,
                              candidateLevel: s.candidateLevel, metric: e.metric.rawValue, unit: e.metric.title,
                              base: e.base, candidate: e.candidate, delta: e.delta, relative: e.relative,
                              ciLow: e.interval?.lowerBound, ciHigh: e.interval?.upperBound, tolerance: e.tolerance,
                              verdict: e.verdict.rawValue, baseCount: e.baseCount, candidateCount: e.candidateCount,
                              baseEffective: e.baseEffective, candidateEffective: e.candidateEffective)
        }
        let document = Document(verdict: c.overall, exitCode: c.exitCode(strict: strict), counts: counts, method: Method(),
                                tolerances: tolerances, base: facts(c.base), candidate: facts(c.candidate), unmatched: c.unmatched,
                                noisy: c.noisy, entries: entries,
                                thresholds: c.thresholds.map { ThresholdFacts(expression: $0.expression, base: $0.base, candidate: $0.candidate) },
                                thresholdsFrom: c.thresholdsFrom, goodputBounds: c.goodputBounds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
