import Testing
@testable import Plan

/// Thresholds on monitor series: `[step N: | each step:] SERIES STAT op VALUE`, values with size
/// units, slopes per time converted to per hour.
@Suite struct MonitorThresholdTests {
    @Test func seriesStatAndValue() throws {
        let t = try Threshold.parse("target:tts_queue_depth max < 64")
        #expect(t.metric.kind == .monitor(series: "target:tts_queue_depth", stat: .max))
        #expect(t.metric.monitorSeries == "target:tts_queue_depth" && t.value == 64 && t.steps == .run && t.scope == nil)
        let each = try Threshold.parse("each step: host:cpu_user_percent mean <= 90%")
        #expect(each.steps == .each && each.metric.kind == .monitor(series: "host:cpu_user_percent", stat: .mean) && each.value == 90)
        let labelled = try Threshold.parse("step 2: target:rate(tts_requests_total{code=\"503\"}) last < 1")
        #expect(labelled.steps == .step(2) && labelled.metric.monitorSeries == "target:rate(tts_requests_total{code=\"503\"})")
    }

    static let valueCases: [(String, Double)] = [
        ("target:process_resident_memory_bytes slope < 1MB/min", 60e6),
        ("target:process_resident_memory_bytes slope < 2MiB/s", 2 * 1_048_576 * 3600),
        ("target:process_resident_memory_bytes slope < 500KB", 500e3),  // per hour when no time is given
        ("target:process_resident_memory_bytes slope < 1 GiB/h", 1_073_741_824),
        ("target:process_resident_memory_bytes max < 1.5G", 1.5e9),
        ("target:x min > -3", -3),
    ]

    @Test(arguments: valueCases)
    func valuesWithUnits(text: String, expected: Double) throws {
        let t = try Threshold.parse(text)
        #expect(abs(t.value - expected) <= 1e-9 * abs(expected), "\(t.value)")
    }

    @Test func badValuesAndScopesAreRefused() {
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("target:x max < 1MB/min") }  // a rate only for slope
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("target:x slope < 1MB/week") }
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("target:x max < lots") }
        #expect(throws: ThresholdParseError.self) { try Threshold.parse("happy: target:x max < 1") }  // no label scope
    }

    /// Sample metrics with a scope keep parsing as before: `label: p95` is not a monitor series.
    @Test func sampleThresholdsAreUnchanged() throws {
        let t = try Threshold.parse("happy-short: p95 < 2s")
        #expect(t.scope == "happy-short" && t.metric.kind == .percentile(.latency, 95))
    }

    @Test func planErrorsNameTheMonitor() {
        let body = "    request: { text: hi }\n    load: { steps: [1, 2], hold: 1s }"
        var errors = planErrors(plan(group: body, top: "thresholds: [\"node:load1 max < 4\"]"))
        #expect(errors.contains { $0.message.contains("no monitor named 'node'") && position($0) == "3:14" }, "\(errors)")
        errors = planErrors(plan(group: body, top: "monitors: [host]\nthresholds: [{ expr: \"host:cpu_user_percent max < 90\", abort: true }]"))
        #expect(errors.contains { $0.message.contains("abort is not supported") }, "\(errors)")
        errors = planErrors(plan(group: body, top: "monitors: [host]\nstop_when: [\"host:cpu_user_percent max > 90\"]"))
        #expect(errors.contains { $0.message.contains("cannot stop it") }, "\(errors)")
    }

    @Test func aMonitorThresholdOnARecordedMonitorIsAccepted() throws {
        let p = try parsePlan(plan(group: "    request: { text: hi }\n    load: { users: 1, duration: 1s }",
                                   top: "monitors: [host, { prometheus: \"${target}/metrics\" }]\nthresholds: [\"host:memory_used_bytes max < 8GiB\", \"target:tts_queue_depth mean < 4\", \"ttsload:cpu_cores max < 2\"]")).plan
        #expect(p.thresholds.compactMap(\.metric.monitorSeries) == ["host:memory_used_bytes", "target:tts_queue_depth", "ttsload:cpu_cores"])
    }
}
