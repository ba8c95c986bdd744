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
///
/// In a distributed run, each agent runs one (`onAgent`: its load generator, and its host when the
/// plan lists `host`) whose latest readings ride on its stream's ticks; the controller's adds them
/// as series labelled `{agent="NAME"}` and judges each agent's saturation.
public final class MonitorOutput: RunOutput, @unchecked Sendable {
    private var recorder: MonitorRecorder?
    private var context: RunContext?
    private let onAgent: Bool
    /// Agents' series and saturation figures (controller of a distributed run).
    private var agentSeries: [String: [(micros: Int64, value: Double)]] = [:]
    private var agentOrder: [String] = []
    private var agents: [String: GeneratorFigures] = [:]

    /// - Parameter onAgent: sample only this host and its load generator (Prometheus endpoints and
    ///   GPUs are the controller's to sample).
    public init(onAgent: Bool = false) {
        self.onAgent = onAgent
    }

    /// The latest reading of each series (what an agent's tick carries).
    public func latestValues() -> [String: Double] { recorder?.latestValues() ?? [:] }

    public func begin(_ run: RunContext) throws {
        context = run
        let monitors = onAgent ? run.plan.monitors.filter { $0 == .host } : run.plan.monitors
        let recorder = MonitorRecorder(monitors: monitors, target: run.target) { message in
            FileHandle.standardError.write(Data("monitor: \(message) (the run goes on)\n".utf8))
        }
        recorder.start()
        self.recorder = recorder
    }

    public func second(_ snapshot: SecondSnapshot) {
        var saturated = recorder?.saturationNow()
        let micros = snapshot.second * 1_000_000 + 500_000
        for (agent, values) in snapshot.agentMonitors.sorted(by: { $0.key < $1.key }) {
            for (name, value) in values {
                let labelled = Self.labelled(name, agent: agent)
                if agentSeries[labelled] == nil { agentOrder.append(labelled) }
                agentSeries[labelled, default: []].append((micros, value))
            }
            guard let demand = values["ttsload:engine_demand_percent"], let threads = values["ttsload:engine_threads"] else { continue }
            let wait = values["ttsload:engine_wait_ms"] ?? 0
            let isSaturated = demand >= GeneratorLimits.demandPercent || wait >= GeneratorLimits.waitMs
            agents[agent, default: GeneratorFigures()].add(cpuCores: values["ttsload:cpu_cores"] ?? 0, demand: demand / 100, waitMs: wait,
                                                           engineThreads: Int(threads), saturated: isSaturated, at: micros)
            if isSaturated, saturated == nil {
                saturated = "agent \(agent): " + GeneratorFigures.reason(demand: demand / 100, waitMs: wait, limit: GeneratorLimits.demandPercent / 100)
            }
        }
        context?.generatorSaturated = saturated
    }

    /// `host:cpu_user_percent{agent="a1"}`: the agent's name as the first label.
    static func labelled(_ name: String, agent: String) -> String {
        let label = "agent=\"\(agent.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
        if let brace = name.firstIndex(of: "{"), name.hasSuffix("}") {
            return name[..<brace] + "{" + label + "," + name[name.index(after: brace)...]
        }
        return name + "{" + label + "}"
    }

    public func finish(_ end: inout RunEnd) throws {
        guard let recorder, let context else { return }
        var result = recorder.stop()
        result.series += agentOrder.map { MonitorSeries(name: $0, points: agentSeries[$0] ?? []) }
        let t0 = end.statistics.startWall
        end.monitors = result.series
        var summary = MonitorSummary(generator: result.generator, series: [:], steps: [:], leaks: [], problems: [])
        summary.agents = agents
        summary.generatorSaturated = result.generator.saturated || agents.values.contains { $0.saturated }
        var seenProblems = Set<String>()
        summary.problems = result.problems.filter { seenProblems.insert($0).inserted }
        for (monitor, count) in result.droppedSeries.sorted(by: { $0.key < $1.key }) {
            summary.problems.append("\(monitor): \(count) series left out (over the cap of 500; narrow it with match:)")
        }
        let steps = context.profile.groups.first(where: { !$0.steps.isEmpty })?.steps ?? []
        for s in result.series {
            summary.series[s.name] = s.figures()
            var perStep: [String: MonitorFigures] = [:]
            // Holds the load reached only: after an early end the samplers ran on briefly.
            for step in steps where step.holdStart < end.durationSeconds {
                perStep["step \(step.index)"] = s.figures(fromMicros: t0 + Int64(step.holdStart * 1_000_000),
                                                          toMicros: t0 + Int64(min(step.end, end.durationSeconds) * 1_000_000))
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
