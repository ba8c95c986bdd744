import Cluster
import Foundation
import Plan
import Report
import Results
import RunPipeline

/// `ttsload run PLAN --agents ...`: the controller's side of a distributed run (docs/distributed.md).
extension RunCommand {
    func runDistributed(_ loaded: LoadedPlan, agents list: String, folder: RunFolder) throws -> RunEnd {
        let plan = loaded.plan
        guard case .url(let target) = plan.target.location else {
            throw CommandFailure(.usage, "target.url: embedded cannot be shared by agents: start `ttsload server --host ADDRESS` where the agents reach it and give its URL (--set target.url=http://...)")
        }
        let addresses: [AgentClient.Address]
        do { addresses = try AgentClient.Address.parseList(list) } catch { throw CommandFailure(.usage, error.message) }
        let token = try readToken(tokenFile ?? "")
        let runID = Self.runID(folder: folder)
            + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw CommandFailure(.usage, "--ca \(ca): cannot read it") }
        let controller = Controller(agents: addresses, token: token, runID: runID, caFile: ca)

        do { try controller.check(version: TTSLoadVersion.current) } catch { throw CommandFailure(.runtime, error.message) }
        for agent in controller.agents {
            let offset = agent.offset.map { String(format: "clock %+.1f ms (±%.1f ms)", Double($0.offset) / 1_000, Double($0.roundTrip) / 2_000) } ?? ""
            say("agent \(agent.address.name) at \(agent.address.url): ttsload \(agent.info?.version ?? "?"), \(agent.info?.cores ?? 0) cores, \(offset)")
        }
        let threads = self.threads ?? max(1, controller.agents.compactMap { $0.info?.cores }.min() ?? 1)
        let (files, notes) = try shippedFiles(plan)
        for note in notes { printError(note) }
        do {
            try controller.prepare(planName: plan.name, planYAML: loaded.resolvedYAML, files: files, threads: threads,
                                   seed: UInt64.random(in: 1...UInt64.max), controllerTimeout: controllerTimeout,
                                   environment: plan.environmentValues)
        } catch {
            controller.stop()
            throw CommandFailure(.runtime, "agents not prepared:\n\(error.message)")
        }
        for agent in controller.agents {
            say("agent \(agent.address.name): \(agent.prepared?.share ?? ""); probe \(agent.prepared?.probe ?? "")")
        }
        try writeClusterFile(folder: folder, runID: runID, agents: addresses, target: target)
        try runFolderReadme(plan: plan).write(toFile: folder.readme, atomically: true, encoding: .utf8)

        let store = noStore ? nil : StoreOutput(path: self.store, plan: plan, yaml: loaded.redactedYAML, target: target, folder: folder)
        let load = try DistributedLoad(controller: controller, context: RunContext(plan: plan, folder: folder, target: target),
                                   outputs: outputs(folder: folder, store: store))
        let signals = installInterruptHandler { signal, count in
            load.stop()
            printError(count > 1 ? "\nstopping the agents again" : "\n\(signal == SIGTERM ? "SIGTERM: " : "")stopping the agents: in-flight requests finish, then the samples are collected")
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            return try load.run(lead: 2, threads: threads) { startAt in
                say("running \(plan.name) on \(addresses.count) agent(s), \(threads) engine thread(s) each: \(ScheduleText.clock(load.context.profile.duration)), starting at \(isoTime(startAt))")
            }
        } catch let failure as AgentClient.Failure {
            throw CommandFailure(.runtime, failure.message)
        } catch {
            throw CommandFailure(.runtime, "cannot start the run: \(error)")
        }
    }

    /// The plan's data files, to ship with it: paths relative to the plan's folder as written in the plan.
    private func shippedFiles(_ plan: Plan) throws -> ([AgentProtocol.File], [String]) {
        var files: [AgentProtocol.File] = [], notes: [String] = []
        for spec in plan.data {
            if spec.file.hasPrefix("/") {
                notes.append("data \(spec.name): \(spec.file) is an absolute path: each agent reads its own copy")
                continue
            }
            let path = (plan.baseDirectory as NSString).appendingPathComponent(spec.file)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(.usage, "data \(spec.name): cannot read \(path)")
            }
            files.append(AgentProtocol.File(path: spec.file, base64: data.base64EncodedString()))
        }
        // The target's CA bundle and client certificate travel the same way.
        for file in plan.target.connection.files {
            if file.hasPrefix("/") {
                notes.append("target.tls: \(file) is an absolute path: each agent reads its own copy")
                continue
            }
            let path = TargetConnection.path(file, baseDirectory: plan.baseDirectory)
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(.usage, "target.tls: cannot read \(path)") }
            files.append(AgentProtocol.File(path: file, base64: data.base64EncodedString()))
        }
        return (files, notes)
    }

    /// The run's id on the agents: the run folder's name in ASCII letters, digits, '.', '_', '-'
    /// (`Controller.isValidRunID`).
    static func runID(folder: RunFolder) -> String {
        let name = String((folder.path as NSString).lastPathComponent.unicodeScalars
            .filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }.prefix(180))
        return Controller.isValidRunID(name) ? name : "run-" + name
    }

    /// `cluster.json`: what `ttsload collect` needs to fetch the spools again. Neither the token
    /// nor its file: collect takes `--token-file` from the command line only. `ca` is shown to
    /// the user as a hint, never read from here.
    private func writeClusterFile(folder: RunFolder, runID: String, agents: [AgentClient.Address], target: String) throws {
        let value: [String: Any] = [
            "run_id": runID, "target": target,
            "agents": agents.map { ["name": $0.name, "url": $0.url] },
            "ca": ca.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "",
        ]
        try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder.cluster))
    }
}
