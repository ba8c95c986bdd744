import Engine
import Foundation
import Plan
import Results
import RunPipeline
import Testing
import TestSupport
@testable import Export

/// The series `LiveMetrics` makes from known samples, read back from a real `/metrics` endpoint by
/// Prometheus' own Python client and checked by promtool: counts and every cumulative bucket
/// against the values the samples were made with.
@Suite struct LiveMetricsTests {
    /// A closed stepped group and an open one, as a plan with both would have.
    static let profile = LoadProfile(groups: [
        GroupSchedule(name: "speak", load: .steps(users: [2, 4], rampUp: PlanDuration(seconds: 1), hold: PlanDuration(seconds: 4)), delay: 0),
        GroupSchedule(name: "burst", load: .arrivalRate(ArrivalRate(shape: .constant(rate: 3, duration: PlanDuration(seconds: 10)))), delay: 0),
    ])

    /// Samples of `label` with these elapsed times (ms), every third one failed, audio of 1.5 s each.
    static func samples(_ label: String, elapsedMs: [Double], at second: Int64) -> [Sample] {
        elapsedMs.enumerated().map { i, ms in
            let elapsed = Int64(ms * 1_000)
            let fails = i % 3 == 2
            return Sample(start: second * 1_000_000, elapsed: elapsed, latency: elapsed / 2, bytesReceived: 1_000, status: fails ? 503 : 200,
                          success: !fails, errorClass: fails ? .checkFailed : nil, label: label, groupName: "speak",
                          audio: AudioFigures(format: "wav", audioSeconds: 1.5, ttfa: elapsed / 4, chunks: 3, maxGap: elapsed / 8,
                                              underrun: i == 0 ? 1 : 0, stalls: 0, rtf: ms / 1_500, characters: 10, truncated: false,
                                              chunkGaps: [elapsed / 16, elapsed / 8], audioReady: elapsed / 2))
        }
    }

    static func snapshot(second: Int64, elapsed: Double, users: [Int], _ samples: [Sample], counters: EngineCounters? = nil) -> SecondSnapshot {
        var byLabel: [String: SampleTally<SparseHistogram>] = [:]
        var total = SampleStats()
        for s in samples {
            byLabel[s.label, default: SampleTally(extended: true)].add(s)
            total.add(s)
        }
        var snapshot = SecondSnapshot(second: second, elapsed: elapsed, users: users, total: total, byLabel: byLabel, errorsSoFar: 0)
        snapshot.counters = counters
        return snapshot
    }

    /// Elapsed times (ms) kept away from every bucket bound (the histogram keeps 3 significant digits).
    static let first: [Double] = [7, 42, 180, 260, 420, 1_240, 2_600, 4_100, 12_300, 71_000]
    static let second: [Double] = [33, 88, 640, 870, 1_700, 6_400]

    static func counters(dropped: Int, late: Int) -> EngineCounters {
        var counters = EngineCounters()
        counters.dropped = dropped
        counters.late = late
        return counters
    }

