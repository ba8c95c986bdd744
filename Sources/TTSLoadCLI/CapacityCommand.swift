import ArgumentParser
import Capacity
import Cluster
import Dispatch
import Engine
import Foundation
import Plan
import Report
import Results
import RunPipeline

/// `ttsload capacity`: the most users a service carries within an SLO (docs/capacity.md).
struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Find the most users the target carries within an SLO: grow, bisect, confirm.",
        discussion: """
            Runs one thread group of the plan at a series of user counts (closed model), each until \
            its throughput and p95 settle: 1, 2, 4, ... until a level breaks the SLO, then bisects \
            between the last level within it and the first that broke it down to --precision, and \
            measures the answer again before giving it. Every level is kept: results.jtl (all \
            levels; steps by allThreads), capacity.json, the dashboard, the store. Ctrl-C keeps \
            every level measured; --resume FOLDER continues a search.

            Exit: 0 an answer (or within the SLO up to --max-level); 1 no level within the SLO, a \
            level that never settled, or --max-time before an answer; 130 interrupted.
            """)

    @Argument(help: "Plan file (YAML).")
    var plan: String

    @Option(help: ArgumentHelp("The SLO: threshold terms every level must keep, comma-separated (docs/plan.md#thresholds).",
                               valueName: "terms"))
    var slo: String

    @OptionGroup var overrideOptions: PlanOverrideOptions

    @Option(help: "The thread group to search with (default: the plan's only one).")
    var group: String?

    @Option(help: "First level (users).")
    var start = 1

    @Option(name: .customLong("max-level"), help: "Most users to try (the cap of the search).")
    var maxLevel = 256

    @Option(help: ArgumentHelp("Stop bisecting when the bracket is within this: a percentage of the good level (5%) or a number of users (2).",
                               valueName: "precision"))
    var precision = "5%"

    @Option(help: ArgumentHelp("Measuring window per level.", valueName: "duration"))
    var window = "5s"

    @Option(help: ArgumentHelp("Warm-up per level, not measured.", valueName: "duration"))
    var warmup = "5s"

    @Option(help: "Windows that must agree for a level to count.")
    var agree = 3

    @Option(name: .customLong("max-windows"), help: "Windows after which an unsettled level is reported unstable.")
    var maxWindows = 12

    @Option(help: ArgumentHelp("How far the agreeing windows' throughput and p95 may spread (max-min over max).", valueName: "percent"))
    var tolerance = "10%"

    @Option(name: .customLong("min-samples"), help: "A window is stretched (up to 4 windows' time) until it holds this many samples.")
    var minSamples = 20

    @Flag(help: "Search over arrival rates (requests per second, open model) instead of users: --start and --max-level are then rates.")
    var open = false

    @Option(name: .customLong("max-in-flight"), help: "With --open: most requests in flight; an arrival beyond it is dropped and its level is bad (default: the group's arrival_rate max_users, else 1000).")
    var maxInFlight: Int?

    @Option(name: .customLong("max-time"), help: ArgumentHelp("Stop the search after this long (wall time), keeping every level.", valueName: "duration"))
    var maxTime: String?

    @Option(help: ArgumentHelp("Continue the search in this run folder (its capacity.json), with its settings.", valueName: "folder"))
    var resume: String?

    @Option(help: "Run folder (default: reports/<plan-name>-capacity-<timestamp>).")
    var out: String?

    @Option(help: "Engine threads (default: as `ttsload run`; with agents, the fewest cores of any agent).")
    var threads: Int?

    @Option(help: ArgumentHelp("Run each level on these agents (`ttsload agent`): name=host:port,... (default: the plan's agents:).", valueName: "agents"))
    var agents: String?

    @Option(name: .customLong("token-file"), help: "With agents: the file holding their shared bearer token.")
    var tokenFile: String?

    @Option(help: "With agents serving HTTPS: the PEM file of the CA that signed their certificates (`ttsload agent-cert`).")
    var ca: String?

    @Option(name: .customLong("controller-timeout"), help: "With agents: seconds without word from this controller after which agents stop their load.")
    var controllerTimeout: Double = 10

    @Option(help: "SQLite store the search is recorded in.")
    var store = "reports/ttsload.sqlite"

    @Flag(name: .customLong("no-store"), help: "Do not record the search in the store.")
    var noStore = false

    @Flag(name: .customLong("no-report"), help: "Do not write the HTML dashboard.")
    var noReport = false

    @Flag(help: "Print only the levels and the answer.")
    var quiet = false

    func validate() throws {
        guard start >= 1, maxLevel >= start else { throw ValidationError("--start must be at least 1 and at most --max-level") }
        guard agree >= 2, maxWindows >= agree else { throw ValidationError("--agree must be at least 2 and at most --max-windows") }
        guard minSamples >= 1 else { throw ValidationError("--min-samples must be at least 1") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256") }
        if maxInFlight != nil && !open { throw ValidationError("--max-in-flight is for --open searches") }
        if let maxInFlight, maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
        _ = try settings()
    }

    /// The settings from the flags (a resumed search keeps its own).
    func settings() throws -> CapacitySettingsRecord {
        func duration(_ text: String, _ flag: String) throws -> Double {
            guard let d = PlanDuration(parsing: text), d.seconds > 0 else { throw ValidationError("\(flag) \(text): expected a duration such as 5s or 500ms") }
            return d.seconds
        }
        func percent(_ text: String, _ flag: String) throws -> Double {
            guard text.hasSuffix("%"), let v = Double(text.dropLast()), v > 0, v < 100 else { throw ValidationError("\(flag) \(text): expected a percentage such as 10%") }
            return v / 100
        }
        var fraction = 0.05, users: Int?
        if precision.hasSuffix("%") { fraction = try percent(precision, "--precision") } else {
            guard let n = Int(precision), n >= 1 else { throw ValidationError("--precision \(precision): expected a percentage (5%) or a number of users (2)") }
            users = n
        }
        return CapacitySettingsRecord(start: start, maxUsers: maxLevel, precision: fraction, precisionUsers: users,
                                      windowSeconds: try duration(window, "--window"), warmupSeconds: try duration(warmup, "--warmup"),
                                      agreeWindows: agree, maxWindows: maxWindows, tolerance: try percent(tolerance, "--tolerance"),
                                      minSamples: minSamples, open: open ? true : nil, maxInFlight: maxInFlight)
    }

    func run() throws {
        let loaded = try loadPlanOrFail(plan, overrides: try overrideOptions.overrides)
        let plan = loaded.plan
        if plan.ab != nil {
            throw CommandFailure(.usage, "targets: (an A/B run) is for `ttsload run`; a capacity search measures one target: search each side with --set target.url=... and compare the two searches")
        }
        let objective: SLO
        do { objective = try SLO(slo) } catch { throw CommandFailure(.usage, error.description) }
        let groupIndex = try chooseGroup(plan)
        let deadline = try maxTime.map { text -> Date in
            guard let d = PlanDuration(parsing: text), d.seconds > 0 else { throw CommandFailure(.usage, "--max-time \(text): expected a duration such as 30m") }
            return Date(timeIntervalSinceNow: d.seconds)
        }
        for (what, present) in [("thresholds", !plan.thresholds.isEmpty), ("stop_when", plan.stopWhen != nil), ("monitors", !plan.monitors.isEmpty)] where present {
            printError("warning: the plan's \(what) are not used by a capacity search (the SLO judges each level)")
        }

        // A new folder, or the one being resumed with what it already measured.
        let folder: RunFolder
        var settings = try self.settings()
        var levels: [CapacityLevel] = []
        var earlierSeconds = 0.0
        var earlierSamples: [Sample] = []
        if let resume {
            folder = RunFolder(resume)
            let report = try readReport(folder)
            guard report.slo == objective.terms.map(\.expression), report.group == plan.threadGroups[groupIndex].name else {
                throw CommandFailure(.usage, "--resume \(resume): that search was for group \(report.group) with SLO \(report.slo.joined(separator: ", ")); give the same --slo and group")
            }
            settings = report.settings
            levels = report.levels.filter { $0.verdict != .interrupted }
            earlierSeconds = report.seconds
            do { earlierSamples = try JTLSampleReader.read(path: folder.jtl).samples } catch {
                throw CommandFailure(.runtime, "\(folder.jtl): \(error)")
            }
            say("resuming \(resume): \(levels.count) level(s) measured, \(earlierSamples.count) samples")
        } else {
            do { folder = try RunFolder.create(planName: plan.name + "-capacity", out: out) } catch { throw CommandFailure(.usage, "\(error)") }
            try loaded.redactedYAML.write(toFile: folder.capacityPlan, atomically: true, encoding: .utf8)
        }

        var server: EmbeddedServer?
        let baseURL: String
        let cluster = try agentCluster(plan, folder: folder)
        switch plan.target.location {
        case .embedded where cluster != nil:
            throw CommandFailure(.usage, "target.url: embedded cannot be shared by agents: start `ttsload server --host ADDRESS` where the agents reach it and give its URL (--set target.url=http://...)")
        case .embedded:
            let started = try EmbeddedServer(arguments: plan.target.serverArgs, logPath: folder.serverLog)
            server = started
            baseURL = started.baseURL
            say("embedded server at \(baseURL) (log: \(folder.serverLog))")
        case .url(let url):
            baseURL = url
        }
        defer { server?.stop() }
        let threads = self.threads ?? cluster.map { $0.threads } ?? EngineThreads.defaultCount(baseURL: baseURL)
        do {
            let probe = try LoadRun.probe(plan: plan, target: baseURL)
            say("probe: \(probe.url) -> \(probe.status) \(probe.responseMessage) in \(RunText.duration(probe.elapsed))")
        } catch {
            throw CommandFailure(.runtime, "\(error)")
        }

        // One results.jtl for every level, begun and finished here.
        let jtl = JTLOutput(path: folder.jtl)
        let context = RunContext(plan: plan, folder: folder, target: baseURL)
        do {
            try jtl.begin(context)
            if !earlierSamples.isEmpty { try jtl.add(earlierSamples) }
        } catch { throw CommandFailure(.runtime, "\(folder.jtl): \(error)") }

        let control = SearchControl()
        let signals = installInterruptHandler { signal, count in
            control.interrupt(signal == SIGTERM ? "SIGTERM" : "Ctrl-C", hard: count > 1)
            printError(count > 1 ? "\nstopping now" : "\nstopping: the level in progress ends, every level measured is kept (again to abort)")
        }
        defer { signals.forEach { $0.cancel() } }
        let began = Date()
        let gateSettings = StabilityGate.Settings(window: settings.windowSeconds, warmup: settings.warmupSeconds, agree: settings.agreeWindows,
                                                  maxWindows: settings.maxWindows, tolerance: settings.tolerance, minSamples: settings.minSamples)
        say("searching \(plan.name) (group \(plan.threadGroups[groupIndex].name)) for the most \(settings.open == true ? "arrivals per second" : "users") within \(objective.terms.map(\.expression).joined(separator: ", "))")
        printLine(Self.columns(["#", settings.open == true ? "rate" : "users", "verdict", "req/s", "goodput/s", "p50 ms", "p95 ms", "p99 ms", "errors", "windows", "why"]))
        for (i, level) in levels.enumerated() { printLine(Self.row(i + 1, level)) }

        var answer: CapacityAnswer
        search: while true {
            switch CapacitySearch.next(levels: levels, settings: settings) {
            case .done(let found):
                answer = found
                break search
            case .measure(let users, let confirmation):
                if let why = control.stopReason {
                    answer = CapacitySearch.incomplete(levels: levels, why: why, settings: settings)
                    break search
                }
                if let deadline, Date() >= deadline {
                    answer = CapacitySearch.incomplete(levels: levels, why: "--max-time", settings: settings)
                    break search
                }
                // Numbered past any level folder an earlier session of a resumed search left.
                let index = max(levels.count, (try? FileManager.default.contentsOfDirectory(atPath: folder.path + "/levels").count) ?? 0) + 1
                let level: CapacityLevel
                do {
                    level = try measure(users: users, confirmation: confirmation, plan: plan, yaml: loaded.resolvedYAML, group: groupIndex,
                                        baseURL: baseURL, threads: threads, settings: settings, gate: gateSettings, slo: objective, jtl: jtl,
                                        control: control, deadline: deadline, cluster: cluster, index: index, folder: folder)
                } catch {
                    // The rows measured so far stay: the JTL is closed (flushed) before the error ends the command.
                    try? jtl.close()
                    throw error
                }
                levels.append(level)
                printLine(Self.row(levels.count, level))
                let seconds = earlierSeconds + Date().timeIntervalSince(began)
                try writeReport(CapacityReport(plan: plan.name, slo: objective.terms.map(\.expression), group: plan.threadGroups[groupIndex].name,
                                               settings: settings, levels: levels,
                                               answer: CapacitySearch.incomplete(levels: levels, why: "in progress", settings: settings),
                                               knee: CapacityKnee.users(levels), seconds: seconds), folder)
                if level.verdict == .interrupted {
                    answer = CapacitySearch.incomplete(levels: levels, why: control.stopReason ?? control.degraded ?? "--max-time", settings: settings)
                    break search
                }
            }
        }

        do { try jtl.close() } catch { throw CommandFailure(.runtime, "\(folder.jtl): \(error)") }
        let report = CapacityReport(plan: plan.name, slo: objective.terms.map(\.expression), group: plan.threadGroups[groupIndex].name,
                                    settings: settings, levels: levels, answer: answer, knee: CapacityKnee.users(levels),
                                    seconds: earlierSeconds + Date().timeIntervalSince(began))
        try writeReport(report, folder)
        var lines = ["", answer.text]
        if let knee = report.knee { lines.append("knee of throughput against \(settings.open == true ? "the offered rate: \(knee) req/s" : "users: \(knee) users")") }
        lines.append("levels: \(levels.count) in \(ScheduleText.clock(report.seconds))")
        lines.append("results: \(folder.jtl)")
        lines.append("capacity: \(folder.capacity)")
        if !noReport {
            // Steps are inferred from allThreads: each level is one.
            var input = DashboardInput(samples: [], title: "\(plan.name): capacity", source: folder.jtl, target: baseURL,
                                       status: answer.kind.rawValue)
            input.capacity = report
            do { lines.append("report: " + (try Dashboard.write(Dashboard.model(jtl: folder.jtl, input: input).model, to: folder.path))) } catch {
                printError("warning: the dashboard could not be written: \(error)")
            }
        }
        if !noStore {
            do {
                let summary = try JTLImport.run(path: folder.jtl, name: plan.name + " (capacity)", store: try ResultStore(path: store),
                                                toolVersion: TTSLoadVersion.described)
                lines.append("store: \(store) run \(summary.runID)")
            } catch {
                printError("warning: the search was not recorded in \(store): \(error)")
            }
        }
        lines.append("run folder: \(folder.path)")
        printLine(lines.joined(separator: "\n"))
        if control.stopReason != nil && answer.kind == .incomplete { throw CommandFailure(.interrupted) }
        if let degraded = control.degraded { throw CommandFailure(.runtime, "search stopped: \(degraded)") }
        switch answer.kind {
        case .found, .atLeast: return
        case .none, .unstable, .incomplete: throw CommandFailure(.negative, "")
        }
    }

    /// One level: the group at `users`, run until the gate decides (or the search is stopped).
    private func measure(users: Int, confirmation: Bool, plan: Plan, yaml: String, group: Int, baseURL: String, threads: Int,
                         settings: CapacitySettingsRecord, gate: StabilityGate.Settings, slo: SLO, jtl: JTLOutput,
                         control: SearchControl, deadline: Date?, cluster: AgentCluster?, index: Int, folder: RunFolder) throws -> CapacityLevel {
        // Long enough for every window the gate may take; the gate ends it as soon as it decides.
        let cap = settings.warmupSeconds + Double(settings.maxWindows) * 4 * settings.windowSeconds + 5
        let rampUp = PlanDuration(seconds: min(1, settings.warmupSeconds / 2))
        let levelPlan = LevelPlan.make(plan, group: group, users: users, rampUp: rampUp, duration: PlanDuration(seconds: cap),
                                       open: settings.open == true, maxInFlight: settings.maxInFlight ?? Self.inFlightCap(plan, group: group))
        var gate = gate
        if settings.open == true { gate.offeredRate = Double(users) }
        let judge = LevelOutput(settings: gate, slo: slo)
        if !quiet {
            let unit = settings.unit
            judge.onWindow = { w in
                let p95 = w.p95.map { String(format: "%.0f ms", $0 * 1_000) } ?? "-"
                printLine("      \(users) \(unit): window of " + String(format: "%.1f s, %d samples, %.1f req/s", w.seconds, w.samples, w.requestsPerSecond)
                          + ", p95 " + p95)
            }
        }
        let outputs: [RunOutput] = [judge, ForwardingOutput([jtl])]
        let stop: (Bool, String) -> Void
        let runLevel: () throws -> RunEnd
        if let cluster {
            // A controller per level (its own run id on the agents, its spools in levels/N/agents/).
            let levelYAML: String
            do {
                levelYAML = try LevelPlan.yaml(yaml, base: plan, group: group, users: users, rampUp: rampUp, duration: PlanDuration(seconds: cap),
                                               open: settings.open == true, maxInFlight: settings.maxInFlight ?? Self.inFlightCap(plan, group: group))
            } catch { throw CommandFailure(.runtime, "the level of \(users) \(settings.unit) for the agents: \(error)") }
            let (files, agentYAML) = try shipPlanFiles(plan, yaml: levelYAML)
            let levelFolder = RunFolder(folder.path + "/levels/\(index)")
            do { try FileManager.default.createDirectory(atPath: levelFolder.agents, withIntermediateDirectories: true) } catch {
                throw CommandFailure(.runtime, "\(levelFolder.path): \(error)")
            }
            let controller = Controller(agents: cluster.addresses, token: cluster.token, runID: cluster.runID + "-\(index)", caFile: ca)
            do {
                try controller.check(version: TTSLoadVersion.current)
                try controller.prepare(planName: plan.name, planYAML: agentYAML, files: files, threads: threads, seed: UInt64.random(in: 1...UInt64.max),
                                       controllerTimeout: controllerTimeout, environment: plan.environmentValues)
            } catch {
                controller.stop()
                throw CommandFailure(.runtime, "agents not prepared for \(users) \(settings.unit):\n\(error.message)")
            }
            let load = DistributedLoad(controller: controller, context: RunContext(plan: levelPlan, folder: levelFolder, target: baseURL),
                                       outputs: outputs)
            stop = { _, _ in load.stop() }
            runLevel = { try load.run(lead: 2, threads: threads) { _ in } }
        } else {
            let run: LoadRun
            do {
                run = try LoadRun(plan: levelPlan, target: baseURL, folder: nil, threads: threads, outputs: outputs)
            } catch {
                throw CommandFailure(.runtime, "cannot start the level of \(users) \(settings.unit): \(error)")
            }
            stop = { hard, why in run.stop(hard: hard, reason: why) }
            runLevel = { try run.run() }
        }
        control.running(stop)
        defer { control.running(nil) }
        var timer: DispatchSourceTimer?
        if let deadline {
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            t.schedule(deadline: .now() + max(0, deadline.timeIntervalSinceNow))
            t.setEventHandler { stop(false, "--max-time") }
            t.resume()
            timer = t
        }
        defer { timer?.cancel() }
        let end: RunEnd
        do { end = try runLevel() } catch let failure as AgentClient.Failure {
            throw CommandFailure(.runtime, "the level of \(users) \(settings.unit): \(failure.message)")
        } catch { throw CommandFailure(.runtime, "the level of \(users) \(settings.unit): \(error)") }
        if end.status == .degraded {
            // An agent lost or a spool that does not add up: not the service's figures. The search
            // ends here, keeping every level (this one marked interrupted) and every row.
            let why = "degraded at \(users) \(settings.unit): " + end.reasons.joined(separator: "; ")
            control.degrade(why)
            return judge.level(users: users, confirmation: confirmation, interrupted: why)
        }
        if end.status == .failed { throw CommandFailure(.runtime, "the level of \(users) users failed: " + end.reasons.joined(separator: "; ")) }
        return judge.level(users: users, confirmation: confirmation, interrupted: control.stopReason ?? (end.reasons.first ?? "--max-time"))
    }

    /// The agents a search runs its levels on, checked once.
    struct AgentCluster {
        var addresses: [AgentClient.Address]
        var token: String
        var runID: String
        var threads: Int
    }

    /// `--agents` (else the plan's `agents:`), the token, the CA; the agents' versions and cores
    /// checked before any level. nil for a search in this process.
    private func agentCluster(_ plan: Plan, folder: RunFolder) throws -> AgentCluster? {
        guard let list = agents ?? (plan.agents.isEmpty ? nil : plan.agents.map(\.description).joined(separator: ",")) else {
            if tokenFile != nil { throw CommandFailure(.usage, "--token-file is for searches on agents (--agents or the plan's agents:)") }
            return nil
        }
        guard let tokenFile else { throw CommandFailure(.usage, "agents need their shared token: --token-file FILE") }
        let addresses = try checkedAgents(list, ca: ca)
        let token = try readToken(tokenFile)
        let runID = RunCommand.runID(folder: folder) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let probe = Controller(agents: addresses, token: token, runID: runID, caFile: ca)
        do { try probe.check(version: TTSLoadVersion.current) } catch { throw CommandFailure(.runtime, error.message) }
        for agent in probe.agents { say("agent \(agent.address.name) at \(agent.address.url): ttsload \(agent.info?.version ?? "?"), \(agent.info?.cores ?? 0) cores") }
        return AgentCluster(addresses: addresses, token: token, runID: runID,
                            threads: max(1, probe.agents.compactMap { $0.info?.cores }.min() ?? 1))
    }

    /// The open model's in-flight cap: the group's own `max_users` when it is an arrival rate.
    static func inFlightCap(_ plan: Plan, group: Int) -> Int {
        LevelPlan.ownArrivalRate(plan, group: group)?.maxUsers ?? 1_000
    }

    private func chooseGroup(_ plan: Plan) throws -> Int {
        if let group {
            guard let i = plan.threadGroups.firstIndex(where: { $0.name == group }) else {
                throw CommandFailure(.usage, "--group \(group): the plan's groups are \(plan.threadGroups.map(\.name).joined(separator: ", "))")
            }
            return i
        }
        guard plan.threadGroups.count == 1 else {
            throw CommandFailure(.usage, "the plan has \(plan.threadGroups.count) thread groups; say which one to search with: --group \(plan.threadGroups.map(\.name).joined(separator: "|"))")
        }
        return 0
    }

    private func readReport(_ folder: RunFolder) throws -> CapacityReport {
        guard let data = FileManager.default.contents(atPath: folder.capacity) else {
            throw CommandFailure(.usage, "--resume \(folder.path): no capacity.json there")
        }
        do { return try JSONDecoder().decode(CapacityReport.self, from: data) } catch {
            throw CommandFailure(.usage, "\(folder.capacity): not a capacity search's file (\(error))")
        }
    }

    private func writeReport(_ report: CapacityReport, _ folder: RunFolder) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(report).write(to: URL(fileURLWithPath: folder.capacity), options: .atomic) } catch {
            throw CommandFailure(.runtime, "\(folder.capacity): \(error)")
        }
    }

    /// One level as a table row (`*`: a confirmation of a level measured before).
    static func row(_ n: Int, _ level: CapacityLevel) -> String {
        func ms(_ v: Double?) -> String { v.map { String(format: "%.0f", $0 * 1_000) } ?? "-" }
        return columns(["\(n)", "\(level.users)\(level.confirmation ? "*" : "")", level.verdict.rawValue,
                        String(format: "%.1f", level.requestsPerSecond), String(format: "%.1f", level.goodputPerSecond),
                        ms(level.p50), ms(level.p95), ms(level.p99), String(format: "%.2f%%", level.errorRate * 100),
                        "\(level.judgedWindows)/\(level.windows.count)", level.reason])
    }

    /// The table's columns: widths fixed, numbers right-aligned, the verdict and the reason left.
    static func columns(_ cells: [String]) -> String {
        let widths = [3, 6, 12, 8, 10, 7, 7, 7, 8, 8]
        var line = ""
        for (i, cell) in cells.enumerated() {
            guard i < widths.count else { line += "  " + cell; break }
            let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
            line += (i == 0 ? "" : " ") + (i == 0 || i == 2 ? cell + pad : pad + cell)
        }
        return line
    }

    func say(_ text: String) {
        if !quiet { printLine(text) }
    }
}

/// What Ctrl-C and SIGTERM reach during a search: the level running now, and the reason to stop.
final class SearchControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop: ((Bool, String) -> Void)?
    private var reason: String?

    /// How to stop the level running now (`hard`, why); nil between levels.
    func running(_ stop: ((Bool, String) -> Void)?) {
        lock.lock(); self.stop = stop; lock.unlock()
    }

    func interrupt(_ why: String, hard: Bool) {
        lock.lock()
        if reason == nil { reason = why }
        let stop = self.stop
        lock.unlock()
        stop?(hard, why)
    }

    var stopReason: String? { lock.lock(); defer { lock.unlock() }; return reason }

    /// Why a level's run on agents degraded (the search ends there), nil when none did.
    private(set) var degraded: String? {
        get { lock.lock(); defer { lock.unlock() }; return degradedReason }
        set { lock.lock(); degradedReason = newValue; lock.unlock() }
    }
    private var degradedReason: String?

    func degrade(_ why: String) { degraded = why }
}
