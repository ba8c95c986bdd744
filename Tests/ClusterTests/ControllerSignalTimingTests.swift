import Foundation
import Testing
import TestSupport

/// SIGTERM to the controller of a distributed run (what a CI runner or systemd sends): the agents
/// stop gracefully, their spools are collected, and the run ends `interrupted` with a row for every
/// request the server answered. Uses the lab of `DistributedTimingTests`; named *TimingTests so
/// `make test` runs it alone.
@Suite(.serialized) struct ControllerSignalTimingTests {
    @Test func sigtermToTheControllerKeepsEverySampleTheServerAnswered() throws {
        let cluster = try DistributedTimingTests.Cluster(fakeShift: 0)
        let out = cluster.work + "/run"
        let controller = try cluster.controller(out: out)
        let startAt = try DistributedTimingTests.startInstant(controller)
        // In the middle of the first step's hold.
        let wait = startAt + DistributedTimingTests.rampSeconds + DistributedTimingTests.holdSeconds / 2 - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }  // a point of the schedule, not a result
        controller.signal(SIGTERM)
        let lines = try controller.allOutput(timeout: 90)
        #expect(controller.waitForExit(timeout: 10))
        #expect(controller.exitStatus == 130, "\(lines.suffix(20).joined(separator: "\n"))\n\(controller.errors)")
        let summary = try DistributedTimingTests.summary(out)
        #expect(summary["status"] as? String == "interrupted")
        // Every request the server answered, less the three agents' probes, is a row of the merged JTL.
        let rows = try DistributedTimingTests.rows(out + "/results.jtl")
        #expect(rows.count == (try cluster.servedRequests()) - 3)
        #expect(Set(rows.map(\.agent)) == ["agent1", "agent2", "agent3"])
        // And the load stopped early: nothing ran into the second step's hold.
        let last = try #require(rows.map { $0.start + $0.elapsed }.max())
        #expect(Double(last) / 1_000 < startAt + 2 * DistributedTimingTests.rampSeconds + 1.5 * DistributedTimingTests.holdSeconds)
    }
}
