import Foundation
import Plan
import Results
import Testing
@testable import Report

@Suite struct DashboardTests {
    /// 20 -> 40 -> 42 -> 43 req/s while p95 goes about 90 -> 100 -> 300 -> 600 ms: the knee is step 3.
    static let kneeRun = SyntheticRun(levels: [10, 20, 40, 80], counts: [200, 400, 420, 430],
                                      bases: [60_000, 66_000, 200_000, 400_000])

    @Test func stepPercentilesEqualExactOnesWithinHistogramPrecision() throws {
        let run = Self.kneeRun
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        let rows = try #require(model.steps.groups.first).rows
        #expect(rows.count == 4)
        for row in rows {
            let inHold = run.samples.filter { s in
                let t = Double(s.start - SyntheticRun.base) / 1e6
                return t >= row.holdStart && t < row.end
            }
            #expect(row.stats.count == inHold.count)
            let values = inHold.map(\.elapsed)
            for p in [50.0, 90, 95, 99, 100] {
                let exact = SyntheticRun.exactPercentile(values, p)
                let reported = p == 100 ? row.stats.latency.max : row.stats.latency.percentile(p)
                // 3 significant digits: within 1/1000 of the value.
                #expect(abs(reported - exact) <= exact / 1_000 + 1, "step \(row.index) p\(p): \(reported) vs exact \(exact)")
            }
            let ended = run.samples.filter { s in
                let t = Double(s.end - SyntheticRun.base) / 1e6
                return t >= row.holdStart && t < row.end
            }.count
            #expect(abs(row.requestsPerSecond - Double(ended) / 10) < 1e-9)
            let endedOK = run.samples.filter { s in
                let t = Double(s.end - SyntheticRun.base) / 1e6
                return s.success && t >= row.holdStart && t < row.end
            }.count
            #expect(abs(row.successesPerSecond - Double(endedOK) / 10) < 1e-9)
            #expect(row.stats.errors == inHold.filter { !$0.success }.count)
        }
    }

    @Test func kneeIsFoundWhereConstructed() throws {
        let run = Self.kneeRun
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        let group = try #require(model.steps.groups.first)
        #expect(group.knee == 2)
        #expect(group.rows.map(\.isKnee) == [false, false, true, false])
        let html = Dashboard.html(model)
        #expect(html.contains("Knee at step 3"))
    }

    @Test func noKneeWhenThroughputKeepsGrowing() throws {
        // Latency doubles at every step, but throughput doubles too: the service still scales.
        let run = SyntheticRun(levels: [10, 20, 40, 80], counts: [100, 200, 400, 800], bases: [50_000, 100_000, 200_000, 400_000])
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        #expect(model.steps.groups.first?.knee == nil)
        #expect(Dashboard.html(model).contains("No knee"))
    }

    @Test func fastErrorsDoNotHideTheKnee() throws {
        // Past step 2 most requests fail (fast 503s in a real service): all samples per second keep
        // doubling, successful ones fall, and p95 triples. The knee is step 3.
        var run = SyntheticRun(levels: [10, 20, 40, 80], counts: [200, 400, 800, 1600], bases: [60_000, 66_000, 200_000, 400_000])
        for i in run.samples.indices where Double(run.samples[i].start - SyntheticRun.base) / 1e6 >= 24 && i % 10 < 7 {
            run.samples[i].success = false
            run.samples[i].status = 503
        }
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        let group = try #require(model.steps.groups.first)
        #expect(group.rows[2].requestsPerSecond > 1.5 * group.rows[1].requestsPerSecond)
        #expect(group.knee == 2)
    }

    @Test func aKnownStartPlacesSamplesInSteps() throws {
        // Without the sample at time 0 the first sample starts at 2 s, and the inferred time 0 would
        // shift every step by 2 s; the engine's start, when given, keeps them where they belong.
        var run = Self.kneeRun
        run.samples.removeFirst()
        var input = DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test")
        input.startMicros = SyntheticRun.base
        let rows = try #require(DashboardModel(input).steps.groups.first).rows
        #expect(rows.map(\.stats.count) == [200, 400, 420, 430])
    }

