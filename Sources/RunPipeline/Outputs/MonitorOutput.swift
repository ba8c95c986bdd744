import Foundation
import Monitors
import Plan
import Report
import Results

/// Samples the plan's monitors beside the load (and the load generator's own CPU, always): starts
/// the samplers when the run begins, tells the live line when the generator is saturated, and at
/// the end puts the series into the run's end (the store, the dashboard and the thresholds read
/// them there) with their figures per step, the generator's figures and any leak into the
/// summary. First in the list of outputs, so the thresholds can judge monitor series.
public final class MonitorOutput: RunOutput {
    private var recorder: MonitorRecorder?
    private var context: RunContext?

    public init() {}

    public func begin(_ run: RunContext) throws {
        context = run
        let recorder = MonitorRecorder(monitors: run.plan.monitors, target: run.target) { message in
            FileHandle.standardError.write(Data("monitor: \(message) (the run goes on)\n".utf8))
        }
        recorder.start()
        self.recorder = recorder
    }

    public func second(_ snapshot: SecondSnapshot) {
        context?.generatorSaturated = recorder?.saturationNow()
    }

    public func finish(_ end: inout RunEnd) throws {
        guard let recorder, let context else { return }
        let result = recorder.stop()
        let t0 = end.statistics.startWall
        end.monitors = result.series
        var summary = MonitorSummary(generator: result.generator, series: [:], steps: [:], leaks: [], problems: [])
        var seenProblems = Set<String>()
        summary.problems = result.problems.filter { seenProblems.insert($0).inserted }
        for (monitor, count) in result.droppedSeries.sorted(by: { $0.key < $1.key }) {
            summary.problems.append("\(monitor): \(count) series left out (over the cap of 500; narrow it with match:)")
        }
        let steps = context.profile.groups.first(where: { !$0.steps.isEmpty })?.steps ?? []
        for s in result.series {
            summary.series[s.name] = s.figures()
            var perStep: [String: MonitorFigures] = [:]
            for step in steps {
                perStep["step \(step.index)"] = s.figures(fromMicros: t0 + Int64(step.holdStart * 1_000_000),
                                                          toMicros: t0 + Int64(step.end * 1_000_000))
            }
            if !perStep.isEmpty { summary.steps[s.name] = perStep }
        }
        if let window = MonitorLeak.window(context.profile) {
            summary.leaks = MonitorLeak.find(in: result.series, window: (t0 + Int64(window.from * 1_000_000), t0 + Int64(window.to * 1_000_000)), t0: t0)
        }
        end.summary.monitors = summary
        end.sections.append(("monitors", MonitorText.text(summary, series: result.series, steps: steps, keep: Self.keyNames(context.plan))))
    }

    /// Series every run shows in the terminal's monitor table before the rest.
    static func keyNames(_ plan: Plan) -> [String] {
        plan.thresholds.compactMap { $0.metric.monitorSeries }
    }
}
