import CCurl
import Foundation
import Testing
import TestSupport
@testable import Engine

/// `CurlEasy` hands libcurl the URL parsed once (a CURLU) and parses again only when it changes.
@Suite(.serialized) struct CurlEasyTests {
    func get(_ easy: CurlEasy, _ url: String) -> CURLcode {
        easy.prepare(method: "GET", url: url, headers: [], body: nil, connectTimeoutMs: 2_000, timeoutMs: 3_000,
                     http2: false, insecure: false, keepBody: true)
        return easy.performBlocking()
    }

    @Test func aChangedURLReachesTheTarget() throws {
        let target = try TargetProcess()
        let easy = try #require(CurlEasy())
        #expect(get(easy, target.baseURL + "/delay/0") == CURLE_OK)
        #expect(easy.status == 200 && easy.capture.body.count == 2_000)
        #expect(get(easy, target.baseURL + "/status/503") == CURLE_OK)
        #expect(easy.status == 503)
        #expect(get(easy, target.baseURL + "/html?x=1") == CURLE_OK)
        #expect(easy.status == 200 && easy.contentType == "text/html")
        #expect(get(easy, target.baseURL + "/html?x=1") == CURLE_OK)  // same URL again: not set again
        #expect(easy.status == 200 && easy.newConnections == 0)
    }

    @Test func aURLTheParserRefusesFailsTheTransferNotTheEngine() throws {
        let target = try TargetProcess()
        let easy = try #require(CurlEasy())
        let code = get(easy, "http://exa mple.invalid:99999/x")
        #expect(code != CURLE_OK)
        #expect(!easy.errorText(code).isEmpty)
        // The handle is still good for the next, valid URL.
        #expect(get(easy, target.baseURL + "/delay/0") == CURLE_OK)
        #expect(easy.status == 200)
    }
}