    @Test func kneeRuleIsConfigurable() throws {
        let run = Self.kneeRun
        // With a 4x latency bar, step 3 (about 3x) no longer counts; step 4 (2x after step 3) neither.
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test",
                                                  knee: KneeRule(throughputGain: 1.1, latencyGrowth: 4)))
        #expect(model.steps.groups.first?.knee == nil)
    }

    @Test func pageHasNoExternalReferences() {
        let run = Self.kneeRun
        let html = Dashboard.html(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test",
                                                 thresholds: ["p95 < 500ms"]))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        for reference in ExternalReferences.find(in: html) {
            Issue.record("external reference: \(reference)")
        }
        // The checker itself finds what it should.
        #expect(ExternalReferences.find(in: "<img src=\"a.png\"><a href=\"#x\">x</a><style>b{background:url(http://x)}</style>").count == 2)
    }

    @Test func labelsAndMessagesAreEscaped() {
        let label = "<img src=x onerror=alert(1)> & \"quoted\" 'single'"
        var run = SyntheticRun(levels: [5], counts: [50], bases: [10_000], label: label)
        run.samples[3].success = false
        run.samples[3].status = 0
        run.samples[3].errorClass = .reset
        run.samples[3].responseMessage = "<script>alert(2)</script>"
        let html = Dashboard.html(DashboardInput(samples: run.samples, profile: run.profile, title: "plan <x>", source: "a&b.jtl"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;"))
        #expect(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(html.contains("plan &lt;x&gt;") && html.contains("a&amp;b.jtl"))
        #expect(ExternalReferences.find(in: html).isEmpty)
    }

    @Test func errorsGroupByCodeAndMessageUpToNumbers() throws {
        var run = SyntheticRun(levels: [5], counts: [40], bases: [10_000])
        for (i, message) in ["max_rtf: rtf 1.06 > 1", "max_rtf: rtf 1.31 > 1", "max_rtf: rtf 1.06 > 1", "timed out"].enumerated() {
            run.samples[i + 1].success = false
            run.samples[i + 1].failureMessage = message
        }
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        let entries = try #require(model.errors.topByLabel.first).errors
        let rtf = try #require(entries.first { $0.message.hasPrefix("max_rtf") && $0.code == "200" })
        #expect(rtf.count == 3 && rtf.variants == 2)
        #expect(entries.contains { $0.message == "timed out" && $0.count == 1 })
    }

    @Test func stepsAreInferredFromAllThreadsWithoutAPlan() throws {
        let run = Self.kneeRun
        let model = DashboardModel(DashboardInput(samples: run.samples, title: "t", source: "test"))
        #expect(model.steps.inferred)
        let group = try #require(model.steps.groups.first)
        #expect(group.rows.map(\.level) == [10, 20, 40, 80])
        #expect(group.knee == 2)
    }

    @Test func pageSaysWhyThereIsNoStepTable() {
        var samples = Self.kneeRun.samples
        for i in samples.indices { samples[i].allThreads = 0 }
        let model = DashboardModel(DashboardInput(samples: samples, title: "t", source: "test"))
        #expect(model.steps.groups.isEmpty)
        #expect(Dashboard.html(model).contains("no allThreads values"))
    }

    @Test func labelTableMatchesTheSamples() throws {
        var run = Self.kneeRun
        for i in run.samples.indices where i % 3 == 0 { run.samples[i].label = "other" }
        let model = DashboardModel(DashboardInput(samples: run.samples, profile: run.profile, title: "t", source: "test"))
        #expect(model.labels.map(\.label) == ["other", "tts"])
        for row in model.labels {
            let mine = run.samples.filter { $0.label == row.label }
            #expect(row.stats.count == mine.count)
            #expect(row.stats.errors == mine.filter { !$0.success }.count)
            let exact = SyntheticRun.exactPercentile(mine.map(\.elapsed), 99)
            #expect(abs(row.stats.latency.percentile(99) - exact) <= exact / 1_000 + 1)
            // APDEX with 100 ms / 300 ms: counted from the raw samples.
            let satisfied = mine.filter { $0.success && $0.elapsed <= 100_000 }.count
            let tolerating = mine.filter { $0.success && $0.elapsed > 100_000 && $0.elapsed <= 300_000 }.count
            let strict = DashboardModel(DashboardInput(samples: mine, title: "t", source: "test",
                                                       apdex: ApdexRule(satisfied: 100_000, tolerated: 300_000)))
            #expect(strict.apdex == ApdexCount(satisfied: satisfied, tolerating: tolerating, samples: mine.count))
            #expect(satisfied > 0 && tolerating > 0)
        }
        #expect(model.distribution.counts.reduce(0, +) == run.samples.count)
        #expect(model.distribution.edges.first == model.total.latency.min)
    }
}

/// Finds references a browser would fetch: `src`/`href` attributes inside tags and `url(` in tags or
/// style blocks, other than `#fragment` and `data:`. Escaped text cannot hold a tag, so text is skipped.
enum ExternalReferences {
    static func find(in html: String) -> [String] {
        var found: [String] = []
        var places: [Substring] = []
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            places.append(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        var styles = html[...]
        while let start = styles.range(of: "<style>"), let end = styles[start.upperBound...].range(of: "</style>") {
            places.append(styles[start.upperBound..<end.lowerBound])
            styles = styles[end.upperBound...]
        }
        for place in places {
            let text = place.lowercased()
            for key in ["src=", "href=", "url("] {
                var search = text[...]
                while let r = search.range(of: key) {
                    let value = search[r.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
                    if !(value.hasPrefix("#") || value.hasPrefix("data:")) { found.append(String(text[r.lowerBound...].prefix(60))) }
                    search = search[r.upperBound...]
                }
            }
        }
        return found
    }
}
