import Foundation
import Plan

/// A run's folder and its layout: every file a run writes and every reader of a run folder go
/// through here, so the names live in one place.
///
/// `results.jtl` (every sample), `summary.json`, `plan.yaml` (as resolved), `README.md`,
/// `server.log` (embedded target; `server-b.log`: side b's in an A/B run), `index.html` (dashboard), `compare.html` (`--compare-to`),
/// and for a distributed run `agents/NAME.jtl` (each agent's spool) and `cluster.json`.
public struct RunFolder: Sendable, Equatable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var jtl: String { file("results.jtl") }
    public var summary: String { file("summary.json") }
    public var plan: String { file("plan.yaml") }
    public var readme: String { file("README.md") }
    public var serverLog: String { file("server.log") }
    /// Side b's embedded server's output in an A/B run (side a's is `server.log`).
    public var serverLogB: String { file("server-b.log") }
    public var dashboard: String { file("index.html") }
    public var comparePage: String { file("compare.html") }
    public var cluster: String { file("cluster.json") }
    /// A capacity search's levels and answer (`ttsload capacity`).
    public var capacity: String { file("capacity.json") }
    /// The plan a capacity search ran, as resolved (not `plan.yaml`: its steps are not the levels).
    public var capacityPlan: String { file("capacity-plan.yaml") }
    public var agents: String { file("agents") }

    /// Where agent `name`'s spool is kept after collection.
    public func agentSpool(_ name: String) -> String { (agents as NSString).appendingPathComponent(name + ".jtl") }

    /// Whether `path` looks like a run folder (a directory holding results.jtl).
    public static func isRunFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: RunFolder(path).jtl)
    }

    /// The top-level fields of the folder's summary.json; nil when it has none or it is not JSON.
    public func summaryFields() -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: summary) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// summary.json's `plan_directory`: the original plan's folder, which data paths in plan.yaml
    /// are relative to.
    public var planDirectory: String? { summaryFields()?["plan_directory"] as? String }

    /// Loads the run's plan (`plan`, default this folder's plan.yaml) for its schedule, name and
    /// target. Its data paths are relative to the ORIGINAL plan's folder, and the loader checks that
    /// they exist; so it is tried against summary.json's `plan_directory`, the plan's own folder,
    /// the current folder and `plans/` (where `ttsload run plans/x.yaml` runs from); the first that
    /// validates wins, else the first error.
    public func loadPlan(_ plan: String? = nil) -> Result<LoadedPlan, PlanErrors> {
        let path = plan ?? self.plan
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(PlanErrors([PlanDiagnostic(at: .file(path: path, line: 0, column: 0), path: .root, "cannot read it")]))
        }
        let own = parentDirectory(of: path)
        var firstError: PlanErrors?
        for base in [planDirectory, own.isEmpty ? "." : own, ".", "plans"].compactMap({ $0 }) {
            do {
                return .success(try PlanLoader.parse(data: data, file: path, defaultName: "plan", baseDirectory: base, environment: nil))
            } catch {
                firstError = firstError ?? error
            }
        }
        return .failure(firstError!)
    }

    private func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// Makes a new run folder and never reuses one that holds results.
    ///
    /// With `out`, that folder is used unless it holds a `results.jtl`: then it is refused, naming
    /// it, so a second run cannot truncate an earlier run's results. Without it, the folder is
    /// `base/<plan name>-<UTC timestamp>`, suffixed `-2`, `-3`, ... when a run of the same plan
    /// started in the same second: the last path component is made with mkdir(2), which fails
    /// if it exists, so two processes racing for one name each get their own.
    public static func create(planName: String, out: String?, base: String = "reports", now: Date = Date()) throws -> RunFolder {
        let fm = FileManager.default
        if let out {
            if let contents = try? fm.contentsOfDirectory(atPath: out) {
                guard !contents.contains("results.jtl") else {
                    throw Refusal(description: "--out \(out) already holds the results of an earlier run (results.jtl): give a new folder, or remove it first")
                }
                return RunFolder(out)
            }
            try makeParent(of: out)
            if mkdir(out, 0o755) != 0 && errno != EEXIST {
                throw Refusal(description: "cannot create the run folder \(out): \(String(cString: strerror(errno)))")
            }
            return RunFolder(out)
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let safe = String(planName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        let stem = (base as NSString).appendingPathComponent("\(safe)-\(formatter.string(from: now))")
        try makeParent(of: stem)
        for n in 1...1_000 {
            let candidate = n == 1 ? stem : "\(stem)-\(n)"
            if mkdir(candidate, 0o755) == 0 { return RunFolder(candidate) }
            guard errno == EEXIST else {
                throw Refusal(description: "cannot create the run folder \(candidate): \(String(cString: strerror(errno)))")
            }
        }
        throw Refusal(description: "cannot create a run folder: \(stem) and 999 suffixed ones exist")
    }

    private static func makeParent(of path: String) throws {
        let parent = parentDirectory(of: path)
        guard !parent.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw Refusal(description: "cannot create the folder \(parent): \(error.localizedDescription)")
        }
    }
}
