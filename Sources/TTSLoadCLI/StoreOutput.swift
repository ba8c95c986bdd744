import Foundation
import Plan
import Results
import RunPipeline

/// The SQLite store as a run output: the run is begun in the store before the load (status
/// `running`), its samples added as they are drained, its steps and status written at the end. A
/// store problem is reported by `StoreFeed` and never stops the run: the JTL has every sample.
final class StoreOutput: RunOutput {
    private let feed: StoreFeed
    private let path: String

    init(path: String, plan: Plan, yaml: String, target: String, folder: RunFolder) {
        self.path = path
        feed = StoreFeed(path: path, plan: plan, yaml: yaml, target: target, folder: folder.path)
    }

    func add(_ batch: [Sample]) throws { feed.add(batch) }

    func finish(_ end: inout RunEnd) throws {
        let status: ResultStore.Status
        switch end.status {
        case .complete: status = .complete
        case .interrupted: status = .interrupted
        case .degraded: status = .degraded
        case .failed: status = .failed
        case .aborted: status = .aborted
        case .stopped: status = .stopped
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        let verdict = end.verdict.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        feed.finish(profile: end.statistics.profile, startWall: end.statistics.startWall, status: status, verdict: verdict)
        // After the run's own row is complete: a store that refuses the series loses nothing else.
        feed.addMonitors(end.monitors)
        if let id = feed.runID, feed.failure == nil { end.files.append(("store", "\(path) (run \(id))")) }
    }
}
