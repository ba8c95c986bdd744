import Foundation
import Plan
import Results

extension Dashboard {
    /// Writes `folder/index.html` from the run folder's results.jtl (streamed): the call `ttsload run`
    /// makes at its end. Returns the page's path.
    ///
    /// - Parameters:
    ///   - startMicros: the engine's start (schedule time 0), which places samples in steps exactly.
    ///   - monitors: the run's monitor series from the store, charted when there are any.
    @discardableResult
    ///   - verdict: the thresholds as the run judged them; nil when they were not judged.
    public static func writeRunFolder(_ folder: String, plan: Plan, target: String?, status: String?,
                                      startMicros: Int64? = nil, monitors: [MonitorSeries] = [],
                                      verdict: ThresholdVerdict? = nil) throws -> String {
        let jtl = RunFolder(folder).jtl
        var input = DashboardInput(samples: [], profile: LoadProfile(plan: plan), title: plan.name, source: jtl,
                                   target: target, status: status, thresholds: plan.thresholds.map(\.expression))
        input.startMicros = startMicros
        input.measures = plan.measures
        input.verdict = verdict
        if verdict == nil { input.thresholdsNotJudged = "the run was made with --no-thresholds" }
        input.monitors = monitors
        input.distributed = DistributedSummary.read(runFolder: folder)
        return try write(model(jtl: jtl, input: input).model, to: folder)
    }
}
