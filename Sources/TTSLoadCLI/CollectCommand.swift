import ArgumentParser
import Cluster
import Foundation
import Plan
import Report
import Results

/// `ttsload collect RUNFOLDER`: fetch the agents' spools of a distributed run again and rebuild
/// its JTL and report, e.g. after the controller died or an agent came back.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Fetch a distributed run's samples from its agents again and rebuild results.jtl and the report.",
        discussion: """
            Reads RUNFOLDER/cluster.json (written by `ttsload run --agents`), fetches each agent's spool
            into RUNFOLDER/agents/, and merges every spool it has into RUNFOLDER/results.jtl. An agent
            that does not answer keeps its earlier spool file, if any. grpThreads/allThreads come from the
            first merge when the controller lived to make it; otherwise they are each agent's own counts.
            """)

    @Argument(help: "The run folder of a distributed run.")
    var folder: String

    @Option(name: .customLong("token-file"), help: "The agents' token (default: the file the run used).")
    var tokenFile: String?

    func run() throws {
        let run = RunFolder(folder)
        let clusterPath = run.cluster
        guard let data = FileManager.default.contents(atPath: clusterPath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let runID = object["run_id"] as? String, let list = object["agents"] as? [[String: String]] else {
            throw CommandFailure(.usage, "\(clusterPath): missing or not a distributed run's cluster.json")
        }
        let token = try readToken(tokenFile ?? (object["token_file"] as? String ?? ""))
        let addresses = list.compactMap { item in item["name"].flatMap { n in item["url"].map { AgentClient.Address(name: n, url: $0) } } }
        let ca = (object["ca"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let controller = Controller(agents: addresses, token: token, runID: runID, caFile: ca)
        let collected = controller.collect(into: run.agents)
        for c in collected {
            print("\(c.agent): " + (c.problem.map { c.path == nil ? "nothing: \($0)" : "kept the earlier spool (\($0))" } ?? "fetched"))
        }
        // The earlier merge knows the global user counts; keep them for samples it already had.
        var known: [String: (Int, Int)] = [:]
        if let earlier = try? JTLSampleReader.read(path: run.jtl) {
            for s in earlier.samples { known["\(s.agent)|\(s.start)|\(s.userNumber)|\(s.groupIndex)"] = (s.groupThreads, s.allThreads) }
        }
        var merged = try SpoolMerge.read(spools: collected.compactMap { c in c.path.map { (agent: c.agent, path: $0) } },
                                         users: LiveMerge(agents: []).usersTimeline())
        for i in merged.samples.indices {
            let s = merged.samples[i]
            if let counts = known["\(s.agent)|\(s.start)|\(s.userNumber)|\(s.groupIndex)"] {
                merged.samples[i].groupThreads = counts.0
                merged.samples[i].allThreads = counts.1
            }
        }
        let audio = (try? String(contentsOfFile: run.jtl, encoding: .utf8).prefix(4_000).contains("audio_seconds")) ?? true
        try SpoolMerge.write(merged.samples, to: run.jtl, audioColumns: audio)
        for (agent, rows) in merged.rowsByAgent.sorted(by: { $0.key < $1.key }) { print("  \(agent): \(rows) rows") }
        // The same checks as at the end of the run: each spool its agent's own, with its count.
        let findings = SpoolCheck.findings(runID: runID, agents: controller.agents, collected: collected, merged: merged)
        for finding in findings { printError("spool check: \(finding.reason)") }
        print("results: \(run.jtl) (\(merged.samples.count) samples)")
        if case .success(let loaded) = run.loadPlan() {
            let path = try Dashboard.writeRunFolder(folder, plan: loaded.plan, target: object["target"] as? String, status: nil)
            print("report: \(path)")
        }
        if collected.contains(where: { $0.path == nil }) { throw CommandFailure(.runtime, "some agents' samples are missing (above)") }
        if !findings.isEmpty { throw CommandFailure(.runtime, "some agents' spools are not what they counted (above)") }
    }
}
