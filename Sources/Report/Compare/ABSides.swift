import Foundation
import Plan
import Results

/// One A/B run (`targets:`, docs/ab.md) as the two sides of a comparison: the samples of the
/// `[a]` twins against those of the `[b]` twins, each under the plan's own group names and labels
/// (the side suffix stripped), with its own steps and the plan's thresholds as written, so
/// `Comparator` matches `G` step 2 of a with `G` step 2 of b, which ran at the same moments.
public enum ABSides {
    /// Splits `run` (every sample of one A/B run, its steps from the expanded plan) by side.
    /// `plan` is the run's plan as loaded (with `ab` set).
    public static func split(_ run: RunSide, plan: Plan) -> (a: RunSide, b: RunSide) {
        (side(.a, of: run, plan: plan), side(.b, of: run, plan: plan))
    }

    /// The part of `run` side `side` sent.
    static func side(_ side: ABSide, of run: RunSide, plan: Plan) -> RunSide {
        let own = plan.sidePlan(side)
        let indices = Dictionary(own.threadGroups.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var samples: [Sample] = []
        samples.reserveCapacity(run.samples.count / 2 + 1)
        for var s in run.samples {
            guard let split = ABSide.split(s.groupName), split.side == side else { continue }
            s.groupName = split.base
            s.groupIndex = indices[split.base] ?? s.groupIndex
            // A label made by a template ends with the side too: the expansion appended it.
            s.label = ABSide.split(s.label)?.base ?? s.label
            samples.append(s)
        }
        let windows = run.windows.compactMap { w -> RunSide.Window? in
            guard let split = ABSide.split(w.group), split.side == side else { return nil }
            var renamed = w
            renamed.group = split.base
            return renamed
        }
        var out = RunSide(name: "\(run.name) side \(side.rawValue)", source: run.source, title: run.title,
                          samples: samples, t0: run.t0, duration: run.duration, windows: windows,
                          stepsInferred: run.stepsInferred, notes: run.notes)
        out.adopt(own)
        out.noise = run.noise
        return out
    }

    /// Where each side sent its requests, for the comparison's header.
    public static func describe(_ targets: ABTargets) -> String {
        func text(_ t: SideTarget) -> String {
            switch t.location {
            case .embedded: return t.serverArgs.isEmpty ? "embedded" : "embedded " + t.serverArgs.joined(separator: " ")
            case .url(let url): return url
            }
        }
        return "a: \(text(targets.a)); b: \(text(targets.b))"
    }
}
