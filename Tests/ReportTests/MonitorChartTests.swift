import Foundation
import Testing
import TestSupport
@testable import Report
@testable import Results

/// Monitor series in the store show as charts on the dashboard; a run without them shows none.
@Suite struct MonitorChartTests {
    @Test func storedMonitorRowsBecomeCharts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("monitors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let jtl = dir + "/results.jtl", store = dir + "/ttsload.sqlite"
        let run = DashboardTests.kneeRun
        let writer = try JTLWriter(path: jtl, variables: JTLFormat.audioVariables)
        for s in run.samples { try writer.append(s, values: JTLFormat.audioValues(s)) }
        try writer.close()
        // A page before any monitor rows: no monitor section.
        let imported = try runTTSLoad(["import", jtl, "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        let id = try #require(Int64(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        var report = try runTTSLoad(["report", jtl, "--store", store])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(!(try String(contentsOfFile: dir + "/index.html", encoding: .utf8)).contains("id=\"monitors\""))
        // Rows as a monitoring issue would write them: one point a second over the run.
        let db = try ResultStore(path: store)
        let t0 = run.samples.map(\.start).min()!
        var cpu: [(micros: Int64, value: Double)] = [], rss: [(micros: Int64, value: Double)] = []
        for k in 0..<45 {
            let t: Int64 = t0 + Int64(k) * 1_000_000
            cpu.append((t, 20 + Double(k)))
            rss.append((t, 50_000_000 + Double(k) * 1_000_000))
        }
        try db.addMonitorPoints(run: id, name: "host_cpu_percent", points: cpu)
        try db.addMonitorPoints(run: id, name: "server_rss_bytes", points: rss)
        #expect(try db.monitorSeries(run: id).map(\.name) == ["host_cpu_percent", "server_rss_bytes"])
        report = try runTTSLoad(["report", jtl, "--store", store])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        let section = try #require(html.range(of: "<h2 id=\"monitors\">Monitors</h2>"))
        let end = html.range(of: "<h2 id=\"errors\">")?.lowerBound ?? html.endIndex
        let charts = String(html[section.upperBound..<end])
        // One chart per series, named, with a line through its points; units read off the names.
        #expect(charts.components(separatedBy: "<svg").count == 3)
        #expect(charts.contains("host_cpu_percent") && charts.contains("server_rss_bytes"))
        #expect(charts.contains("<polyline") || charts.contains("<path"))
        #expect(Dashboard.monitorUnitForTests("host_cpu_percent") == "%" && Dashboard.monitorUnitForTests("server_rss_bytes") == "bytes"
                && Dashboard.monitorUnitForTests("host:rate(network_receive_bytes)") == "bytes/s")
        #expect(ExternalReferences.find(in: html).isEmpty)
    }
}

/// A memory chart whose values stay far from zero gets an axis around them, so a leak of a few
/// percent is a slope, not a flat line at the top; any other chart keeps its axis from zero.
@Suite struct ChartAxisTests {
    @Test func memoryAxesStartNearTheirValues() throws {
        #expect(SVGChart.ticks(from: 52.3, upTo: 55.9) == [52, 53, 54, 55, 56])
        #expect(SVGChart.ticks(from: 1_000, upTo: 1_500) == [1_000, 1_100, 1_200, 1_300, 1_400, 1_500])
        let points: [(Double, Double?)] = (0..<20).map { (Double($0), 52.3 + Double($0) * 0.18) }
        var chart = SVGChart(title: "rss", unit: "MiB", series: [.init(name: "rss", color: "#000", points: points)], bands: [], xMax: 20)
        let plain = chart.render()
        chart.zoomY = true
        let zoomed = chart.render()
        #expect(plain.contains(">0</text>") && !zoomed.contains(">0</text>"))
        #expect(zoomed.contains(">52</text>") && zoomed.contains(">56</text>"))
        // Values near zero keep the zero: nothing to zoom into.
        chart.series = [.init(name: "rss", color: "#000", points: [(0, 1), (1, 50)])]
        #expect(chart.render().contains(">0</text>"))
    }
}

extension Dashboard {
    static func monitorUnitForTests(_ name: String) -> String { DashboardPage.monitorUnit(name) }
}
