import Foundation
import Plan
import Testing
import TestSupport
@testable import Results
@testable import TTSLoadCLI

/// A run's store feed while another process holds the store's write lock (Python's sqlite3 module,
/// a real second writer): the feed's writes fail with "database is locked" for as long as the test
/// keeps the lock, so retry and give-up are driven by the test, not by timing.
@Suite(.serialized) struct StoreFeedRetryTests {
    /// Holds an exclusive write transaction on `store` until `release()`.
    final class LockHolder {
        let process = Process()
        let input = Pipe()

        init(store: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute('BEGIN EXCLUSIVE')
                print('locked', flush=True)
                sys.stdin.read()
                c.execute('COMMIT')
                """, store]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = input
            try process.run()
            let line = String(decoding: output.fileHandleForReading.readData(ofLength: 7), as: UTF8.self)
            guard line == "locked\n" else { throw NotLocked(line: line) }
        }

        func release() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        deinit { if process.isRunning { release() } }

        struct NotLocked: Error, CustomStringConvertible {
            let line: String
            var description: String { "python did not lock the store: '\(line)'" }
        }
    }

    static func setUp() throws -> (store: String, plan: Plan, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-feed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let yaml = """
        name: feed
        target: { url: "http://127.0.0.1:9", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: / }, load: { users: 1, duration: 1s } }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: folder + "/plan.yaml").plan
        return (folder + "/store.sqlite", plan, folder)
    }

    static func batch(_ count: Int, from first: Int) -> [Sample] {
        (first..<first + count).map { i in
            Sample(start: 1_800_000_000_000_000 + Int64(i) * 1_000, elapsed: 20_000, latency: 5_000, status: 200, success: true,
                   label: "l", groupName: "g", userNumber: 1)
        }
    }

    static func storedSamples(_ store: String) throws -> [String] {
        try ResultStore(path: store).query("SELECT status, (SELECT COUNT(*) FROM samples WHERE run_id = runs.id) AS n FROM runs")
            .map { row in "\((row["status"] ?? nil) ?? "?") \((row["n"] ?? nil) ?? "?")" }
    }

    @Test func samplesDrainedWhileTheStoreIsLockedAreKeptAndStoredLater() throws {
        let (store, plan, folder) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let feed = StoreFeed(path: store, plan: plan, yaml: "", target: "t", folder: folder, busyTimeout: 0.1, firstPause: 0.05)
        #expect(feed.runID != nil && feed.failure == nil)
        feed.add(Self.batch(300, from: 0))  // stored at once

        let lock = try LockHolder(store: store)
        feed.add(Self.batch(200, from: 300))  // fails: kept
        feed.add(Self.batch(100, from: 500))  // during the pause: kept, not tried
        lock.release()
        feed.add(Self.batch(50, from: 600))  // the kept ones first, in order, then this batch
        feed.finish(profile: LoadProfile(plan: plan), startWall: 1_800_000_000_000_000, status: .complete)

        #expect(feed.failure == nil && feed.lost == 0)
        let stored = try Self.storedSamples(store)
        #expect(stored == ["complete 650"])
        let starts = try ResultStore(path: store).samples(run: feed.runID ?? -1).map(\.start)
        #expect(Set(starts) == Set(Self.batch(650, from: 0).map(\.start)), "every sample once")
    }

    @Test func aStoreLockedForGoodIsGivenUpOnAndTheLossCounted() throws {
        let (store, plan, folder) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let feed = StoreFeed(path: store, plan: plan, yaml: "", target: "t", folder: folder, busyTimeout: 0.1, firstPause: 0.05)
        feed.add(Self.batch(300, from: 0))
        let lock = try LockHolder(store: store)
        feed.add(Self.batch(200, from: 300))
        // finish waits out the pauses and tries again until it gives up (5 tries in all).
        feed.finish(profile: LoadProfile(plan: plan), startWall: 1_800_000_000_000_000, status: .complete)
        #expect(feed.failure?.contains("database is locked") == true, "\(feed.failure ?? "nil")")
        #expect(feed.lost == 200)
        feed.add(Self.batch(10, from: 500))
        #expect(feed.lost == 210)
        lock.release()
        // The store kept what it had; the run is left `running` for the next opener to mark.
        let stored = try Self.storedSamples(store)
        #expect(stored == ["running 300"])
    }
}
