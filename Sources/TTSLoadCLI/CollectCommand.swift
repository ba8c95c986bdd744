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
            cluster.json is not trusted: agent names, URLs and the run id are checked and shown before
            any request, the token comes only from --token-file, and files are written inside RUNFOLDER only.
            The token goes only to agents the command line vouches for: those listed in --agents (as
            given to `ttsload run`), or, without --agents, HTTPS agents whose certificates --ca verifies.
            """)

    @Argument(help: "The run folder of a distributed run.")
    var folder: String

    @Option(name: .customLong("token-file"), help: "The agents' token, as given to `ttsload run --agents` (required).")
    var tokenFile: String?

    @Option(name: .customLong("ca"), help: "CA certificate (PEM) of agents that serve HTTPS with their own certificate.")
    var ca: String?

    @Option(help: ArgumentHelp("The run's agents as given to `ttsload run --agents` (name=host:port,...): cluster.json must name exactly these. Needed for plain-HTTP agents or without --ca.",
                               valueName: "agents"))
    var agents: String?

    func run() throws {
        let run = RunFolder(folder)
        let cluster = try ClusterFile.read(run)
        guard let tokenFile else {
            throw CommandFailure(.usage, "collect needs --token-file FILE (the agents' token): it is never read from the run folder")
        }
        let token = try readToken(tokenFile)
        if ca == nil, let used = cluster.ca, !used.isEmpty, cluster.agents.contains(where: { $0.url.hasPrefix("https:") }) {
            printError("collect: the run trusted agents' certificates through --ca \(used); give --ca here if they need it")
        }
        try vouch(for: cluster.agents, in: run.cluster)
        // Where the token is about to go, before it goes there.
        print("collect: run \(cluster.runID), \(cluster.agents.count) agent(s) from \(run.cluster):")
        for agent in cluster.agents { print("  \(agent.name) at \(agent.url)") }
        let controller = Controller(agents: cluster.agents, token: token, runID: cluster.runID, caFile: ca)
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
        let findings = SpoolCheck.findings(runID: cluster.runID, agents: controller.agents, collected: collected, merged: merged)
        for finding in findings { printError("spool check: \(finding.reason)") }
        print("results: \(run.jtl) (\(merged.samples.count) samples)")
        if case .success(let loaded) = run.loadPlan() {
            let path = try Dashboard.writeRunFolder(folder, plan: loaded.plan, target: cluster.target, status: nil)
            print("report: \(path)")
        }
        if collected.contains(where: { $0.path == nil }) { throw CommandFailure(.runtime, "some agents' samples are missing (above)") }
        if !findings.isEmpty { throw CommandFailure(.runtime, "some agents' spools are not what they counted (above)") }
    }
}

extension CollectCommand {
    /// A well-formed address in a crafted cluster.json is still anyone's address: the token is
    /// sent only where the user's own command line says the agents are (--agents), or to HTTPS
    /// agents that prove a certificate from the user's CA (--ca), which a stranger's host cannot.
    func vouch(for named: [AgentClient.Address], in path: String) throws {
        if let agents {
            let listed = try checkedAgents(agents, ca: ca)
            let given = Dictionary(uniqueKeysWithValues: listed.map { ($0.name, $0.url.lowercased()) })
            for agent in named where given[agent.name] != agent.url.lowercased() {
                throw CommandFailure(.usage, "\(path) names agent \(agent.name) at \(agent.url), --agents " + (given[agent.name].map { "says \($0)" } ?? "does not list it")
                                     + ": the token is not sent to an address you did not give")
            }
            if listed.count != named.count {
                let extra = Set(listed.map(\.name)).subtracting(named.map(\.name)).sorted()
                throw CommandFailure(.usage, "--agents lists \(extra.joined(separator: ", ")), which \(path) does not name: not this run's agents?")
            }
            return
        }
        let unverified = named.filter { $0.isPlainHTTP || ca == nil }
        guard unverified.isEmpty else {
            let list = unverified.map { "\($0.name) at \($0.url)" }.joined(separator: ", ")
            throw CommandFailure(.usage, "\(path) names \(list): collect sends the token only to agents you vouch for: give --agents NAME=HOST:PORT,... as given to `ttsload run`"
                                 + (unverified.contains(where: \.isPlainHTTP) ? "" : ", or --ca with the CA that signed the agents' certificates"))
        }
    }
}

/// `cluster.json` as `ttsload collect` reads it: every field checked before use, since a run folder
/// may come from anyone (an archive, a shared disk).
struct ClusterFile {
    var runID: String
    var agents: [AgentClient.Address]
    var target: String?
    var ca: String?

    private struct Raw: Decodable {
        struct Agent: Decodable {
            var name: String
            var url: String
        }
        var run_id: String
        var agents: [Agent]
        var target: String?
        var ca: String?
    }

    /// Reads and checks `run`'s cluster.json; every problem is exit 2 naming the file and field.
    static func read(_ run: RunFolder) throws -> ClusterFile {
        let path = run.cluster
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes, attributes[.type] as? FileAttributeType == .typeRegular else {
            throw CommandFailure(.usage, "\(path): missing or not a regular file (not a distributed run's folder?)")
        }
        guard (attributes[.size] as? Int ?? 0) <= 1_000_000, let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(.usage, "\(path): larger than 1 MB: not a cluster.json ttsload wrote")
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw CommandFailure(.usage, "\(path): not a distributed run's cluster.json (\(error))")
        }
        guard Controller.isValidRunID(raw.run_id) else {
            throw CommandFailure(.usage, "\(path): run_id \"\(raw.run_id.prefix(80))\" is not a run id (letters, digits, '.', '_', '-')")
        }
        guard !raw.agents.isEmpty, raw.agents.count <= 256 else {
            throw CommandFailure(.usage, "\(path): agents: expected 1 to 256 agents, found \(raw.agents.count)")
        }
        var agents: [AgentClient.Address] = []
        for (i, agent) in raw.agents.enumerated() {
            do {
                agents.append(try AgentClient.Address.checked(name: agent.name, url: agent.url))
            } catch {
                throw CommandFailure(.usage, "\(path): agents[\(i)]: \(error.message)")
            }
        }
        guard Set(agents.map(\.name)).count == agents.count else {
            throw CommandFailure(.usage, "\(path): agents: two agents have the same name")
        }
        try confine(run)
        return ClusterFile(runID: raw.run_id, agents: agents, target: raw.target, ca: raw.ca)
    }

    /// The files collect writes stay inside the run folder: `agents/` is a real folder in it (not
    /// a symlink to elsewhere), and no spool or temporary file there is a symlink.
    private static func confine(_ run: RunFolder) throws {
        let manager = FileManager.default
        guard let type = try? manager.attributesOfItem(atPath: run.agents)[.type] as? FileAttributeType else { return }
        guard type == .typeDirectory else {
            throw CommandFailure(.usage, "\(run.agents): not a folder (a symlink?): collect writes only inside the run folder")
        }
        for name in (try? manager.contentsOfDirectory(atPath: run.agents)) ?? [] {
            let item = run.agents + "/" + name
            if (try? manager.attributesOfItem(atPath: item)[.type] as? FileAttributeType) == .typeSymbolicLink {
                throw CommandFailure(.usage, "\(item): a symlink: collect writes only inside the run folder")
            }
        }
    }
}
