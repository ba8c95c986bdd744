import Foundation
import Plan
import Results

/// Feeds one run into the SQLite store: begun before the load, samples as they are drained,
/// steps and the final status at the end. The run itself never waits on the store for long and
/// never fails because of it: its JTL is complete either way.
///
/// A failed write (the store busy beyond its timeout, a full disk, I/O errors) is reported once and
/// tried again with growing pauses while the unstored samples are kept, so a passing problem loses
/// nothing. After `maxTries` failures in a row the feed gives up, and says how many samples the store
/// lacks and that the run folder's results.jtl has them.
final class StoreFeed {
    private var store: ResultStore?
    private(set) var runID: Int64?
    /// Why the feed gave up (nil while it is writing or retrying).
    private(set) var failure: String?
    private let path: String
    /// Samples drained but not yet stored, oldest first; kept across failed tries.
    private var unstored: [Sample] = []
    /// Samples never stored (after giving up).
    private(set) var lost = 0
    /// Failed tries in a row, and when the next one is due.
    private var failedTries = 0
    private var nextTry = Date.distantPast

    /// Tries of one write before giving up; the pauses between them are 0.5, 1, 2 and 4 s, on top
    /// of each try's own wait for a busy store (`ResultStore.busyTimeout`).
    static let maxTries = 5
    private let firstPause: TimeInterval

    /// `folder` is the run folder: stored as the run's source (absolute), which is how
    /// `ttsload report RUNFOLDER` finds the run's monitor series later.
    /// `busyTimeout` and `firstPause` are for tests, which cannot wait the real ones out.
    init(path: String, plan: Plan, yaml: String, target: String, folder: String,
         busyTimeout: TimeInterval = ResultStore.busyTimeout, firstPause: TimeInterval = 0.5) {
        self.path = path
        self.firstPause = firstPause
        let info = ResultStore.RunInfo(
            planName: plan.name, planYAML: yaml, target: target,
            startedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), toolVersion: TTSLoadVersion.described,
            source: StoreFeed.absolute(folder))
        _ = retrying {
            let store = try self.store ?? ResultStore(path: path, busyTimeout: busyTimeout)
            self.store = store
            runID = try store.beginRun(info)
        }
    }

    /// Stores a drained batch (and any earlier samples a failed try left). Called on the draining
    /// thread, so a failed try does not wait here: the samples are kept for the next call past the pause.
    func add(_ samples: [Sample]) {
        guard failure == nil else {
            lost += samples.count
            return
        }
        if unstored.isEmpty, Date() >= nextTry, runID != nil {
            // The usual case: nothing pending, so the batch goes in as it is, without a copy.
            if let stored = storeSome(samples) {
                if failure != nil { lost += samples.count - stored } else { unstored += samples[stored...] }
            }
            return
        }
        unstored += samples
        if Date() >= nextTry { flushUnstored() }
    }

    /// Writes the pending samples, then the steps and the final status, retrying each step (waiting
    /// out the pauses: the load is over). Reports samples that never reached the store.
    func finish(profile: LoadProfile, startWall: Int64, interrupted: Bool) {
        finish(profile: profile, startWall: startWall, status: interrupted ? .interrupted : .complete)
    }

    func finish(profile: LoadProfile, startWall: Int64, status: ResultStore.Status, verdict: String? = nil) {
        while failure == nil, !unstored.isEmpty {
            Thread.sleep(until: nextTry)
            flushUnstored()
        }
        if failure == nil, let runID {
            _ = retrying { try store?.addSteps(profile, run: runID, t0: startWall) }
                && retrying {
                    try store?.finishRun(runID, status: status, endedMicros: Int64(Date().timeIntervalSince1970 * 1_000_000),
                                         verdict: verdict)
                }
        }
        if let failure {
            printError(lost > 0
                ? "store \(path): \(lost) samples of this run were not stored (\(failure)); the run folder's results.jtl has every one of them"
                : "store \(path): the end of this run was not recorded (\(failure)); the run folder has every sample")
        }
    }

    /// Stores the run's monitor series (once, at the end: a point a second per series is small).
    /// A failure is reported: the series are still in the run's dashboard and summary figures.
    func addMonitors(_ series: [MonitorSeries]) {
        guard failure == nil, let runID, !series.isEmpty else { return }
        if !retrying({ try store?.addMonitorSeries(run: runID, series) }) {
            printError("store \(path): the monitor series of this run were not stored (\(failure ?? "error")); the run folder's index.html has them")
        }
    }

    /// `path` made absolute and standardized: the form runs.source holds for run folders.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    /// Stores `samples` one transaction of `ResultStore.batchSize` at a time; returns how many went
    /// in before a failure (nil when all did), so a retry never stores a sample twice.
    private func storeSome(_ samples: [Sample]) -> Int? {
        guard let store, let runID else { return 0 }
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + ResultStore.batchSize)
            do {
                // addSamples makes one transaction per batchSize samples, so a chunk is all or nothing;
                // a batch that fits in one (the usual drain) goes in without a copy.
                try store.addSamples(start == 0 && end == samples.count ? samples : Array(samples[start..<end]), run: runID)
            } catch {
                noteFailure(error)
                return start
            }
            start = end
        }
        recovered()
        return nil
    }

    private func flushUnstored() {
        guard !unstored.isEmpty else { return }
        unstored.removeFirst(storeSome(unstored) ?? unstored.count)
        if failure != nil {
            lost += unstored.count
            unstored = []
        }
    }

    /// Runs `body` until it succeeds or the feed gives up, waiting out the pauses; returns whether it succeeded.
    private func retrying(_ body: () throws -> Void) -> Bool {
        while failure == nil {
            Thread.sleep(until: nextTry)
            do {
                try body()
                recovered()
                return true
            } catch {
                noteFailure(error)
            }
        }
        return false
    }

    private func noteFailure(_ error: Error) {
        failedTries += 1
        if failedTries == 1 {
            printError("store \(path): write failed (\(error)); trying again, the samples are kept")
        }
        if failedTries >= Self.maxTries {
            failure = "\(error), \(failedTries) tries"
            store = nil
            printError("store \(path): giving up after \(failedTries) tries (\(error)); the rest of this run is not stored")
        } else {
            nextTry = Date().addingTimeInterval(firstPause * Double(1 << (failedTries - 1)))
        }
    }

    private func recovered() {
        if failedTries > 0 { printError("store \(path): written after \(failedTries) failed tries, nothing lost") }
        failedTries = 0
        nextTry = .distantPast
    }
}
