import Cluster
import Dispatch
import Engine
import Foundation
import Plan
import Report
import Results

/// `ttsload run PLAN --agents ...`: the controller's side of a distributed run (docs/distributed.md).
extension RunCommand {
    func runDistributed(_ loaded: LoadedPlan, agents list: String, folder: String) throws {
        let plan = loaded.plan
        guard case .url(let target) = plan.target.location else {
            throw CommandFailure(.usage, "target.url: embedded cannot be shared by agents: start `ttsload server --host ADDRESS` where the agents reach it and give its URL (--set target.url=http://...)")
        }
        let addresses: [AgentClient.Address]
        do { addresses = try AgentClient.Address.parseList(list) } catch { throw CommandFailure(.usage, error.message) }
        let token = try readToken(tokenFile ?? "")
        let runID = (folder as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || "._-".contains($0) }
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
                                   seed: UInt64.random(in: 1...UInt64.max), controllerTimeout: controllerTimeout)
        } catch {
            controller.stop()
            throw CommandFailure(.runtime, "agents not prepared:\n\(error.message)")
        }
        for agent in controller.agents {
            say("agent \(agent.address.name): \(agent.prepared?.share ?? ""); probe \(agent.prepared?.probe ?? "")")
        }
        try writeClusterFile(folder: folder, runID: runID, agents: addresses, target: target)
        try runFolderReadme(plan: plan).write(toFile: folder + "/README.md", atomically: true, encoding: .utf8)

        let interrupted = InterruptFlag()
        let signals = installInterruptHandler { count in
            interrupted.set()
            controller.stop()
            printError(count > 1 ? "\nstopping the agents again" : "\nstopping the agents: in-flight requests finish, then the samples are collected")
        }
        defer { signals.cancel() }

        let profile = LoadProfile(plan: plan)
        let storeFeed = noStore ? nil : StoreFeed(path: store, plan: plan, yaml: loaded.resolvedYAML, target: target, folder: folder)
        let startAt: Int64
        do { startAt = try controller.start(lead: 2) } catch { throw CommandFailure(.runtime, error.message) }
        say("running \(plan.name) on \(addresses.count) agent(s), \(threads) engine thread(s) each: \(ScheduleText.clock(profile.duration)), starting at \(isoTime(startAt))")
        let finished = DispatchSemaphore(value: 0)
        controller.spoolFolder = folder + "/agents"  // an agent sent SIGTERM hands its spool over at once
        Thread.detachNewThread {
            controller.follow()
            finished.signal()
        }
        liveView(controller, profile: profile, startAt: startAt, finished: finished)

        // Collect every spool and merge them into the run's JTL.
        let collected = controller.collect(into: folder + "/agents")
        for c in collected where c.problem != nil { printError(c.problem!) }
        let spools = collected.compactMap { c in c.path.map { (agent: c.agent, path: $0) } }
        let merged: SpoolMerge.Result
        do {
            merged = try SpoolMerge.read(spools: spools, users: controller.merge.usersTimeline())
            try SpoolMerge.write(merged.samples, to: folder + "/results.jtl", audioColumns: !jtlPlain)
        } catch {
            throw CommandFailure(.runtime, "merging the agents' spools: \(error)")
        }
        for warning in merged.warnings { printError(warning) }
        let states = controller.agents
        // Lost or self-stopped agents, and spools that are not their agent's own and complete.
        let findings = SpoolCheck.findings(runID: runID, agents: states, collected: collected, merged: merged)
        let status: ResultStore.Status = interrupted.isSet ? .interrupted : (findings.isEmpty ? .complete : .degraded)
        let counters = controller.counters

        var indices: [String: Int] = [:]
        for (i, g) in plan.threadGroups.enumerated() { indices[g.name] = i }
        var statistics = RunStatistics(profile: profile, groupIndices: indices, startWall: startAt)
        for sample in merged.samples { statistics.add(sample) }
        let duration = Double((merged.samples.map(\.end).max() ?? startAt) - startAt) / 1_000_000
        var summary = RunSummary(plan: plan, target: target, statistics: statistics, durationSeconds: max(duration, 0),
                                 interruptedRun: interrupted.isSet, dropped: counters.dropped, late: counters.late,
                                 interrupted: counters.interrupted, dataExhausted: counters.dataExhausted)
        summary.status = status.rawValue
        summary.planDirectory = URL(fileURLWithPath: plan.baseDirectory).standardizedFileURL.path
        summary.distributed = distributedSummary(controller, states: states, rows: merged.rowsByAgent, threads: threads, startAt: startAt,
                                                 findings: findings)
        try summary.write(to: folder + "/summary.json")
        storeFeed?.add(merged.samples)
        storeFeed?.finish(profile: profile, startWall: startAt, status: status)

        var groupNames: [Int: String] = [:]
        for (i, g) in plan.threadGroups.enumerated() { groupNames[i] = g.name }
        print("\nper step (hold only):")
        print(RunText.stepTable(statistics, groupNames: groupNames), terminator: "")
        print("\nper label:")
        print(RunText.labelTable(statistics), terminator: "")
        if counters != EngineCounters() {
            print("\ndropped arrivals \(counters.dropped), late arrivals \(counters.late), interrupted \(counters.interrupted), users out of data \(counters.dataExhausted)")
        }
        print("\nper agent:")
        for a in summary.distributed!.agents {
            let rows = a.rowsCollected.map(String.init) ?? "-"
            print("  \(a.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(a.status.padding(toLength: 8, withPad: " ", startingAt: 0)) streamed \(a.samplesStreamed), collected \(rows), clock \(String(format: "%+.1f", a.clockOffsetMs)) ms" + (a.problem.map { "  (\($0))" } ?? ""))
        }
        writeReportAndPaths(folder: folder, plan: plan, target: target, status: status.rawValue, startMicros: startAt,
                            total: statistics.total, storeFeed: storeFeed)
        if interrupted.isSet { throw CommandFailure(.interrupted) }
        if !findings.isEmpty {
            throw CommandFailure(.runtime, "run degraded: \(findings.map(\.reason).joined(separator: "; ")) (`ttsload collect \(folder)` fetches a returning agent's spool)")
        }
    }

    /// One line a second from the merged streams, for each second every live agent has completed.
    private func liveView(_ controller: Controller, profile: LoadProfile, startAt: Int64, finished: DispatchSemaphore) {
        let tty = isatty(STDOUT_FILENO) != 0
        var printed = startAt / 1_000_000 - 1
        var errorsTotal = 0
        while finished.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            guard let through = controller.merge.completeThrough, through > printed else { continue }
            let from = printed + 1
            let cell = controller.merge.interval(from: from, to: min(through, wallMicros() / 1_000_000))
            printed = through
            errorsTotal += cell.errors
            if quiet { continue }
            var interval = SampleStats()
            interval.count = cell.count
            interval.errors = cell.errors
            interval.bytesReceived = cell.bytesReceived
            interval.latency = cell.latency
            interval.ttfa = cell.ttfa
            let t = max(0, Double(wallMicros() - startAt) / 1_000_000)
            let step = profile.groups.compactMap { $0.step(at: t)?.name }.first ?? (t < 0 ? "starting" : "finishing")
            let seconds = Double(min(through, wallMicros() / 1_000_000) - from + 1)
            printLine(RunText.liveLine(elapsed: t, total: profile.duration, step: step, users: controller.merge.activeUsers,
                                       interval: interval, seconds: max(seconds, 1), errorsTotal: errorsTotal, progressBar: tty))
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
        return (files, notes)
    }

    /// `cluster.json`: what `ttsload collect` needs to fetch the spools again (never the token).
    private func writeClusterFile(folder: String, runID: String, agents: [AgentClient.Address], target: String) throws {
        let value: [String: Any] = [
            "run_id": runID, "target": target,
            "agents": agents.map { ["name": $0.name, "url": $0.url] },
            "token_file": URL(fileURLWithPath: tokenFile ?? "").standardizedFileURL.path,
            "ca": ca.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "",
        ]
        try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/cluster.json"))
    }

    private func distributedSummary(_ controller: Controller, states: [Controller.AgentState], rows: [String: Int], threads: Int,
                                    startAt: Int64, findings: [SpoolCheck.Finding]) -> DistributedSummary {
        let streamedCounts = controller.merge.samplesByAgent
        let agents = states.map { s in
            DistributedSummary.Agent(
                name: s.address.name, url: s.address.url, share: s.prepared?.share ?? "",
                clockOffsetMs: Double(s.offset?.offset ?? 0) / 1_000, roundTripMs: Double(s.offset?.roundTrip ?? 0) / 1_000,
                samplesStreamed: streamedCounts[s.address.name] ?? 0, rowsCollected: rows[s.address.name], samplesCounted: s.samplesCounted,
                status: SpoolCheck.status(of: s, findings: findings), lostAt: s.lostAt.map(isoTime), problem: SpoolCheck.problem(of: s, findings: findings))
        }
        let streamed = controller.merge.labelTotals.mapValues { DistributedSummary.Streamed(count: $0.count, errors: $0.errors, latency: $0.latency) }
        var summary = DistributedSummary(runID: controller.runID, threadsPerAgent: threads, startAt: isoTime(startAt), agents: agents, streamed: streamed)
        summary.degradedBecause = findings.map(\.reason)
        return summary
    }
}

/// µs since the epoch as ISO 8601 with milliseconds.
func isoTime(_ micros: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
}

func wallMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
