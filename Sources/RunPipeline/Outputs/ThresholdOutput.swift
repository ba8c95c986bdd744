import Foundation
import Plan
import Results
import Thresholds

/// Judges the plan's thresholds: every second while the load runs (aborts, `stop_when`, the
/// thresholds failing now for the live line) from the whole seconds the driver hands out, merged
/// across agents; and at the end, exactly, from every sample (the merged spools in a distributed
/// run). Puts the verdict into the run's end before the summary, the store, the terminal and the
/// dashboard see it, and writes the JUnit file when asked. First in the list of outputs.
public final class ThresholdOutput: RunOutput {
    private let junitPath: String?
    private var context: RunContext?
    private var judge: ThresholdJudge?
    private var live: LiveJudge?
    private var seen = Set<String>()
    private var stop: ThresholdVerdict.Stop?

    /// - Parameter junit: where to write the verdict as JUnit XML; nil for none.
    public init(junit: String? = nil) {
        junitPath = junit
    }

    public func begin(_ run: RunContext) throws {
        context = run
        let plan = run.plan
        guard !plan.thresholds.isEmpty || plan.stopWhen != nil else { return }
        judge = ThresholdJudge(thresholds: plan.thresholds, profile: run.profile, groupIndices: run.groupIndices, startWall: 0)
        live = LiveJudge(thresholds: plan.thresholds, stopWhen: plan.stopWhen, profile: run.profile)
    }

    public func add(_ batch: [Sample]) throws {
        guard judge != nil, let context else { return }
        judge!.startWall = context.startWall
        judge!.add(batch)
        for s in batch where !seen.contains(s.label + "\u{0}" + s.groupName) {
            seen.insert(s.label + "\u{0}" + s.groupName)
            live?.note(label: s.label, group: s.groupName)
        }
    }

    public func second(_ snapshot: SecondSnapshot) {
        guard let live, let context else { return }
        let event = live.second(elapsed: snapshot.elapsed, byLabel: snapshot.byLabel)
        context.failingThresholds = live.failingNow
        switch event {
        case .abort(let s)?:
            stop = s
            context.requestStop?(.aborted, s.text)
        case .stop(let s)?:
            stop = s
            context.requestStop?(.stopped, s.text)
        case nil:
            break
        }
    }

    public func finish(_ end: inout RunEnd) throws {
        guard let judge, let context else { return }
        // An abort the driver did not act on (a Ctrl-C came first) is not the run's end.
        let stop = (end.status == .aborted || end.status == .stopped) ? self.stop : nil
        let verdict = judge.verdict(durationSeconds: end.durationSeconds, stop: stop, monitors: end.monitors,
                                    steadyWindow: MonitorLeak.window(context.profile))
        end.verdict = verdict
        end.summary.verdict = verdict
        if !verdict.thresholds.isEmpty || stop != nil {
            end.sections.append(("thresholds", VerdictText.text(verdict)))
        }
        if let junitPath {
            let xml = JUnitReport.xml(verdict, plan: context.plan.name, durationSeconds: end.durationSeconds)
            do {
                try OutputFile.writeAtomically(Array(xml.utf8), to: junitPath)
                end.files.append(("junit", junitPath))
            } catch {
                // The verdict is in summary.json and the exit status; a missing JUnit file is reported, not fatal.
                FileHandle.standardError.write(Data("junit file not written: \(error)\n".utf8))
            }
        }
    }
}