    /// Reads `/metrics` with prometheus_client: sample name with sorted labels -> value.
    static func scrape(_ port: Int) throws -> [String: Double] {
        let out = try runCommand(["python3", repositoryRoot + "/Tests/Fixtures/prom_read.py", "http://127.0.0.1:\(port)/metrics"])
        #expect(out.succeeded, "prom_read.py: \(out.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Double]
        return try #require(json)
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    @Test func countsAndBucketsMatchTheSamples() throws {
        let metrics = LiveMetrics(run: "run-1", plan: "demo", profile: Self.profile)
        let endpoint = try MetricsEndpoint(address: MetricsEndpoint.Address(host: "127.0.0.1", port: 0)) { metrics.text() }
        defer { endpoint.close() }
        metrics.add(Self.snapshot(second: 100, elapsed: 1, users: [2, 1], Self.samples("tts", elapsedMs: Self.first, at: 100),
                                  counters: Self.counters(dropped: 2, late: 5)), generatorSaturated: false)
        metrics.add(Self.snapshot(second: 101, elapsed: 3.5, users: [3, 2], Self.samples("tts", elapsedMs: Self.second, at: 101)
                                  + Self.samples("short", elapsedMs: [12, 15], at: 101), counters: Self.counters(dropped: 3, late: 5)),
                    generatorSaturated: true)

        var values = try Self.scrape(endpoint.port)
        let base = ["run": "run-1", "plan": "demo"]
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { values[Self.key(name, base.merging(labels) { $1 })] }
        let tts = Self.first + Self.second
        #expect(value("ttsload_requests_total", ["label": "tts"]) == Double(tts.count))
        #expect(value("ttsload_requests_total", ["label": "short"]) == 2)
        let ttsErrors = Self.first.indices.filter { $0 % 3 == 2 }.count + Self.second.indices.filter { $0 % 3 == 2 }.count
        #expect(value("ttsload_request_errors_total", ["label": "tts"]) == Double(ttsErrors))
        #expect(value("ttsload_request_errors_by_class_total", ["label": "tts", "class": "check_failed"]) == Double(ttsErrors))
        #expect(value("ttsload_request_errors_total", ["label": "short"]) == 0)
        #expect(value("ttsload_audio_seconds_total", ["label": "tts"]) == 1.5 * Double(tts.count))
        #expect(value("ttsload_audio_underruns_total", ["label": "tts"]) == 2)
        #expect(value("ttsload_received_bytes_total", ["label": "tts"]) == 1_000 * Double(tts.count))
        #expect(value("ttsload_dropped_arrivals_total") == 3)
        #expect(value("ttsload_late_arrivals_total") == 5)
        #expect(value("ttsload_users_active", ["group": "speak"]) == 3)
        #expect(value("ttsload_users_active", ["group": "burst"]) == 2)
        #expect(value("ttsload_users_planned", ["group": "speak"]) == Double(Self.profile.groups[0].users(at: 3.5)))
        #expect(value("ttsload_arrival_rate_planned", ["group": "burst"]) == 3)
        #expect(value("ttsload_users_planned", ["group": "burst"]) == nil)
        #expect(value("ttsload_step") == 1)
        #expect(value("ttsload_generator_saturated") == 1)
        #expect(value("ttsload_running") == 1)

        // Every cumulative bucket holds the samples at or below its bound; +Inf and _count all of them.
        func checkBuckets(_ name: String, _ seconds: [Double], bounds: [Double]) {
            // le as the exposition spells it ("1.0" or "1"), read back as a number.
            var buckets: [Double: Double] = [:]
            let prefix = name + "_bucket{"
            for (key, v) in values where key.hasPrefix(prefix) && key.contains("label=\"tts\"") {
                guard let range = key.range(of: "le=\""), let end = key[range.upperBound...].firstIndex(of: "\"") else { continue }
                let le = String(key[range.upperBound..<end])
                buckets[le == "+Inf" ? .infinity : Double(le) ?? .nan] = v
            }
            #expect(buckets.count == bounds.count + 1, "\(name): \(buckets.count) buckets")
            for bound in bounds {
                let expected = seconds.filter { $0 <= bound }.count
                #expect(buckets[bound] == Double(expected), "\(name) le=\(bound)")
            }
            #expect(buckets[.infinity] == Double(seconds.count))
            #expect(value(name + "_count", ["label": "tts"]) == Double(seconds.count))
            let sum = value(name + "_sum", ["label": "tts"]) ?? -1
            #expect(abs(sum - seconds.reduce(0, +)) <= seconds.reduce(0, +) * 0.001, "\(name)_sum \(sum)")
        }
        checkBuckets("ttsload_request_duration_seconds", tts.map { $0 / 1_000 }, bounds: LiveMetrics.secondsBuckets)
        checkBuckets("ttsload_time_to_first_audio_seconds", tts.map { $0 / 4_000 }, bounds: LiveMetrics.secondsBuckets)
        checkBuckets("ttsload_longest_chunk_gap_seconds", tts.map { $0 / 8_000 }, bounds: LiveMetrics.secondsBuckets)
        checkBuckets("ttsload_real_time_factor", tts.map { $0 / 1_500 }, bounds: LiveMetrics.rtfBuckets)

        metrics.finish(counters: Self.counters(dropped: 4, late: 6))
        values = try Self.scrape(endpoint.port)
        #expect(value("ttsload_running") == 0)
        #expect(value("ttsload_users_active", ["group": "speak"]) == 0)
        #expect(value("ttsload_dropped_arrivals_total") == 4)
        #expect(value("ttsload_late_arrivals_total") == 6)
        #expect(value("ttsload_requests_total", ["label": "tts"]) == Double(tts.count))
        #expect(endpoint.scrapeCount == 2)
    }

    @Test func promtoolAcceptsTheText() throws {
        let metrics = LiveMetrics(run: "run-1", plan: "demo", profile: Self.profile)
        var snapshot = Self.snapshot(second: 5, elapsed: 2, users: [2, 1], Self.samples("tts \"quoted\"\\", elapsedMs: Self.first, at: 5))
        snapshot.agentUsers = ["agent-a": 2, "agent-b": 1]
        metrics.add(snapshot, generatorSaturated: false)
        let out = try runCommand(["promtool", "check", "metrics"], input: String(decoding: metrics.text(), as: UTF8.self))
        #expect(out.succeeded, "promtool: \(out.stdout) \(out.stderr)")
        #expect(out.stdout.isEmpty && out.stderr.isEmpty, "promtool found problems: \(out.stdout) \(out.stderr)")
    }

    @Test func theEndpointRefusesOtherPathsAndMethods() throws {
        let metrics = LiveMetrics(run: "r", plan: "p", profile: Self.profile)
        let endpoint = try MetricsEndpoint(address: MetricsEndpoint.Address(host: "127.0.0.1", port: 0)) { metrics.text() }
        defer { endpoint.close() }
        let notFound = try runCommand(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(endpoint.port)/"])
        #expect(notFound.stdout == "404")
        let post = try runCommand(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(endpoint.port)/metrics"])
        #expect(post.stdout == "405")
        let head = try runCommand(["curl", "-s", "-I", "http://127.0.0.1:\(endpoint.port)/metrics"])
        #expect(head.stdout.contains("200") && head.stdout.lowercased().contains("text/plain; version=0.0.4"))
        #expect(endpoint.scrapeCount == 1)
        // The port is taken while the endpoint is up: a second one there is refused.
        #expect(throws: (any Error).self) {
            _ = try MetricsEndpoint(address: MetricsEndpoint.Address(host: "127.0.0.1", port: endpoint.port)) { [] }
        }
    }
}
