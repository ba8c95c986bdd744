import Testing
@testable import Plan

@Suite struct DurationTests {
    @Test(arguments: [
        ("250ms", 250_000), ("30s", 30_000_000), ("3m", 180_000_000), ("1h", 3_600_000_000),
        ("1m30s", 90_000_000), ("1.5s", 1_500_000), ("0", 0), ("0s", 0), ("500us", 500), ("2d", 172_800_000_000),
    ] as [(String, Int64)])
    func parses(text: String, micros: Int64) {
        #expect(PlanDuration(parsing: text)?.microseconds == micros)
    }

    @Test(arguments: ["30", "", "s", "1.2.3s", "3x", "-1s", "1m 30s", "31d", "ms", "1e3s", "99999999999999999999h"])
    func refuses(text: String) {
        #expect(PlanDuration(parsing: text) == nil)
    }

    @Test func printsShortestExactForm() {
        #expect(PlanDuration(parsing: "90s")?.description == "1m30s")
        #expect(PlanDuration(parsing: "250ms")?.description == "250ms")
        #expect(PlanDuration(parsing: "1500ms")?.description == "1500ms")
        #expect(PlanDuration(parsing: "2h")?.description == "2h")
        #expect(PlanDuration.zero.description == "0s")
        for text in ["1h1m1s", "45s", "3m", "1m30s", "250ms"] {
            let d = PlanDuration(parsing: text)!
            #expect(PlanDuration(parsing: d.description) == d, "round trip of \(text)")
        }
    }
}
