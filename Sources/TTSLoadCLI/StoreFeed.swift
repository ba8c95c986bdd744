import Foundation
import Plan
import Results

/// Feeds one run into the SQLite store: begun before the load, samples as they are drained,
/// steps and the final status at the end. The first failure is printed once and the feed stops;
/// the run itself goes on (its JTL is complete either way).
final class StoreFeed {
    private var store: ResultStore?
    private(set) var runID: Int64?
    private(set) var failure: String?
    private let path: String

    /// `folder` is the run folder: stored as the run's source (absolute), which is how
    /// `ttsload report RUNFOLDER` finds the run's monitor series later.
    init(path: String, plan: Plan, yaml: String, target: String, folder: String) {
        self.path = path
        do {
            let store = try ResultStore(path: path)
            runID = try store.beginRun(ResultStore.RunInfo(
                planName: plan.name, planYAML: yaml, target: target,
                startedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), toolVersion: TTSLoadVersion.described,
                source: StoreFeed.absolute(folder)))
            self.store = store
        } catch {
            fail(error)
        }
    }

    func add(_ samples: [Sample]) {
        guard let store, let runID else { return }
        do { try store.addSamples(samples, run: runID) } catch { fail(error) }
    }

    func finish(profile: LoadProfile, startWall: Int64, interrupted: Bool) {
        finish(profile: profile, startWall: startWall, status: interrupted ? .interrupted : .complete)
    }

    func finish(profile: LoadProfile, startWall: Int64, status: ResultStore.Status) {
        guard let store, let runID else { return }
        do {
            try store.addSteps(profile, run: runID, t0: startWall)
            try store.finishRun(runID, status: status,
                                endedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        } catch {
            fail(error)
        }
    }

    /// The run's monitor series (none until a monitoring issue records them).
    func monitors() -> [MonitorSeries] {
        guard let store, let runID else { return [] }
        return (try? store.monitorSeries(run: runID)) ?? []
    }

    /// `path` made absolute and standardized: the form runs.source holds for run folders.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    private func fail(_ error: Error) {
        if failure == nil {
            failure = "\(error)"
            printError("store \(path): not recorded (\(error)); the run folder has every sample")
        }
        store = nil
    }
}
