import ArgumentParser
import Foundation
import Plan
import Report
import Results
import Thresholds

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML dashboard (index.html) of a run folder or a JTL file.",
        discussion: """
            A run folder gives results.jtl, plan.yaml (the steps) and summary.json (target, status); the page
            goes into the folder. A JTL file (ttsload's or JMeter's) goes beside the file unless --out is given;
            without --plan its steps are inferred from allThreads plateaus. One self-contained file: inline CSS
            and SVG, nothing fetched when opened. With a plan (the run folder's plan.yaml, or --plan for
            any JTL, JMeter's included), its thresholds are judged on the file's samples and printed:
            exit 1 when one failed. Exit 2 when the input cannot be read. See docs/report.md.
            """)

    @Argument(help: "A run folder, or a JTL file.")
    var input: String

    @Option(help: "Folder to write index.html into (default: the run folder, or the JTL's folder).")
    var out: String?

    @Option(help: "Plan whose schedule gives the steps (default: plan.yaml of the run folder).")
    var plan: String?

    @Option(help: ArgumentHelp("Column names of a headerless JTL, comma-separated (default: JMeter's 17, or 2.x's 12).",
                               valueName: "a,b,..."))
    var columns: String?

    @Option(help: "SQLite store to take the run's monitor series from, when it holds the run (read only if it exists).")
    var store = "reports/ttsload.sqlite"

    @Option(help: ArgumentHelp("Write the thresholds' verdict as JUnit XML to this file.", valueName: "file"))
    var junit: String?

    @Flag(name: .customLong("no-thresholds"), help: "Do not judge the plan's thresholds.")
    var noThresholds = false

    @Option(help: "Knee rule: a step is the knee when its req/s is under this many times the previous step's ...")
    var kneeThroughput = 1.1

    @Option(help: "... while its p95 grew at least this many times.")
    var kneeLatency = 1.5

    func validate() throws {
        guard kneeThroughput > 0, kneeLatency > 0 else { throw ValidationError("--knee-throughput and --knee-latency must be > 0") }
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw CommandFailure(.usage, "\(input): no such run folder or JTL file")
        }
        let runFolder = isDirectory.boolValue ? RunFolder(input) : nil
        let folder = runFolder?.path
        let jtl = runFolder?.jtl ?? input
        let outDirectory = out ?? folder ?? (parentDirectory(of: input).isEmpty ? "." : parentDirectory(of: input))

        guard FileManager.default.isReadableFile(atPath: jtl) else { throw CommandFailure(.usage, "\(jtl): cannot read") }
        var notes: [String] = []
        var profile: LoadProfile?
        var title = ((jtl as NSString).lastPathComponent as NSString).deletingPathExtension
        var thresholds: [Threshold] = []
        var groupIndices: [String: Int] = [:]
        var target: String?
        var status: String?
        var summaryTarget: String?
        var measures: Measures?
        if let summary = runFolder?.summaryFields() {
            status = summary["status"] as? String
            summaryTarget = summary["target"] as? String
        }
        let planPath = plan ?? runFolder?.plan
        if let planPath, FileManager.default.fileExists(atPath: planPath) {
            switch (runFolder ?? RunFolder(".")).loadPlan(planPath) {
            case .success(let loaded):
                profile = LoadProfile(plan: loaded.plan)
                title = loaded.plan.name
                measures = loaded.plan.measures
                thresholds = loaded.plan.thresholds
                for (i, g) in loaded.plan.threadGroups.enumerated() { groupIndices[g.name] = i }
                if case .url(let url) = loaded.plan.target.location { target = url } else { target = "embedded ttsload server" }
            case .failure(let error):
                if plan != nil { throw CommandFailure(.usage, "\(planPath): \(error)") }
                // The samples are still worth a page; it says why the steps are inferred instead.
                notes.append("\(planPath) could not be read as a plan (\(error)); steps are inferred from allThreads.")
            }
        } else if plan != nil {
            throw CommandFailure(.usage, "\(plan ?? ""): cannot read the plan file")
        }
        if let summaryTarget { target = summaryTarget }
        var dashboardInput = DashboardInput(
            samples: [], profile: profile, title: title, source: jtl, target: target, status: status,
            thresholds: thresholds.map(\.expression), knee: KneeRule(throughputGain: kneeThroughput, latencyGrowth: kneeLatency), notes: notes)
        dashboardInput.monitors = monitorSeries(folder: folder, jtl: jtl)
        dashboardInput.measures = measures
        // The run's abort or stop_when, from its summary: the samples alone cannot tell why it ended early.
        dashboardInput.verdict = runFolder.flatMap(Self.recordedVerdict)
        if noThresholds { dashboardInput.thresholdsNotJudged = "--no-thresholds" }
        if let folder { dashboardInput.distributed = DistributedSummary.read(runFolder: folder) }
        // A capacity search's folder: its levels and answer (the JTL alone has only allThreads).
        if let runFolder, let data = FileManager.default.contents(atPath: runFolder.capacity) {
            do {
                let report = try JSONDecoder().decode(CapacityReport.self, from: data)
                dashboardInput.capacity = report
                dashboardInput.title = report.plan + ": capacity"
            } catch {
                dashboardInput.notes.append("\(runFolder.capacity) could not be read (\(error)); the capacity section is left out.")
            }
        }
        // One streaming pass over the file (after a quick one for time 0): no sample is kept.
        let built: (model: DashboardModel, samples: Int)
        do {
            built = try Dashboard.model(jtl: jtl, columns: columns.map { $0.split(separator: ",").map(String.init) },
                                        input: dashboardInput,
                                        judging: noThresholds || thresholds.isEmpty ? nil : (thresholds, groupIndices))
        } catch {
            throw CommandFailure(.usage, "\(jtl): \(error)")
        }
        let path: String
        do {
            path = try Dashboard.write(built.model, to: outDirectory)
        } catch {
            throw CommandFailure(.runtime, "cannot write the report into \(outDirectory): \(error.localizedDescription)")
        }
        for note in built.model.input.notes { printError("warning: \(note)") }
        print("\(built.samples) samples -> \(path)")
        if let verdict = built.model.input.verdict, !thresholds.isEmpty {
            print(VerdictText.text(verdict), terminator: "")
            print(VerdictText.line(verdict))
            if let junit { try writeJUnit(verdict, title: built.model.input.title, duration: built.model.duration, to: junit) }
            if !verdict.passed { throw CommandFailure(.negative, "thresholds failed") }
        } else if !thresholds.isEmpty && !noThresholds {
            printError("warning: thresholds not judged: no plan schedule to place the samples in steps")
        }
        if junit != nil && (built.model.input.verdict == nil || thresholds.isEmpty) {
            throw CommandFailure(.usage, "--junit: no thresholds were judged (give a plan with thresholds: the run folder's plan.yaml or --plan)")
        }
    }

    /// The verdict summary.json recorded, if any.
    static func recordedVerdict(_ folder: RunFolder) -> ThresholdVerdict? {
        guard let data = FileManager.default.contents(atPath: folder.summary) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Recorded: Decodable { var verdict: ThresholdVerdict? }
        return (try? decoder.decode(Recorded.self, from: data))?.verdict
    }

    private func writeJUnit(_ verdict: ThresholdVerdict, title: String, duration: Double, to path: String) throws {
        do {
            try OutputFile.writeAtomically(Array(JUnitReport.xml(verdict, plan: title, durationSeconds: duration).utf8), to: path)
        } catch {
            throw CommandFailure(.runtime, "cannot write \(path): \(error)")
        }
    }
}

extension ReportCommand {
    /// The monitor series of this run in the store: the newest run recorded from this run folder
    /// (`ttsload run`) or imported from this JTL (`ttsload import`). None when the store does not
    /// exist (it is not created here) or does not hold the run.
    func monitorSeries(folder: String?, jtl: String) -> [MonitorSeries] {
        guard FileManager.default.fileExists(atPath: store), let resultStore = try? ResultStore(path: store) else { return [] }
        let source = folder.map(StoreFeed.absolute) ?? "import " + StoreFeed.absolute(jtl)
        guard let id = try? resultStore.latestRun(source: source) else { return [] }
        return (try? resultStore.monitorSeries(run: id)) ?? []
    }
}
