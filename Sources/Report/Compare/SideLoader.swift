import Foundation
import Plan
import Results

/// Turns what the user named into a `RunSide`: a run folder, a JTL file (ttsload's or JMeter's),
/// a run id in the store, or a baseline name in the store, tried in that order.
public struct SideLoader: Sendable {
    /// The SQLite store for run ids and baselines.
    public var storePath: String
    /// Column names for headerless JTL files (nil: JMeter's 17, or 2.x's 12, by field count).
    public var columns: [String]?

    public init(storePath: String, columns: [String]? = nil) {
        self.storePath = storePath
        self.columns = columns
    }

    /// Why a side could not be loaded; `CompareCommand` maps it to exit 2.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Loads `spec`: an existing folder is a run folder, an existing file a JTL, digits a run id,
    /// anything else a baseline name.
    public func load(_ spec: String) throws(Failure) -> RunSide {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? try runFolder(spec) : try jtl(spec, name: spec, profile: nil, title: nil)
        }
        if let id = Int64(spec.hasPrefix("#") ? String(spec.dropFirst()) : spec) { return try storeRun(id, name: spec) }
        return try baseline(spec)
    }

    /// Loads one side: `spec` as `load(_:)` reads it, or, when no such path exists, a
    /// comma-separated list of runs (replicates: `A1,A2,A3`), each read the same way.
    public func loadRuns(_ spec: String) throws(Failure) -> [RunSide] {
        guard !FileManager.default.fileExists(atPath: spec), spec.contains(",") else { return [try load(spec)] }
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let empty = parts.firstIndex(of: "") { throw Failure("'\(spec)': run \(empty + 1) of the list is empty") }
        var runs: [RunSide] = []
        for part in parts { runs.append(try load(part)) }
        return runs
    }

    /// The run the baseline `name` points at.
    public func baseline(_ name: String) throws(Failure) -> RunSide {
        let store = try openStore(purpose: "baseline '\(name)'")
        let found: ResultStore.Baseline?
        do { found = try store.baseline(name) } catch { throw Failure("\(storePath): \(error)") }
        guard let found else {
            throw Failure("'\(name)' is not a run folder, a JTL file, a run id or a baseline in \(storePath) (ttsload baseline set RUN --name \(name))")
        }
        return try storeRun(found.runID, name: "baseline \(name)", store: store)
    }

    /// Both sides of an A/B run folder (its plan.yaml has `targets:`); nil for any other run folder.
    public func abRun(_ folder: String) throws(Failure) -> (a: RunSide, b: RunSide, targets: ABTargets)? {
        let run = RunFolder(folder)
        guard FileManager.default.fileExists(atPath: run.plan), case .success(let loaded) = run.loadPlan(),
              let targets = loaded.plan.ab else { return nil }
        let whole = try runFolder(folder)
        let sides = ABSides.split(whole, plan: loaded.plan)
        return (sides.a, sides.b, targets)
    }

    /// A run folder: results.jtl, its steps from plan.yaml (tried against summary.json's
    /// plan_directory, the folder, the current folder and plans/), inferred when no plan loads.
    public func runFolder(_ folder: String) throws(Failure) -> RunSide {
        let run = RunFolder(folder)
        let jtlPath = run.jtl
        guard FileManager.default.fileExists(atPath: jtlPath) else { throw Failure("\(folder): no results.jtl (not a run folder)") }
        var notes: [String] = []
        var profile: LoadProfile?
        var title: String?
        var plan: Plan?
        if FileManager.default.fileExists(atPath: run.plan) {
            switch run.loadPlan() {
            case .success(let loaded):
                profile = LoadProfile(plan: loaded.plan)
                title = loaded.plan.name
                plan = loaded.plan
            case .failure:
                notes.append("\(run.plan) could not be loaded as a plan; steps are inferred from allThreads")
            }
        }
        var side = try jtl(jtlPath, name: folder, profile: profile, title: title, notes: notes)
        if let plan { side.adopt(plan) }
        side.noise = Self.noise(summary: run.summaryFields())
        return side
    }

    /// Why a run's figures are noisy, from its summary.json: its load generator (or an agent's)
    /// was saturated (`monitors.generator_saturated`, docs/monitors.md); nil otherwise.
    public static func noise(summary: [String: Any]?) -> String? {
        guard let monitors = summary?["monitors"] as? [String: Any], monitors["generator_saturated"] as? Bool == true else { return nil }
        var parts: [String] = []
        func describe(_ figures: Any?, _ who: String) {
            guard let g = figures as? [String: Any], let saturated = g["saturated_seconds"] as? Int, saturated > 0 else { return }
            parts.append("\(who) was saturated in \(saturated) of \((g["seconds"] as? Int) ?? 0) s")
        }
        describe(monitors["generator"], "the load generator")
        for (name, figures) in ((monitors["agents"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            describe(figures, "agent \(name)'s load generator")
        }
        return parts.isEmpty ? "the load generator was saturated" : parts.joined(separator: ", ")
    }

    /// A JTL file; steps from `profile` when given, else inferred.
    public func jtl(_ path: String, name: String, profile: LoadProfile?, title: String?, notes: [String] = []) throws(Failure) -> RunSide {
        let read: JTLSampleReader.Result
        do { read = try JTLSampleReader.read(path: path, columns: columns) } catch { throw Failure("\(path): \(error)") }
        let fileTitle = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return RunSide(name: name, source: path, title: title ?? fileTitle, samples: read.samples, profile: profile,
                       notes: notes + read.warnings)
    }

    /// Run `id` of the store: its samples, and its steps as recorded (inferred when it has none).
    public func storeRun(_ id: Int64, name: String, store: ResultStore? = nil) throws(Failure) -> RunSide {
        let opened: ResultStore
        if let store { opened = store } else { opened = try openStore(purpose: "run \(id)") }
        let store = opened
        do {
            guard let run = try store.run(id) else { throw Failure("no run \(id) in \(storePath)") }
            let samples = try store.samples(run: id)
            let steps = try store.steps(run: id)
            let label = "run \(id) (\(run.planName), \(run.status))"
            let source = "\(storePath) run \(id)"
            guard let first = steps.first else {
                return RunSide(name: name == String(id) ? label : name, source: source, title: run.planName, samples: samples,
                               profile: nil)
            }
            // Schedule time 0 is exact here: the steps were written against the engine's start.
            let t0 = steps.map(\.startMicros).min() ?? first.startMicros
            func seconds(_ us: Int64) -> Double { Double(us - t0) / 1_000_000 }
            let windows = steps.map {
                RunSide.Window(group: $0.groupName, index: $0.index, level: $0.level, unit: $0.unit,
                               holdStart: seconds($0.holdStartMicros), end: seconds($0.endMicros))
            }
            let duration = max(0, seconds(samples.map(\.end).max() ?? t0))
            return RunSide(name: name == String(id) ? label : name, source: source, title: run.planName, samples: samples, t0: t0,
                           duration: duration, windows: windows, stepsInferred: false,
                           notes: run.status == "complete" ? [] : ["run \(id) is \(run.status)"])
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("\(storePath): \(error)")
        }
    }

    func openStore(purpose: String) throws(Failure) -> ResultStore {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw Failure("\(purpose): no store at \(storePath) (and no such file or folder)")
        }
        do { return try ResultStore(path: storePath) } catch { throw Failure("\(storePath): \(error)") }
    }
}
