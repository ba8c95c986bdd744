import Monitors
import XCTest

final class ScrapeDeriverTests: XCTestCase {
    private func scrape(_ deriver: inout ScrapeDeriver, _ text: String, atSeconds seconds: Double) throws -> [String: Double] {
        let points = deriver.add(try PrometheusText.parse(text), atMicros: Int64(seconds * 1_000_000))
        XCTAssertEqual(Set(points.map(\.series)).count, points.count, "one point per series and scrape")
        return Dictionary(uniqueKeysWithValues: points.map { ($0.series, $0.value) })
    }

    func testGaugesAndUntypedPassThroughWithEscapedLabels() throws {
        var d = ScrapeDeriver(prefix: "host1")
        let text = """
        # TYPE temp gauge
        temp{path="a\\"b\\\\c\\nd",zone="1"} 21.5
        temp{path="x",zone="2"} NaN
        up 1
        """
        let points = d.add(try PrometheusText.parse(text), atMicros: 0)
        XCTAssertEqual(points, [
            DerivedPoint(series: #"host1:temp{path="a\"b\\c\nd",zone="1"}"#, value: 21.5),
            DerivedPoint(series: "host1:up", value: 1),
        ])
    }

    func testCounterRateIncludingResetAndBadIntervals() throws {
        var d = ScrapeDeriver(prefix: "t")
        let series = #"t:rate(c_total{a="1"})"#
        func counter(_ v: String) -> String { "# TYPE c_total counter\nc_total{a=\"1\"} \(v)\n" }
        XCTAssertEqual(try scrape(&d, counter("100"), atSeconds: 0), [:], "no rate on the first scrape")
        XCTAssertEqual(try scrape(&d, counter("150"), atSeconds: 2), [series: 25]) // (150-100)/2
        // 150 -> 10 is a reset: the counter restarted from 0, so the increase is 10: 10/2 = 5.
        XCTAssertEqual(try scrape(&d, counter("10"), atSeconds: 4), [series: 5])
        XCTAssertEqual(try scrape(&d, counter("20"), atSeconds: 4), [:], "dt == 0 gives no point")
        XCTAssertEqual(try scrape(&d, counter("30"), atSeconds: 3), [:], "dt < 0 gives no point")
        XCTAssertEqual(try scrape(&d, counter("40"), atSeconds: 3.5), [series: 20]) // (40-30)/0.5
        XCTAssertEqual(try scrape(&d, counter("NaN"), atSeconds: 4.5), [:], "NaN is skipped")
    }

    func testCounterSeriesAbsentFromPreviousScrapeStartsOver() throws {
        var d = ScrapeDeriver(prefix: "t")
        _ = try scrape(&d, "# TYPE c counter\nc 1\n", atSeconds: 0)
        _ = try scrape(&d, "# TYPE g gauge\ng 1\n", atSeconds: 1)
        XCTAssertEqual(try scrape(&d, "# TYPE c counter\nc 5\n", atSeconds: 2), [:])
        XCTAssertEqual(try scrape(&d, "# TYPE c counter\nc 9\n", atSeconds: 3), ["t:rate(c)": 4])
    }

    private func histogram(_ b: [Double], sum: Double, count: Double, labels: String = "") -> String {
        let les = ["0.1", "0.5", "1", "+Inf"]
        var text = "# TYPE lat histogram\n"
        for (le, v) in zip(les, b) {
            text += "lat_bucket{\(labels)\(labels.isEmpty ? "" : ",")le=\"\(le)\"} \(v)\n"
        }
        let l = labels.isEmpty ? "" : "{\(labels)}"
        return text + "lat_sum\(l) \(sum)\nlat_count\(l) \(count)\n"
    }

    func testHistogramQuantilesRateAndMean() throws {
        var d = ScrapeDeriver(prefix: "t")
        XCTAssertEqual(try scrape(&d, histogram([0, 0, 0, 0], sum: 0, count: 0), atSeconds: 0), [:])

        // Deltas 0.1:10, 0.5:60, 1:90, +Inf:100 over 10 s.
        // p50: rank 50 falls in (0.1, 0.5]: 0.1 + (50-10)/(60-10)*(0.5-0.1) = 0.42.
        // p95: rank 95 > 90, in the +Inf bucket: the highest finite bound, 1. p99 likewise.
        // rate = 100/10 = 10/s; mean = 45/100 = 0.45.
        var p = try scrape(&d, histogram([10, 60, 90, 100], sum: 45, count: 100), atSeconds: 10)
        XCTAssertEqual(p.count, 5)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.5"}"#]), 0.42, accuracy: 1e-12)
        XCTAssertEqual(p[#"t:lat{quantile="0.95"}"#], 1)
        XCTAssertEqual(p[#"t:lat{quantile="0.99"}"#], 1)
        XCTAssertEqual(p["t:rate(lat_count)"], 10)
        XCTAssertEqual(try XCTUnwrap(p["t:lat_mean"]), 0.45, accuracy: 1e-12)

        // Five more observations, all in the first bucket: deltas 5, 5, 5, 5 over 10 s.
        // The first bucket starts at 0 (its bound is positive): p50 = 0.1 * 2.5/5 = 0.05,
        // p95 = 0.1 * 4.75/5 = 0.095, p99 = 0.1 * 4.95/5 = 0.099; rate 0.5/s; mean (45.25-45)/5 = 0.05.
        p = try scrape(&d, histogram([15, 65, 95, 105], sum: 45.25, count: 105), atSeconds: 20)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.5"}"#]), 0.05, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.95"}"#]), 0.095, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.99"}"#]), 0.099, accuracy: 1e-12)
        XCTAssertEqual(p["t:rate(lat_count)"], 0.5)
        XCTAssertEqual(try XCTUnwrap(p["t:lat_mean"]), 0.05, accuracy: 1e-12)

        // No new observations: the rate is 0 and there is nothing to take quantiles or a mean of.
        p = try scrape(&d, histogram([15, 65, 95, 105], sum: 45.25, count: 105), atSeconds: 30)
        XCTAssertEqual(p, ["t:rate(lat_count)": 0])

        // count 105 -> 2 is a reset: the new values are the deltas (1, 2, 2, 2).
        // p50: rank 1 in the first bucket: 0.1 * 1/1 = 0.1.
        // p95: rank 1.9 in (0.1, 0.5]: 0.1 + (1.9-1)/(2-1)*0.4 = 0.46; p99: 0.1 + 0.98*0.4 = 0.492.
        // rate 2/10 = 0.2; mean 0.3/2 = 0.15.
        p = try scrape(&d, histogram([1, 2, 2, 2], sum: 0.3, count: 2), atSeconds: 40)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.5"}"#]), 0.1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.95"}"#]), 0.46, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p[#"t:lat{quantile="0.99"}"#]), 0.492, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p["t:rate(lat_count)"]), 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(p["t:lat_mean"]), 0.15, accuracy: 1e-12)
    }

    func testHistogramLabelsKeepOrderAndQuantileComesLast() throws {
        var d = ScrapeDeriver(prefix: "api")
        let labels = #"handler="/x",code="200""#
        _ = try scrape(&d, histogram([0, 0, 0, 0], sum: 0, count: 0, labels: labels), atSeconds: 0)
        let p = try scrape(&d, histogram([10, 60, 90, 100], sum: 45, count: 100, labels: labels), atSeconds: 1)
        XCTAssertEqual(Set(p.keys), [
            #"api:lat{handler="/x",code="200",quantile="0.5"}"#,
            #"api:lat{handler="/x",code="200",quantile="0.95"}"#,
            #"api:lat{handler="/x",code="200",quantile="0.99"}"#,
            #"api:rate(lat_count{handler="/x",code="200"})"#,
            #"api:lat_mean{handler="/x",code="200"}"#,
        ])
    }

    func testHistogramWithNonPositiveFirstBound() throws {
        // histogram_quantile returns the first bound itself when it is <= 0: rank 4 of 8 sits in le="0".
        func text(_ a: Int, _ b: Int) -> String {
            "# TYPE h histogram\nh_bucket{le=\"0\"} \(a)\nh_bucket{le=\"1\"} \(b)\nh_bucket{le=\"+Inf\"} \(b)\nh_count \(b)\n"
        }
        var d = ScrapeDeriver(prefix: "t")
        _ = try scrape(&d, text(0, 0), atSeconds: 0)
        let p = try scrape(&d, text(4, 8), atSeconds: 1)
        XCTAssertEqual(p[#"t:h{quantile="0.5"}"#], 0)
        // p95: rank 7.6 in (0, 1]: 0 + (7.6-4)/(8-4) * 1 = 0.9.
        XCTAssertEqual(try XCTUnwrap(p[#"t:h{quantile="0.95"}"#]), 0.9, accuracy: 1e-12)
        XCTAssertNil(p["t:h_mean"], "no _sum, no mean")
        XCTAssertEqual(p["t:rate(h_count)"], 8)
    }

    func testSummaryQuantilesAreGaugesAndCountBecomesRate() throws {
        func text(_ q5: Double, _ q9: Double, sum: Double, count: Double) -> String {
            """
            # TYPE rpc summary
            rpc{service="a",quantile="0.5"} \(q5)
            rpc{service="a",quantile="0.9"} \(q9)
            rpc_sum{service="a"} \(sum)
            rpc_count{service="a"} \(count)
            """
        }
        var d = ScrapeDeriver(prefix: "t")
        XCTAssertEqual(try scrape(&d, text(0.2, 0.7, sum: 10, count: 100), atSeconds: 0), [
            #"t:rpc{service="a",quantile="0.5"}"#: 0.2, #"t:rpc{service="a",quantile="0.9"}"#: 0.7,
        ])
        // 30 requests in 5 s: 6/s; their mean is (16-10)/30 = 0.2.
        let p = try scrape(&d, text(0.3, 0.8, sum: 16, count: 130), atSeconds: 5)
        XCTAssertEqual(p.count, 4)
        XCTAssertEqual(p[#"t:rpc{service="a",quantile="0.5"}"#], 0.3)
        XCTAssertEqual(p[#"t:rpc{service="a",quantile="0.9"}"#], 0.8)
        XCTAssertEqual(p[#"t:rate(rpc_count{service="a"})"#], 6)
        XCTAssertEqual(try XCTUnwrap(p[#"t:rpc_mean{service="a"}"#]), 0.2, accuracy: 1e-12)
        // A reset (count 130 -> 4) takes the new sum and count as the interval's: mean 2/4, rate 4/5.
        let r = try scrape(&d, text(0.3, 0.8, sum: 2, count: 4), atSeconds: 10)
        XCTAssertEqual(r[#"t:rpc_mean{service="a"}"#], 0.5)
        XCTAssertEqual(r[#"t:rate(rpc_count{service="a"})"#], 0.8)
    }

    func testGlobMatchingOnFamilyNames() throws {
        let text = """
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total 1
        node_memory_MemFree_bytes 2
        go_goroutines 3
        process_open_fds 4
        """
        func names(_ match: [String]) throws -> [String] {
            var d = ScrapeDeriver(prefix: "p", match: match)
            return d.add(try PrometheusText.parse(text), atMicros: 0).map(\.series)
        }
        XCTAssertEqual(try names([]), ["p:node_memory_MemFree_bytes", "p:go_goroutines", "p:process_open_fds"])
        XCTAssertEqual(try names(["*"]), ["p:node_memory_MemFree_bytes", "p:go_goroutines", "p:process_open_fds"])
        XCTAssertEqual(try names(["node_*", "go_?oroutines"]), ["p:node_memory_MemFree_bytes", "p:go_goroutines"])
        XCTAssertEqual(try names(["*_*_*_bytes"]), ["p:node_memory_MemFree_bytes"])
        XCTAssertEqual(try names(["node_memory"]), [], "without a wildcard the whole name must match")
        XCTAssertEqual(try names(["go_goroutine?"]), ["p:go_goroutines"])
        XCTAssertEqual(try names(["go_goroutines?"]), [], "? needs exactly one character")
        XCTAssertEqual(try names(["*fds", "*Free*"]), ["p:node_memory_MemFree_bytes", "p:process_open_fds"])

        // The counter family is matched too: it gives a rate on the second scrape.
        var d = ScrapeDeriver(prefix: "p", match: ["node_cpu_*"])
        _ = d.add(try PrometheusText.parse(text), atMicros: 0)
        XCTAssertEqual(d.add(try PrometheusText.parse(text), atMicros: 1_000_000),
                       [DerivedPoint(series: "p:rate(node_cpu_seconds_total)", value: 0)])
    }

    func testMaxSeriesDropsNewSeriesOnly() throws {
        var d = ScrapeDeriver(prefix: "p", match: ["x*"], maxSeries: 2)
        XCTAssertEqual(try scrape(&d, "y 0\n# TYPE xc counter\nxc 1\nx1 1\nx2 2\nx3 3\n", atSeconds: 0),
                       ["p:x1": 1, "p:x2": 2], "unmatched y and the rate-less first counter scrape do not count")
        XCTAssertEqual(d.droppedSeries, 1)
        XCTAssertEqual(try scrape(&d, "y 0\n# TYPE xc counter\nxc 2\nx1 10\nx2 20\nx3 30\n", atSeconds: 1),
                       ["p:x1": 10, "p:x2": 20], "the same series keep flowing; the counter's rate is new and dropped")
        XCTAssertEqual(d.droppedSeries, 2, "x3 is counted once; the counter rate adds one")
        XCTAssertEqual(try scrape(&d, "x1 5\nx4 4\n", atSeconds: 2), ["p:x1": 5])
        XCTAssertEqual(d.droppedSeries, 3)
    }
}
