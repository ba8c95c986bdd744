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
        // An A/B run's embedded sides are started here, as in one process; they live until the
        // run (and its comparison) is over.
        var servers: [EmbeddedServer] = []
        defer { servers.forEach { $0.stop() } }
        let target: String, targetB: String?
        var resolvedYAML = loaded.resolvedYAML
        if let ab = plan.ab {
            target = try startTarget(ab.a.location, serverArgs: ab.a.serverArgs, log: folder.serverLog, side: .a, servers: &servers)
            let b = try startTarget(ab.b.location, serverArgs: ab.b.serverArgs, log: folder.serverLogB, side: .b, servers: &servers)
            targetB = b
            if !servers.isEmpty {
                printError("note: the agents must reach the embedded side(s) at \(servers.map(\.baseURL).joined(separator: ", ")) "
                           + "(agents on other hosts: give --host ADDRESS in the side's server_args)")
            }
            // The agents get both sides as addresses: they start no server.
            do { resolvedYAML = try PlanLoader.withABTargets(yaml: resolvedYAML, a: target, b: b) } catch {
                throw CommandFailure(.runtime, "cannot write the plan for the agents: \(error)")
            }
        } else {
            guard case .url(let url) = plan.target.location else {
                throw CommandFailure(.usage, "target.url: embedded cannot be shared by agents: start `ttsload server --host ADDRESS` where the agents reach it and give its URL (--set target.url=http://...)")
            }
            target = url
            targetB = nil
        }
        let addresses = try checkedAgents(list, ca: ca)
        let token = try readToken(tokenFile ?? "")
        let runID = Self.runID(folder: folder)
            + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let controller = Controller(agents: addresses, token: token, runID: runID, caFile: ca)

        do { try controller.check(version: TTSLoadVersion.current) } catch { throw CommandFailure(.runtime, error.message) }
        for agent in controller.agents {
            let offset = agent.offset.map { String(format: "clock %+.1f ms (±%.1f ms)", Double($0.offset) / 1_000, Double($0.roundTrip) / 2_000) } ?? ""
            say("agent \(agent.address.name) at \(agent.address.url): ttsload \(agent.info?.version ?? "?"), \(agent.info?.cores ?? 0) cores, \(offset)")
        }
        let threads = self.threads ?? max(1, controller.agents.compactMap { $0.info?.cores }.min() ?? 1)
        let (files, agentYAML) = try shipPlanFiles(plan, yaml: resolvedYAML)
        do {
            try controller.prepare(planName: plan.name, planYAML: agentYAML, files: files, threads: threads,
                                   seed: UInt64.random(in: 1...UInt64.max), controllerTimeout: controllerTimeout,
                                   environment: plan.environmentValues)
        } catch {
            controller.stop()
            throw CommandFailure(.runtime, "agents not prepared:\n\(error.message)")
        }
        for agent in controller.agents {
            say("agent \(agent.address.name): \(agent.prepared?.share ?? ""); probe \(agent.prepared?.probe ?? "")")
        }
        try writeClusterFile(folder: folder, runID: runID, agents: addresses, target: target, targetB: targetB)
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
    private func writeClusterFile(folder: RunFolder, runID: String, agents: [AgentClient.Address], target: String, targetB: String?) throws {
        var value: [String: Any] = [
            "run_id": runID, "target": target,
            "agents": agents.map { ["name": $0.name, "url": $0.url] },
            "ca": ca.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "",
        ]
        if let targetB { value["target_b"] = targetB }
        try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder.cluster))
    }
}

/// The plan's data files and target.tls files, to ship with it: agents open no path the
/// controller names, only these copies in their own plan folder. Relative paths keep their
/// place; an absolute one is shipped as `shipped/N-NAME` and the agents' plan points there.
/// At most `AgentProtocol.maxShippedBytes` in all. Returns the files and the plan YAML for the agents.
func shipPlanFiles(_ plan: Plan, yaml: String) throws -> (files: [AgentProtocol.File], yaml: String) {
        var files: [AgentProtocol.File] = []
        var total = 0
        var dataRewrites: [String: String] = [:], tlsRewrites: [String: String] = [:]
        func ship(_ file: String, what: String) throws -> String? {
            let path = TargetConnection.path(file, baseDirectory: plan.baseDirectory)
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(.usage, "\(what): cannot read \(path)") }
            total += data.count
            guard total <= AgentProtocol.maxShippedBytes else {
                throw CommandFailure(.usage, "\(what): the plan's files come to more than \(AgentProtocol.maxShippedBytes / 1_048_576) MiB, too much to send to every agent with the plan")
            }
            let relative = !file.hasPrefix("/") && !file.split(separator: "/").contains("..")
            let name = relative ? file : "shipped/\(files.count + 1)-" + (file as NSString).lastPathComponent
            files.append(AgentProtocol.File(path: name, base64: data.base64EncodedString()))
            return relative ? nil : name
        }
        for spec in plan.data {
            if let moved = try ship(spec.file, what: "data \(spec.name)") { dataRewrites[spec.name] = moved }
        }
        let connection = plan.target.connection
        for (key, file) in [("ca", connection.caFile), ("cert", connection.certFile), ("key", connection.keyFile)] {
            guard let file else { continue }
            if let moved = try ship(file, what: "target.tls.\(key)") { tlsRewrites[key] = moved }
        }
        guard !dataRewrites.isEmpty || !tlsRewrites.isEmpty else { return (files, yaml) }
        return (files, try PlanLoader.rewritingFiles(yaml: yaml, data: dataRewrites, tls: tlsRewrites))
    }

/// The agents of `--agents` (or a plan's `agents:`) for a controller: parsed and checked, a
/// warning for each reached over plain HTTP, the `--ca` file readable. Shared by `ttsload run`
/// and `ttsload capacity`.
func checkedAgents(_ list: String, ca: String?) throws -> [AgentClient.Address] {
    let addresses: [AgentClient.Address]
    do { addresses = try AgentClient.Address.parseList(list) } catch { throw CommandFailure(.usage, error.message) }
    let plain = addresses.filter(\.isPlainHTTP).map(\.name)
    if !plain.isEmpty {
        printError("warning: agent(s) \(plain.joined(separator: ", ")) reached over plain HTTP: the token, the plan with its secrets and the results cross the network unencrypted")
    }
    if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw CommandFailure(.usage, "--ca \(ca): cannot read it") }
    return addresses
}
