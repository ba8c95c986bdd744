import Engine
import Foundation
import Plan

/// One Prometheus endpoint scraped at its interval: each scrape parsed strictly and turned into
/// points (gauges as they are, counters as rates, histograms as quantiles).
struct PrometheusScraper {
    let monitor: PrometheusMonitor
    /// The URL with `${target}` expanded.
    let url: String
    private var deriver: ScrapeDeriver

    init(monitor: PrometheusMonitor, target: String) {
        self.monitor = monitor
        var base = target
        while base.hasSuffix("/") { base.removeLast() }
        url = monitor.url.replacingOccurrences(of: "${target}", with: base)
        deriver = ScrapeDeriver(prefix: monitor.name, match: monitor.match)
    }

    /// Series dropped past the cap, for the end-of-run note.
    var droppedSeries: Int { deriver.droppedSeries }

    /// Scrapes once. Every scrape adds `NAME:up` (1, or 0 for a failed one, as Prometheus' own `up`);
    /// a failed scrape adds nothing else (a gap in every series) and gives the reason.
    mutating func scrape(atMicros micros: Int64) -> (points: [(String, Double)], problem: MonitorProblem?) {
        var options = HTTPCall.Options()
        // A scrape never outlives its interval by much: a slow endpoint leaves a gap, not a pile-up.
        options.timeoutMs = max(500, min(5_000, Int(monitor.interval.seconds * 1000)))
        options.connectTimeoutMs = min(options.timeoutMs, 2_000)
        options.acceptGzip = true
        let problem: String
        do {
            let reply = try HTTPCall.perform(url: url, headers: [("Accept", "text/plain;version=0.0.4")], options: options)
            if reply.status == 200 {
                do {
                    let families = try PrometheusText.parse(reply.text)
                    let points = deriver.add(families, atMicros: micros).map { ($0.series, $0.value) }
                    return ([(monitor.name + ":up", 1)] + points, nil)
                } catch {
                    problem = "not Prometheus text: \(error)"
                }
            } else {
                problem = "HTTP \(reply.status)"
            }
        } catch {
            problem = error.message
        }
        return ([(monitor.name + ":up", 0)], MonitorProblem("\(monitor.name) (\(url)): scrape failed: \(problem)"))
    }
}
