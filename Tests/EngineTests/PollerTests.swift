import CCurl
import Foundation
import Testing
import TestSupport
@testable import Engine

/// The engine's poller keeps idle keep-alive sockets registered ("parked") between requests, so a
/// reused connection costs no epoll_ctl, and answers libcurl's zero-timeout read checks on them; a
/// parked socket the server closes must neither spin the loop nor be reused (libcurl's check must
/// see the close), and a new socket that gets the same number must be watched again.
@Suite(.serialized) struct PollerTests {
    /// Runs one request on `easy` through `set` and returns libcurl's result.
    func perform(_ easy: CurlEasy, url: String, on set: CurlMultiSet) throws -> CURLcode {
        easy.prepare(method: "GET", url: url, headers: [], body: nil, connectTimeoutMs: 2_000, timeoutMs: 3_000,
                     http2: false, insecure: false, keepBody: false)
        let multi = set.multi(forUser: 0)
        multi.add(easy)
        defer { multi.remove(easy) }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            set.wait(milliseconds: 10)
            if let (_, code) = set.completed().first { return code }
        }
        Issue.record("request did not complete")
        return CURLE_OPERATION_TIMEDOUT
    }

    @Test func reusedConnectionCostsNoEpollCtl() throws {
        let target = try TargetProcess()
        let set = CurlMultiSet()
        let easy = try #require(CurlEasy())
        let url = target.baseURL + "/delay/0"
        #expect(try perform(easy, url: url, on: set) == CURLE_OK)
        #expect(try perform(easy, url: url, on: set) == CURLE_OK)
        let before = ccurl_poller_ctl_calls()
        let pollsBefore = ccurl_poller_polls_answered()
        for _ in 0..<20 {
            #expect(try perform(easy, url: url, on: set) == CURLE_OK)
            #expect(easy.newConnections == 0)
        }
        // Before the poller: an EPOLL_CTL_DEL and an EPOLL_CTL_ADD per request.
        #expect(ccurl_poller_ctl_calls() - before == 0)
        // libcurl's liveness check before each reuse (and its read check after sending) answered
        // without a system call. Both counters count this thread's calls only.
        #expect(ccurl_poller_polls_answered() - pollsBefore >= 20)
    }

    @Test func parkedSocketClosedByTheServerIsDroppedAndNotReused() throws {
        let target = try TargetProcess()
        let set = CurlMultiSet()
        let easy = try #require(CurlEasy())
        let url = target.baseURL + "/idle-close/50"
        for round in 0..<3 {
            #expect(try perform(easy, url: url, on: set) == CURLE_OK)
            if round > 0 { #expect(easy.newConnections == 1) }  // the closed one was not reused
            Thread.sleep(forTimeInterval: 0.2)  // the server closes the idle connection
            // The parked socket turns readable (EOF) once; after that the loop must sleep, not spin.
            set.wait(milliseconds: 10)
            let start = monotonicMicros()
            for _ in 0..<3 { set.wait(milliseconds: 50) }
            #expect(monotonicMicros() - start >= 140_000)
        }
        // Status and body of a request on a new socket (often with the number of the closed one).
        #expect(easy.status == 200 && easy.capture.bodyBytes == 2_000)
    }
}
