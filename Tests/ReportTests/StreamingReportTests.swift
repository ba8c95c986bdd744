import Foundation
import Plan
import Testing
@testable import Report
@testable import Results

/// The dashboard built in one streaming pass over a JTL file (no sample kept) against figures
/// computed here from the raw samples.
@Suite struct StreamingReportTests {
    /// The knee run with a second label and a few kinds of error, as a JMeter-like file: rows in
    /// END order (as JMeter writes them), so the earliest start is not on the first row.
    static func file() throws -> (path: String, samples: [Sample], run: SyntheticRun) {
        var run = DashboardTests.kneeRun
        for i in run.samples.indices where i % 3 == 0 { run.samples[i].label = "other, \"quoted\"" }
        for i in run.samples.indices where i % 97 == 5 {
            run.samples[i].success = false
            run.samples[i].status = 0
            run.samples[i].errorClass = .timeout
            run.samples[i].responseMessage = "Operation timed out after \(i) ms"
        }
        run.samples[0].elapsed = 3_000_000  // the first start ends late: its row is not first
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString).jtl").path
        let writer = try JTLWriter(path: path, variables: JTLFormat.audioVariables)
        for s in run.samples.sorted(by: { $0.end < $1.end }) { try writer.append(s, values: JTLFormat.audioValues(s)) }
        try writer.close()
        // What the file holds (whole milliseconds), in file order.
        return (path, try JTLSampleReader.read(path: path).samples, run)
    }

    @Test func chunkBoundariesDoNotChangeWhatIsRead() throws {
        let (path, samples, _) = try Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for chunk in [1, 2, 7, 4_096] {
            let handle = try #require(FileHandle(forReadingAtPath: path))
            var parser = JTLRecordParser(file: handle, chunkSize: chunk)
            var read: [Sample] = []
            _ = try JTLSampleReader.scan(&parser, name: path, columns: nil) { read.append($0) }
            try handle.close()
            #expect(read == samples, "chunk \(chunk)")
        }
        #expect(try JTLSampleReader.earliestStart(path: path) == samples.map(\.start).min())
        #expect(samples.first?.start != samples.map(\.start).min())
    }

    @Test(arguments: [true, false])
    func streamedPageMatchesTheRawSamples(withPlan: Bool) throws {
        let (path, samples, run) = try Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let input = DashboardInput(samples: [], profile: withPlan ? run.profile : nil, title: "t", source: path)
        let (model, count) = try Dashboard.model(jtl: path, input: input)
        #expect(count == samples.count && model.total.count == samples.count)
        let t0 = samples.map(\.start).min()!
        #expect(model.t0 == t0)
        #expect(model.steps.inferred == !withPlan)
        // Steps: counts and percentiles of the samples that started in each hold.
        let group = try #require(model.steps.groups.first)
        #expect(group.rows.map(\.level) == [10, 20, 40, 80])
        #expect(group.knee == 2)
        for row in group.rows {
            let inHold = samples.filter { s in
                let t = Double(s.start - t0) / 1e6
                return t >= row.holdStart && t < row.end
            }
            #expect(row.stats.count == inHold.count && row.stats.errors == inHold.filter { !$0.success }.count)
            for p in [50.0, 95, 99] {
                let exact = SyntheticRun.exactPercentile(inHold.map(\.elapsed), p), got = row.stats.latency.percentile(p)
                #expect(got >= exact && got <= exact + exact / 1_000 + 1, "step \(row.index) p\(p)")
            }
            let ended = samples.filter { s in
                let t = Double(s.end - t0) / 1e6
                return t >= row.holdStart && t < row.end
            }
            #expect(row.ended == ended.count && row.endedOK == ended.filter(\.success).count)
        }
        // Labels, errors, distribution.
        #expect(model.labels.map(\.label) == ["other, \"quoted\"", "tts"])
        for row in model.labels {
            let mine = samples.filter { $0.label == row.label }
            #expect(row.stats.count == mine.count && row.stats.errors == mine.filter { !$0.success }.count)
            let exact = SyntheticRun.exactPercentile(mine.map(\.elapsed), 99)
            #expect(row.stats.latency.percentile(99) >= exact && row.stats.latency.percentile(99) <= exact + exact / 1_000 + 1)
        }
        let timeouts = samples.filter { $0.errorClass == .timeout }.count
        #expect(model.errors.byClass.first { $0.0 == .timeout }?.1 == timeouts)
        #expect(model.errors.topByLabel.flatMap(\.errors).filter { $0.message.hasPrefix("Operation timed out") }
            .reduce(0) { $0 + $1.count } == timeouts)
        #expect(model.distribution.counts.reduce(0, +) == samples.count)
        // Chart slices (1 s): req/s by end, p95 by start, within HdrHistogram precision.
        #expect(model.timeline.width == 1)
        for point in model.timeline.points.prefix(Int(model.duration) - 1) {
            let second = Int(point.t)
            let started = samples.filter { Int(($0.start - t0) / 1_000_000) == second }
            let ended = samples.filter { Int(($0.end - t0) / 1_000_000) == second }
            #expect(point.requestsPerSecond == Double(ended.count), "second \(second)")
            if started.isEmpty {
                #expect(point.p95 == nil)
            } else {
                let exact = SyntheticRun.exactPercentile(started.map(\.elapsed), 95)
                let got = try #require(point.p95)
                #expect(got >= exact && got <= exact + exact / 1_000 + 1, "second \(second)")
            }
        }
        let html = Dashboard.html(model)
        #expect(html.contains("Knee at step 3"))
        #expect(ExternalReferences.find(in: html).isEmpty)
    }
}
