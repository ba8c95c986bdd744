import Testing
@testable import Export

@Suite struct AddressTests {
    @Test func parsesHostPortForms() throws {
        let v4 = try #require(MetricsEndpoint.Address(parsing: "127.0.0.1:9464"))
        #expect(v4.host == "127.0.0.1" && v4.port == 9464)
        let v6 = try #require(MetricsEndpoint.Address(parsing: "[::1]:0"))
        #expect(v6.host == "::1" && v6.port == 0)
        let any = try #require(MetricsEndpoint.Address(parsing: ":9464"))
        #expect(any.port == 9464)
        #expect(MetricsEndpoint.Address(parsing: "localhost") == nil)
        #expect(MetricsEndpoint.Address(parsing: "127.0.0.1:70000") == nil)
        #expect(MetricsEndpoint.Address(parsing: "::1:80") == nil)
    }
}
