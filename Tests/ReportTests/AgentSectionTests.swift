import Foundation
import Plan
import Results
import Testing
@testable import Report

/// A distributed run's page lists its agents, read back from the summary.json the run wrote.
struct AgentSectionTests {
    @Test func theDashboardOfADistributedRunHasItsAgentsTable() throws {
        let folder = NSTemporaryDirectory() + "ttsload-agents-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try JTLWriter(path: folder + "/results.jtl")
        for i in 0..<20 {
            try writer.append(Sample(start: 1_800_000_000_000_000 + Int64(i) * 100_000, elapsed: 50_000, latency: 10_000, status: 200,
                                 success: true, label: "tts", groupName: "tts", userNumber: i % 2 + 1, agent: i % 2 == 0 ? "east" : "west"))
        }
        try writer.close()
        let agents = [
            DistributedSummary.Agent(name: "east", url: "http://10.0.0.5:7070", share: "tts: 1 users", clockOffsetMs: 2_500.2,
                                     roundTripMs: 0.4, samplesStreamed: 10, rowsCollected: 10, status: "ok", lostAt: nil, problem: nil),
            DistributedSummary.Agent(name: "west<1>", url: "http://10.0.0.6:7070", share: "tts: 1 users", clockOffsetMs: -0.1,
                                     roundTripMs: 0.3, samplesStreamed: 10, rowsCollected: nil, status: "lost",
                                     lostAt: "2026-11-25T23:00:01.000Z", problem: "no answer for 5.0 s"),
        ]
        // Written the way RunSummary.write does (snake_case keys), then read back by the report.
        struct Wrapper: Encodable { var distributed: DistributedSummary }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(Wrapper(distributed: DistributedSummary(runID: "r-1", threadsPerAgent: 2, startAt: "2026-11-25T23:00:00.000Z",
                                                                   agents: agents, streamed: [:])))
            .write(to: URL(fileURLWithPath: folder + "/summary.json"))
        let plan = try PlanLoader.parse(data: Data("""
            target: { url: "http://10.0.0.9:80" }
            thread_groups: [{ name: tts, request: { text: hi }, load: { users: 2, duration: 2s } }]
            """.utf8), file: "p.yaml").plan
        let page = try String(contentsOfFile: try Dashboard.writeRunFolder(folder, plan: plan, target: nil, status: "degraded"), encoding: .utf8)
        #expect(page.contains("<h2 id=\"agents\">Agents</h2>"))
        #expect(page.contains("2 agents, 2 engine thread(s) each"))
        #expect(page.contains("+2500.2 (±0.2)"))
        #expect(page.contains("west&lt;1&gt;"))
        #expect(page.contains("lost, last answer 2026-11-25T23:00:01.000Z"))
    }

    @Test func aRunOnOneHostHasNoAgentsSection() throws {
        let folder = NSTemporaryDirectory() + "ttsload-agents-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try JTLWriter(path: folder + "/results.jtl")
        try writer.append(Sample(start: 1_800_000_000_000_000, elapsed: 50_000, latency: 10_000, status: 200, success: true, label: "tts", groupName: "tts"))
        try writer.close()
        let plan = try PlanLoader.parse(data: Data("""
            target: { url: "http://10.0.0.9:80" }
            thread_groups: [{ name: tts, request: { text: hi }, load: { users: 1, duration: 1s } }]
            """.utf8), file: "p.yaml").plan
        let page = try String(contentsOfFile: try Dashboard.writeRunFolder(folder, plan: plan, target: nil, status: nil), encoding: .utf8)
        #expect(!page.contains("id=\"agents\""))
    }
}
