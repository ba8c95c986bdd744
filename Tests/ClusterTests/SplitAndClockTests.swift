import Foundation
import Plan
import Testing
@testable import Cluster
@testable import Engine

/// The load split across agents and the clock-offset estimate: pure functions, tested exactly.
struct SplitAndClockTests {
    @Test func tenUsersOnThreeAgentsAreFourThreeThreeWhateverTheThreadCount() {
        for threads in 1...4 {
            let shares = (0..<3).map { EngineSlot(index: $0, count: 3).users(of: 10, threadsPerAgent: threads) }
            #expect(shares == [4, 3, 3], "threads \(threads)")
        }
    }

    @Test func everySplitIsExactAndTheLargestRemainderOne() {
        for agents in 1...6 {
            for threads in 1...4 {
                for users in 0...60 {
                    let shares = (0..<agents).map { EngineSlot(index: $0, count: agents).users(of: users, threadsPerAgent: threads) }
                    #expect(shares.reduce(0, +) == users)
                    #expect(shares == LoadSplit.largestRemainder(users, weights: Array(repeating: 1, count: agents))
                            || users == 0 && shares.allSatisfy { $0 == 0 },
                            "\(users) users, \(agents) agents, \(threads) threads: \(shares)")
                }
            }
        }
    }

    @Test func clockOffsetUsesTheShortestRoundTrip() throws {
        // Agent clock 2.5 s ahead; the second exchange was delayed on the way back (asymmetric),
        // which would skew its estimate by 20 ms; the fastest one is used.
        let exchanges = [
            ClockOffset.Exchange(sent: 1_000_000, remote: 3_500_400, received: 1_000_800),
            ClockOffset.Exchange(sent: 2_000_000, remote: 4_500_300, received: 2_040_600),
            ClockOffset.Exchange(sent: 3_000_000, remote: 5_500_150, received: 3_000_300),
        ]
        let estimate = try #require(ClockOffset.estimate(exchanges))
        #expect(estimate.roundTrip == 300)
        #expect(estimate.offset == 2_500_000)
        #expect(ClockOffset.estimate([]) == nil)
    }

    @Test func agentListsParseWithNamesOrPositions() throws {
        let parsed = try AgentClient.Address.parseList("a=10.0.0.1:7070, 10.0.0.2:7071,http://[::1]:7072")
        #expect(parsed.map(\.name) == ["a", "agent2", "agent3"])
        // Without a scheme an agent is reached over HTTPS, as agents serve by default.
        #expect(parsed.map(\.url) == ["https://10.0.0.1:7070", "https://10.0.0.2:7071", "http://[::1]:7072"])
        #expect(parsed.map(\.isPlainHTTP) == [false, false, true])
        #expect(throws: AgentClient.Failure.self) { try AgentClient.Address.parseList("10.0.0.1") }
        #expect(throws: AgentClient.Failure.self) { try AgentClient.Address.parseList("x=1.2.3.4:1,x=1.2.3.5:1") }
        #expect(throws: AgentClient.Failure.self) { try AgentClient.Address.parseList("bad name=1.2.3.4:1") }
    }
}
