import ArgumentParser
import Foundation
import Plan
import Report
import Results

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML dashboard (index.html) of a run folder or a JTL file.",
        discussion: """
            A run folder gives results.jtl, plan.yaml (the steps) and summary.json (target, status); the page
            goes into the folder. A JTL file (ttsload's or JMeter's) goes beside the file unless --out is given;
            without --plan its steps are inferred from allThreads plateaus. One self-contained file: inline CSS
            and SVG, nothing fetched when opened. Exit 2 when the input cannot be read. See docs/report.md.
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
        let outDirectory = out ?? folder ?? ((input as NSString).deletingLastPathComponent.isEmpty ? "." : (input as NSString).deletingLastPathComponent)

        guard FileManager.default.isReadableFile(atPath: jtl) else { throw CommandFailure(.usage, "\(jtl): cannot read") }
        var notes: [String] = []
        var profile: LoadProfile?
        var title = ((jtl as NSString).lastPathComponent as NSString).deletingPathExtension
        var thresholds: [String] = []
        var target: String?
        var status: String?
        var summaryTarget: String?
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
                thresholds = loaded.plan.thresholds.map(\.expression)
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
            thresholds: thresholds, knee: KneeRule(throughputGain: kneeThroughput, latencyGrowth: kneeLatency), notes: notes)
        dashboardInput.monitors = monitorSeries(folder: folder, jtl: jtl)
        if let folder { dashboardInput.distributed = DistributedSummary.read(runFolder: folder) }
        // One streaming pass over the file (after a quick one for time 0): no sample is kept.
        let built: (model: DashboardModel, samples: Int)
        do {
            built = try Dashboard.model(jtl: jtl, columns: columns.map { $0.split(separator: ",").map(String.init) },
                                        input: dashboardInput)
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
