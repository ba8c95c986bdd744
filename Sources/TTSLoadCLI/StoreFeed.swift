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

    init(path: String, plan: Plan, yaml: String, target: String) {
        self.path = path
        do {
            let store = try ResultStore(path: path)
            runID = try store.beginRun(ResultStore.RunInfo(
                planName: plan.name, planYAML: yaml, target: target,
                startedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), toolVersion: TTSLoadVersion.described))
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
        guard let store, let runID else { return }
        do {
            try store.addSteps(profile, run: runID, t0: startWall)
            try store.finishRun(runID, status: interrupted ? .interrupted : .complete,
                                endedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        } catch {
            fail(error)
        }
    }

    private func fail(_ error: Error) {
        if failure == nil {
            failure = "\(error)"
            printError("store \(path): not recorded (\(error)); the run folder has every sample")
        }
        store = nil
    }
}
