import ArgumentParser
import Dispatch
import Engine
import Export
import Foundation
import Plan
import Report
import Results
import RunPipeline
import Thresholds

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan's load against its target and write the results.",
        discussion: """
            Writes results.jtl (JMeter CSV), plan.yaml (as resolved) and summary.json into
            reports/<plan-name>-<timestamp>/ (or --out, which must not hold an earlier run's
            results.jtl). With target.url: embedded, starts `ttsload server` on a free loopback
            port first. Ctrl-C or SIGTERM stops gracefully and writes everything (exit 130); a
            second one aborts in-flight requests.

            The plan's thresholds are judged on every sample at the end (on the whole run and on
            each step's hold) and printed as a verdict: exit 1 when one failed (k6 uses 99). A
            threshold with abort: true stops the load when it fails; stop_when ends a stepped
            load after the first step that meets it. See docs/plan.md.
            """)

    @Argument(help: "Plan file (YAML).")
    var plan: String

    @OptionGroup var overrideOptions: PlanOverrideOptions

    @Option(help: "Run folder (default: reports/<plan-name>-<timestamp>).")
    var out: String?

    @Option(help: "Engine threads, each one libcurl multi loop (default: the number of cores, half of them for a target on this host; with --agents, the fewest cores of any agent).")
    var threads: Int?

    @Flag(help: "Print only the end-of-run tables, no per-second line.")
    var quiet = false

    @Flag(name: .customLong("jtl-plain"), help: "Write only JMeter's 17 default JTL columns (no TTS columns).")
    var jtlPlain = false

    @Option(help: ArgumentHelp("Write the thresholds' verdict as JUnit XML to this file (one testcase per threshold, per step for `each step:` ones).",
                               valueName: "file"))
    var junit: String?

    @Flag(name: .customLong("no-thresholds"), help: "Do not judge the plan's thresholds, abort or stop_when (exit 0 whatever the figures).")
    var noThresholds = false

    @Flag(name: .customLong("no-report"), help: "Do not write index.html at the end (build it later with `ttsload report`).")
    var noReport = false

    @Option(help: "SQLite file that keeps every run (runs, steps, samples, per-second aggregates; docs/results.md).")
    var store = "reports/ttsload.sqlite"

    @Flag(name: .customLong("no-store"), help: "Do not record the run in the SQLite store.")
    var noStore = false

    @Option(name: .customLong("compare-to"),
            help: "After the run, compare it with this base (run folder, JTL, run id or baseline name); exit as `ttsload compare` does.")
    var compareTo: String?

    @OptionGroup(title: "Comparison (with --compare-to, or of an A/B run's sides)") var compareOptions: CompareOptions

    @Option(name: .customLong("target-b"),
            help: ArgumentHelp("Make this an A/B run: the same load sent to this second target (a URL or embedded) at the same moments, "
                               + "judged side by side (the same as --set targets.b=URL; docs/ab.md).", valueName: "url"))
    var targetB: String?

    @Option(help: ArgumentHelp("Run the load on these agents (`ttsload agent`) instead of in this process: name=host:port,... (docs/distributed.md).",
                               valueName: "agents"))
    var agents: String?

    @Option(name: .customLong("token-file"), help: "With --agents: the file holding the agents' shared bearer token.")
    var tokenFile: String?

    @Option(help: "With agents serving HTTPS (`ttsload agent --tls-cert`): the PEM file of the CA that signed their certificates.")
    var ca: String?

    @Option(name: .customLong("controller-timeout"), help: "With --agents: seconds without word from this controller after which agents stop their load.")
    var controllerTimeout: Double = 10

    @Option(name: .customLong("metrics-listen"),
            help: ArgumentHelp("Serve the run's live figures for Prometheus on http://HOST:PORT/metrics during the run (docs/export.md).",
                               valueName: "host:port"))
    var metricsListen: String?

    @Option(name: .customLong("metrics-linger"),
            help: ArgumentHelp("With --metrics-listen: after the run, wait this many seconds at most for a last scrape of the final figures (only when something scraped during the run).",
                               valueName: "seconds"))
    var metricsLinger: Double = 15

    @Option(name: .customLong("export"), parsing: .singleValue,
            help: ArgumentHelp("Push the run's live figures every second: prometheus-rw=URL (Prometheus remote write 1.0; docs/export.md).",
                               valueName: "kind=url"))
    var export: [String] = []

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256") }
        if agents != nil && tokenFile == nil { throw ValidationError("--agents needs --token-file (the agents' shared token)") }
        if junit != nil && noThresholds { throw ValidationError("--junit writes the thresholds' verdict: it cannot go with --no-thresholds") }
        guard controllerTimeout >= 2 else { throw ValidationError("--controller-timeout must be at least 2 seconds") }
        _ = try liveExport
    }

    func run() async throws {
        let loaded = try loadPlanOrFail(plan, overrides: try overrideOptions.overrides + abOverrides)
        let plan = loaded.plan
        if plan.ab != nil, compareTo != nil {
            throw CommandFailure(.usage, "--compare-to compares this run with another; an A/B run (targets:) compares its own two sides: drop one of them")
        }
        // The base is read before the load, so a wrong name fails in a second, not after the run.
        var compareBase: RunSide?
        if let compareTo {
            do { compareBase = try SideLoader(storePath: store).load(compareTo) } catch { throw CommandFailure(.usage, "--compare-to: \(error)") }
        }
        let folder = try makeRunFolder(plan: plan)
        try loaded.redactedYAML.write(toFile: folder.plan, atomically: true, encoding: .utf8)
        // Agents from --agents, else from the plan's `agents:` (named agent1, agent2, ... in order).
        if let list = agents ?? (plan.agents.isEmpty ? nil : plan.agents.map(\.description).joined(separator: ",")) {
            if plan.ab != nil {
                throw CommandFailure(.usage, "an A/B run (targets: or --target-b) runs in one process in this version: it cannot run on agents")
            }
            guard tokenFile != nil else {
                throw CommandFailure(.usage, "the plan lists agents: give their shared token with --token-file (or run without agents: --set agents=[])")
            }
            let end = try runDistributed(loaded, agents: list, folder: folder)
            try finishCommand(end, folder: folder, compareBase: compareBase, plan: plan)
            return
        }
        if tokenFile != nil { throw CommandFailure(.usage, "--token-file is for runs on agents (--agents or the plan's agents:)") }

        var servers: [EmbeddedServer] = []
        defer { servers.forEach { $0.stop() } }
        let baseURL = try startTarget(plan.target.location, serverArgs: plan.target.serverArgs, log: folder.serverLog,
                                      side: plan.ab == nil ? nil : .a, servers: &servers)
        let baseURLB = try plan.ab.map { try startTarget($0.b.location, serverArgs: $0.b.serverArgs, log: folder.serverLogB, side: .b, servers: &servers) }
        let threads = self.threads ?? EngineThreads.defaultCount(baseURL: baseURL)

        let probes = [("", baseURL, plan.ab == nil ? plan : plan.sidePlan(.a))] + (baseURLB.map { [(" b", $0, plan.sidePlan(.b))] } ?? [])
        for (side, url, probePlan) in probes {
            do {
                let probe = try LoadRun.probe(plan: probePlan, target: url)
                say("probe\(plan.ab != nil && side.isEmpty ? " a" : side): \(probe.url) -> \(probe.status) \(probe.responseMessage) in \(RunText.duration(probe.elapsed))")
            } catch {
                throw CommandFailure(.runtime, "\(error)")
            }
        }

        let storeOutput = noStore ? nil : StoreOutput(path: store, plan: plan, yaml: loaded.redactedYAML, target: baseURL, folder: folder)
        let run: LoadRun
        do {
            run = try LoadRun(plan: plan, target: baseURL, targetB: baseURLB, folder: folder, threads: threads, outputs: outputs(folder: folder, store: storeOutput))
            try runFolderReadme(plan: plan).write(toFile: folder.readme, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(.runtime, "cannot start the run: \(error)")
        }
        // A results.jtl that cannot be written (disk full, EIO) ends the run: the load stops as on
        // Ctrl-C, the rows written before stay, and the command exits 3.
        run.onFailure = { message in printError("\nstopping: \(message)") }
        let signals = installInterruptHandler { signal, count in
            run.stop(hard: count > 1)
            printError(count > 1 ? "\nstopping now (in-flight requests aborted)"
                : "\n\(signal == SIGTERM ? "SIGTERM: " : "")stopping: letting in-flight requests finish (Ctrl-C again to abort)")
        }
        defer { signals.forEach { $0.cancel() } }

        say("running \(plan.name): \(run.context.profile.groups.count) group(s), \(ScheduleText.clock(run.context.profile.duration)), \(threads) engine thread(s)\(self.threads == nil && EngineThreads.isLocal(baseURL) ? " (half the cores: the target is on this host)" : "")")
        let end: RunEnd
        do { end = try run.run() } catch { throw CommandFailure(.runtime, "cannot start the run: \(error)") }
        try finishCommand(end, folder: folder, compareBase: compareBase, plan: plan)
    }

    /// The outputs of every run this command makes, in the order they finish: the monitors
    /// (their series go into everything after), the thresholds (the verdict too), the JTL (the
    /// dashboard reads it), the summary, the store, the terminal's tables, the dashboard, and the
    /// live export last (it may wait for a last scrape).
    func outputs(folder: RunFolder, store: StoreOutput?) throws -> [RunOutput] {
        var list: [RunOutput] = [MonitorOutput()]
        if !noThresholds { list.append(ThresholdOutput(junit: junit)) }
        list += [JTLOutput(path: folder.jtl, audioColumns: !jtlPlain), SummaryOutput()]
        if let store { list.append(store) }
        list.append(TerminalOutput(quiet: quiet))
        if !noReport { list.append(DashboardOutput()) }
        let export = try liveExport
        if !export.isEmpty { list.append(LiveExportOutput(options: export) { printError($0) }) }
        return list
    }

    /// `--metrics-listen`, `--metrics-linger` and `--export`, checked.
    var liveExport: LiveExportOptions {
        get throws {
            var options = LiveExportOptions(linger: metricsLinger)
            if let metricsListen {
                guard let address = MetricsEndpoint.Address(parsing: metricsListen) else {
                    throw ValidationError("--metrics-listen \(metricsListen): expected HOST:PORT, [IPv6]:PORT or :PORT")
                }
                options.listen = address
            }
            guard (0...600).contains(metricsLinger) else { throw ValidationError("--metrics-linger must be 0...600 seconds") }
            for item in export {
                guard let eq = item.firstIndex(of: "="), item[..<eq] == "prometheus-rw" else {
                    throw ValidationError("--export \(item): expected prometheus-rw=URL (the one push this version has)")
                }
                let url = String(item[item.index(after: eq)...])
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                    throw ValidationError("--export \(item): the URL must be http:// or https:// with a host")
                }
                guard options.remoteWrite == nil else { throw ValidationError("--export prometheus-rw= is given twice") }
                options.remoteWrite = url
            }
            return options
        }
    }

    /// The closing lines (the last is always `run folder: DIR`), then the exit status the end calls
    /// for, then `--compare-to`.
    private func finishCommand(_ end: RunEnd, folder: RunFolder, compareBase: RunSide?, plan: Plan) throws {
        let total = end.statistics.total
        var lines = ["", "samples: \(total.count), errors: \(total.errors) (\(RunText.percent(total.errorRate)))"]
        let order = ["results", "summary", "report", "store"]
        for file in end.files.sorted(by: { (order.firstIndex(of: $0.label) ?? 9) < (order.firstIndex(of: $1.label) ?? 9) }) {
            lines.append("\(file.label): \(file.path)")
        }
        if let verdict = end.verdict {
            lines.append(VerdictText.line(verdict))
        } else if noThresholds && !(plan.thresholds.isEmpty && plan.stopWhen == nil) {
            lines.append("verdict: none (--no-thresholds: the plan's thresholds were not judged)")
        }
        lines.append("run folder: \(folder.path)")
        printLine(lines.joined(separator: "\n"))
        switch end.status {
        case .complete, .stopped, .aborted: break
        case .interrupted: throw CommandFailure(.interrupted)
        case .degraded:
            throw CommandFailure(.runtime, "run degraded: " + end.reasons.joined(separator: "; ")
                                 + " (`ttsload collect \(folder.path)` fetches a returning agent's spool)")
        case .failed: throw CommandFailure(.runtime, "run failed: " + end.reasons.joined(separator: "\n"))
        }
        if let compareBase {
            try compare(with: compareBase, folder: folder, plan: plan, profile: end.statistics.profile, startWall: end.statistics.startWall)
        }
        // An A/B run: b judged against a, then the thresholds (per side); either failing exits 1.
        let regressed = plan.ab != nil ? try compareSides(folder: folder, plan: plan, profile: end.statistics.profile,
                                                          startWall: end.statistics.startWall) : false
        let thresholdsFailed = end.verdict.map { !$0.passed } ?? false
        if regressed || thresholdsFailed {
            var why = [regressed ? "b regressed against a" : nil,
                       thresholdsFailed ? (end.status == .aborted ? "thresholds failed; the run was aborted" : "thresholds failed") : nil]
            why.removeAll { $0 == nil }
            throw CommandFailure(.negative, why.compactMap { $0 }.joined(separator: "; "))
        }
    }

    /// `--compare-to`: this run (its JTL, placed exactly by the engine's start when known) against the base.
    private func compare(with base: RunSide, folder: RunFolder, plan: Plan, profile: LoadProfile, startWall: Int64?) throws {
        let jtl = folder.jtl
        let read: JTLSampleReader.Result
        do { read = try JTLSampleReader.read(path: jtl) } catch { throw CommandFailure(.runtime, "\(jtl): \(error)") }
        let candidate = RunSide(name: folder.path, source: jtl, title: plan.name, samples: read.samples, profile: profile,
                                startMicros: startWall, notes: read.warnings)
        let comparison = Comparator.compare(base: base, candidate: candidate, tolerances: try compareOptions.tolerances)
        print("\ncompared with \(base.name):")
        try finishComparison(comparison, options: compareOptions, format: .text, html: folder.comparePage)
    }

    /// A new run folder (`--out`, or reports/<plan>-<timestamp>): never one holding an earlier run.
    func makeRunFolder(plan: Plan) throws -> RunFolder {
        do { return try RunFolder.create(planName: plan.name, out: out) } catch { throw CommandFailure(.usage, "\(error)") }
    }

    /// The run folder's README: what each file is, and how JMeter reads the TTS columns.
    func runFolderReadme(plan: Plan) -> String {
        var text = "# Run of \(plan.name)\n\n"
        text += "- `results.jtl`: every sample, JMeter CSV (JTL) with JMeter 5.x's default 17 columns"
        if jtlPlain {
            text += " (written with --jtl-plain: no TTS columns).\n"
        } else {
            text += ", then the TTS figures as sample-variable columns: \(JTLFormat.audioVariables.joined(separator: ", ")).\n"
            text += "  For JMeter to read them (e.g. `jmeter -g results.jtl -o dashboard`), set this property\n"
            text += "  (user.properties or `-J`):\n\n      \(JTLFormat.sampleVariablesProperty)\n\n"
            text += "  Units: audio_seconds in s, ttfa_ms / max_gap_ms / underrun_ms in ms, rtf = elapsed / audio seconds,\n"
            text += "  chars = characters of input text. Empty when the response had no readable audio.\n"
        }
        text += "- `summary.json`: totals, per label and per step (hold only), counters.\n"
        text += "- `plan.yaml`: the plan as run (after --set).\n"
        if case .embedded = plan.target.location {
            text += "- `server.log`: the embedded server's output\(plan.ab == nil ? "" : " (side a)").\n"
        }
        if let ab = plan.ab {
            if case .embedded = ab.b.location { text += "- `server-b.log`: side b's embedded server's output.\n" }
            text += "- `compare.html`: side b against side a (\(ABSides.describe(ab))); docs/ab.md.\n"
        }
        return text
    }

    func say(_ text: String) {
        if !quiet { printLine(text) }
    }
}

/// Prints a line (the plan's secrets hidden) and flushes it: on a pipe (CI logs, a wrapper
/// reading the output) stdio would otherwise hold lines back until a block fills or the process exits.
func printLine(_ text: String) {
    print(Secrets.redactor.redact(text))
    fflush(nil)
}

/// Routes SIGINT and SIGTERM (what systemd, Kubernetes and CI runners send) to
/// `handler(signal, count)` on a dispatch queue instead of killing the process; `count` counts
/// both signals together, so a second one of either means "stop now".
func installInterruptHandler(_ handler: @escaping @Sendable (Int32, Int) -> Void) -> [DispatchSourceSignal] {
    let counter = InterruptCounter()
    let queue = DispatchQueue(label: "ttsload.signals")
    return ([SIGINT, SIGTERM] as [Int32]).map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler { handler(number, counter.next()) }
        source.resume()
        return source
    }
}

final class InterruptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
}
