import ArgumentParser
import Dispatch
import Engine
import Foundation
import Plan
import Report
import Results

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan's load against its target and write the results.",
        discussion: """
            Writes results.jtl (JMeter CSV), plan.yaml (as resolved) and summary.json into
            reports/<plan-name>-<timestamp>/ (or --out). With target.url: embedded, starts
            `ttsload server` on a free loopback port first. Ctrl-C stops gracefully (exit 130);
            a second Ctrl-C aborts in-flight requests.
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

    @Flag(name: .customLong("no-report"), help: "Do not write index.html at the end (build it later with `ttsload report`).")
    var noReport = false

    @Option(help: "SQLite file that keeps every run (runs, steps, samples, per-second aggregates; docs/results.md).")
    var store = "reports/ttsload.sqlite"

    @Flag(name: .customLong("no-store"), help: "Do not record the run in the SQLite store.")
    var noStore = false

    @Option(name: .customLong("compare-to"),
            help: "After the run, compare it with this base (run folder, JTL, run id or baseline name); exit as `ttsload compare` does.")
    var compareTo: String?

    @OptionGroup(title: "Comparison (with --compare-to)") var compareOptions: CompareOptions

    @Option(help: ArgumentHelp("Run the load on these agents (`ttsload agent`) instead of in this process: name=host:port,... (docs/distributed.md).",
                               valueName: "agents"))
    var agents: String?

    @Option(name: .customLong("token-file"), help: "With --agents: the file holding the agents' shared bearer token.")
    var tokenFile: String?

    @Option(help: "With agents serving HTTPS (`ttsload agent --tls-cert`): the PEM file of the CA that signed their certificates.")
    var ca: String?

    @Option(name: .customLong("controller-timeout"), help: "With --agents: seconds without word from this controller after which agents stop their load.")
    var controllerTimeout: Double = 10

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256") }
        if agents != nil && tokenFile == nil { throw ValidationError("--agents needs --token-file (the agents' shared token)") }
        guard controllerTimeout >= 2 else { throw ValidationError("--controller-timeout must be at least 2 seconds") }
    }

    func run() async throws {
        let loaded = try loadPlanOrFail(plan, overrides: try overrideOptions.overrides)
        let plan = loaded.plan
        // The base is read before the load, so a wrong name fails in a second, not after the run.
        var compareBase: RunSide?
        if let compareTo {
            do { compareBase = try SideLoader(storePath: store).load(compareTo) } catch { throw CommandFailure(.usage, "--compare-to: \(error)") }
        }
        let folder = try makeRunFolder(plan: plan)
        try loaded.resolvedYAML.write(toFile: folder + "/plan.yaml", atomically: true, encoding: .utf8)
        // Agents from --agents, else from the plan's `agents:` (named agent1, agent2, ... in order).
        if let list = agents ?? (plan.agents.isEmpty ? nil : plan.agents.map(\.description).joined(separator: ",")) {
            guard tokenFile != nil else {
                throw CommandFailure(.usage, "the plan lists agents: give their shared token with --token-file (or run without agents: --set agents=[])")
            }
            try runDistributed(loaded, agents: list, folder: folder)
            if let compareBase {
                try compare(with: compareBase, folder: folder, plan: plan, profile: LoadProfile(plan: plan), startWall: nil)
            }
            return
        }
        if tokenFile != nil { throw CommandFailure(.usage, "--token-file is for runs on agents (--agents or the plan's agents:)") }

        var server: EmbeddedServer?
        let baseURL: String
        switch plan.target.location {
        case .embedded:
            let started = try EmbeddedServer(arguments: plan.target.serverArgs, logPath: folder + "/server.log")
            server = started
            baseURL = started.baseURL
            say("embedded server at \(baseURL) (log: \(folder)/server.log)")
        case .url(let url):
            baseURL = url
        }
        defer { server?.stop() }
        let threads = self.threads ?? EngineThreads.defaultCount(baseURL: baseURL)

        do {
            let probe = try Probe.check(plan: plan, baseURL: baseURL)
            say("probe: \(probe.url) -> \(probe.status) \(probe.responseMessage) in \(RunText.duration(probe.elapsed))")
        } catch {
            throw CommandFailure(.runtime, "\(error)")
        }

        let profile = LoadProfile(plan: plan)
        var indices: [String: Int] = [:]
        for (i, g) in plan.threadGroups.enumerated() { indices[g.name] = i }
        let engine: LoadEngine
        let recorder: RunRecorder
        do {
            // The statistics need the engine's start instant; the engine needs the sink. The recorder is
            // created with a provisional start and told the real one just before the load begins.
            let provisional = Int64(Date().timeIntervalSince1970 * 1_000_000)
            recorder = try RunRecorder(jtlPath: folder + "/results.jtl", profile: profile, groupIndices: indices, startWall: provisional,
                                       audioColumns: !jtlPlain)
            try runFolderReadme(plan: plan).write(toFile: folder + "/README.md", atomically: true, encoding: .utf8)
            engine = try LoadEngine(plan: plan, baseURL: baseURL, threads: threads, sink: recorder)
        } catch {
            throw CommandFailure(.runtime, "cannot start the run: \(error)")
        }

        // The SQLite store records the run as it goes; a store problem is reported, never fatal:
        // the JTL in the run folder stays the record of truth.
        let runStore = noStore ? nil : StoreFeed(path: store, plan: plan, yaml: loaded.resolvedYAML, target: baseURL,
                                                       folder: folder)
        if let runStore { recorder.onBatch = { runStore.add($0) } }
        // A results.jtl that cannot be written (disk full, EIO) ends the run: the load stops as on
        // Ctrl-C, the rows written before stay, and the command exits 3 below.
        recorder.onWriteFailure = { error in
            printError("\nstopping: \(error)")
            engine.stop(hard: false)
        }

        let interrupted = InterruptFlag()
        let signals = installInterruptHandler { count in
            interrupted.set()
            engine.stop(hard: count > 1)
            printError(count > 1 ? "\nstopping now (in-flight requests aborted)" : "\nstopping: letting in-flight requests finish (Ctrl-C again to abort)")
        }
        defer { signals.cancel() }

        say("running \(plan.name): \(profile.groups.count) group(s), \(ScheduleText.clock(profile.duration)), \(threads) engine thread(s)\(self.threads == nil && EngineThreads.isLocal(baseURL) ? " (half the cores: the target is on this host)" : "")")
        let finished = DispatchSemaphore(value: 0)
        let loadThread = Thread {
            engine.run()
            finished.signal()
        }
        loadThread.start()
        liveLoop(engine: engine, recorder: recorder, profile: profile, finished: finished)
        recorder.close()

        let statistics = recorder.statistics
        var groupNames: [Int: String] = [:]
        for (i, g) in plan.threadGroups.enumerated() { groupNames[i] = g.name }
        print("\nper step (hold only):")
        print(RunText.stepTable(statistics, groupNames: groupNames), terminator: "")
        print("\nper label:")
        print(RunText.labelTable(statistics), terminator: "")
        let counters = engine.counters
        let warnings = engine.audioWarnings
        if !warnings.isEmpty {
            print("\naudio that could not be read (first per label):")
            for (label, message) in warnings.sorted(by: { $0.key < $1.key }) { print("  \(label): \(message)") }
        }
        if counters != EngineCounters() {
            print("\ndropped arrivals \(counters.dropped), late arrivals \(counters.late), interrupted \(counters.interrupted), users out of data \(counters.dataExhausted)")
        }
        var summary = RunSummary(plan: plan, target: baseURL, statistics: statistics, durationSeconds: engine.elapsed,
                                 interruptedRun: interrupted.isSet, dropped: counters.dropped, late: counters.late,
                                 interrupted: counters.interrupted, dataExhausted: counters.dataExhausted)
        summary.audioWarnings = warnings
        summary.planDirectory = URL(fileURLWithPath: plan.baseDirectory).standardizedFileURL.path
        var summaryFailure: String?
        summary.writeFailure = recorder.writeFailure
        if recorder.writeFailure != nil { summary.status = ResultStore.Status.failed.rawValue }
        runStore?.finish(profile: profile, startWall: engine.startWall,
                         status: recorder.writeFailure != nil ? .failed : interrupted.isSet ? .interrupted : .complete)
        // Everything else is still written when one file fails (the disk may have room again).
        do { try summary.write(to: folder + "/summary.json") } catch {
            summaryFailure = "cannot write \(error)"
        }
        writeReportAndPaths(folder: folder, plan: plan, target: baseURL, status: summary.status, startMicros: engine.startWall,
                            total: statistics.total, storeFeed: runStore)
        if let failure = recorder.writeFailure {
            throw CommandFailure(.runtime, "cannot write \(failure): the run was stopped; the \(recorder.rowsWritten) rows written before are intact"
                                 + (summaryFailure.map { "\n" + $0 } ?? ""))
        }
        if let summaryFailure { throw CommandFailure(.runtime, summaryFailure) }
        if interrupted.isSet { throw CommandFailure(.interrupted) }
        if let compareBase { try compare(with: compareBase, folder: folder, plan: plan, profile: profile, startWall: engine.startWall) }
    }

    /// `--compare-to`: this run (its JTL, placed exactly by the engine's start when known) against the base.
    private func compare(with base: RunSide, folder: String, plan: Plan, profile: LoadProfile, startWall: Int64?) throws {
        let jtl = folder + "/results.jtl"
        let read: JTLSampleReader.Result
        do { read = try JTLSampleReader.read(path: jtl) } catch { throw CommandFailure(.runtime, "\(jtl): \(error)") }
        let candidate = RunSide(name: folder, source: jtl, title: plan.name, samples: read.samples, profile: profile,
                                startMicros: startWall, notes: read.warnings)
        let comparison = Comparator.compare(base: base, candidate: candidate, tolerances: try compareOptions.tolerances)
        print("\ncompared with \(base.name):")
        try finishComparison(comparison, options: compareOptions, format: .text, html: folder + "/compare.html")
    }

    /// The end of every run, in-process or on agents: the dashboard (unless --no-report), then the
    /// outputs' paths; the last line is always `run folder: DIR`.
    func writeReportAndPaths(folder: String, plan: Plan, target: String, status: String, startMicros: Int64, total: SampleStats,
                             storeFeed: StoreFeed?) {
        var reportPath: String?
        if !noReport {
            do {
                reportPath = try Dashboard.writeRunFolder(folder, plan: plan, target: target, status: status, startMicros: startMicros,
                                                          monitors: storeFeed?.monitors() ?? [])
            } catch {
                printError("report not written: \(error)")
            }
        }
        print("\nsamples: \(total.count), errors: \(total.errors) (\(RunText.percent(total.errorRate)))")
        print("results: \(folder)/results.jtl")
        print("summary: \(folder)/summary.json")
        if let reportPath { print("report: \(reportPath)") }
        if let storeFeed, let id = storeFeed.runID, storeFeed.failure == nil { print("store: \(store) (run \(id))") }
        print("run folder: \(folder)")
    }

    /// Drains samples four times a second and prints one line per second until the engine ends.
    private func liveLoop(engine: LoadEngine, recorder: RunRecorder, profile: LoadProfile, finished: DispatchSemaphore) {
        let tty = isatty(STDOUT_FILENO) != 0
        var lastLine = Date()
        var startFixed = false
        while finished.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            if !startFixed, engine.startWall > 0 {
                recorder.setStart(engine.startWall)
                startFixed = true
            }
            recorder.drain()
            let now = Date()
            guard now.timeIntervalSince(lastLine) >= 1 else { continue }
            let seconds = now.timeIntervalSince(lastLine)
            lastLine = now
            let interval = recorder.takeInterval()
            if quiet { continue }
            let t = engine.elapsed
            let step = profile.groups.compactMap { $0.step(at: t)?.name }.first ?? "finishing"
            printLine(RunText.liveLine(elapsed: t, total: profile.duration, step: step, users: engine.activeUsers.reduce(0, +),
                                       interval: interval, seconds: seconds, errorsTotal: recorder.statistics.total.errors,
                                       progressBar: tty))
        }
        if !startFixed { recorder.setStart(engine.startWall) }
    }

    func makeRunFolder(plan: Plan) throws -> String {
        let folder: String
        if let out { folder = out } else {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let safe = plan.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }
            folder = "reports/\(String(safe))-\(formatter.string(from: Date()))"
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.usage, "cannot create the run folder \(folder): \(error.localizedDescription)")
        }
        return folder
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
        if case .embedded = plan.target.location { text += "- `server.log`: the embedded server's output.\n" }
        return text
    }

    func say(_ text: String) {
        if !quiet { printLine(text) }
    }
}

/// Prints a line and flushes it: on a pipe (CI logs, a wrapper reading the output) stdio would
/// otherwise hold lines back until a block fills or the process exits.
func printLine(_ text: String) {
    print(text)
    fflush(nil)
}

/// Set once by the SIGINT handler.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Routes SIGINT/SIGTERM to `handler(count)` on a dispatch queue instead of killing the process.
func installInterruptHandler(_ handler: @escaping @Sendable (Int) -> Void) -> DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "ttsload.signals"))
    let counter = InterruptCounter()
    source.setEventHandler { handler(counter.next()) }
    source.resume()
    return source
}

final class InterruptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
}
