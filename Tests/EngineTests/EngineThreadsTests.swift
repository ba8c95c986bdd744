import Testing
@testable import Engine

/// The default engine thread count: half the cores for a target on this host, all for another.
struct EngineThreadsTests {
    @Test func loopbackTargetsAreLocal() {
        for url in ["http://127.0.0.1:8080", "http://127.3.4.5/x", "https://localhost:443/v1", "http://api.localhost",
                    "http://[::1]:9000/tts", "HTTP://LOCALHOST"] {
            #expect(EngineThreads.isLocal(url), "\(url)")
        }
        for url in ["http://10.0.0.7:8080", "https://tts.example.com", "http://[2001:db8::1]/", "http://198.18.0.10:80",
                    "http://127.example.com", "not a url"] {
            #expect(!EngineThreads.isLocal(url), "\(url)")
        }
    }

    @Test func halfTheCoresForALocalTarget() {
        #expect(EngineThreads.defaultCount(baseURL: "http://127.0.0.1:1", cores: 2) == 1)
        #expect(EngineThreads.defaultCount(baseURL: "http://127.0.0.1:1", cores: 1) == 1)
        #expect(EngineThreads.defaultCount(baseURL: "http://localhost:1", cores: 8) == 4)
        #expect(EngineThreads.defaultCount(baseURL: "http://10.1.1.1:1", cores: 2) == 2)
        #expect(EngineThreads.defaultCount(baseURL: "http://10.1.1.1:1", cores: 0) == 1)
    }
}
