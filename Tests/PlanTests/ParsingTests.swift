import Testing
@testable import Plan

/// Every field of the plan language parses into the value it says.
@Suite struct ParsingTests {
    static let csv = "text,emotion,length\nHello there.,happy,short\n\"Long, with a comma\",sad,long\n"

    static let full = """
    name: full
    description: every field once
    target:
      url: https://tts.example.com/
      api: openai
      headers: { Authorization: "Bearer ${key}", X-Trace: "1" }
      audio: { format: pcm, sample_rate: 24000, channels: 2, sample_width: 2 }
      insecure: true
      http_version: "2"
    defaults:
      timeout: { connect: 2s, response: 20s }
      think_time: { gaussian: { mean: 300ms, stddev: 50ms } }
      graceful_stop: 5s
      checks: { status: 2xx, content_type: audio/wav }
    variables: { key: secret, voice: nova }
    data:
      sentences: { file: data/s.csv, order: unique }
      lines: { file: data/l.txt, variable: line, order: sequential, on_end: recycle }
    thread_groups:
      - name: openai-preset
        data: [sentences]
        delay: 10s
        think_time: 250ms
        request:
          label: "${emotion}-${length}"
          text: "${text}"
          voice: "${voice}"
          model: tts-1
          format: wav
          speed: 1.25
          instructions: speak warmly
          stream: true
          timeout: 45s
        load: { steps: [1, 2, 4], ramp_up: 1s, hold: 10s }
        checks:
          status: [200, 201]
          min_bytes: 44
          max_bytes: 10000000
          audio: { min_seconds: 0.3, max_seconds: 60, max_rtf: 1.0, max_ttfa: 800ms, max_underrun: 200ms, non_silent: true, distinct: true }
      - name: raw-json
        request:
          method: put
          url: https://other.example.com/synth?x=1
          headers: { Content-Type: application/json }
          json: { input: "${line}", n: 3, ratio: 0.5, flag: false, list: [1, "a"], none: null }
        load:
          stages: [{ duration: 5s, target: 10 }, { duration: 30s, target: 10 }, { duration: 5s, target: 0 }]
      - name: raw-body
        request:
          path: /form
          body: "text=${line}"
          timeout: { connect: 1s }
        load: { users: 3, ramp_up: 2s, duration: 1m }
        think_time: { uniform: [100ms, 200ms] }
      - name: open
        request: { text: "${text}" }
        load:
          arrival_rate: { steps: [2, "300/m"], ramp_up: 1s, hold: 20s, max_users: 50, distribution: poisson }
      - name: open-stages
        request: { text: "${text}" }
        load:
          arrival_rate: { stages: [{ duration: 10s, target: 4 }], max_users: 10 }
      - name: open-constant
        request: { text: "${text}" }
        load: { arrival_rate: { rate: 0.5, duration: 1m } }
    thresholds:
      - "p95 < 2s"
      - "error_rate < 0.5%"
      - "openai-preset: rtf_p95 <= 0.5"
      - "ttfa_p99.9 < 1.5s"
      - "rps >= 10"
      - { expr: "error_rate < 5%", abort: true, after: 30s }
    monitors:
      - host
      - prometheus: ${target}/metrics
      - { prometheus: "http://127.0.0.1:9090/metrics", interval: 5s }
      - { prometheus: "http://127.0.0.1:9100/metrics", name: node, match: [node_cpu_*, "node_memory_*"] }
      - gpu
    agents: [loadgen-1:7070, "http://[::1]:7071"]
    """

    func loaded() throws -> Plan {
        try parsePlan(Self.full, files: ["data/s.csv": Self.csv, "data/l.txt": "one\n\ntwo\r\nthree\n"]).plan
    }

    @Test func topLevelAndTarget() throws {
        let p = try loaded()
        #expect(p.name == "full")
        #expect(p.description == "every field once")
        #expect(p.target.location == .url("https://tts.example.com"))
        #expect(p.target.api == .openai)
        #expect(p.target.headers == [Header("Authorization", "Bearer ${key}"), Header("X-Trace", "1")])
        #expect(p.target.audio == AudioFormat(format: .pcm, sampleRate: 24_000, channels: 2, sampleWidth: 2))
        #expect(p.target.insecure)
        #expect(p.target.httpVersion == .http2)
        #expect(p.variables == ["key": "secret", "voice": "nova"])
        #expect(p.agents == [AgentAddress(host: "loadgen-1", port: 7070), AgentAddress(host: "::1", port: 7071, scheme: "http")])
        #expect(p.agents[0].description == "https://loadgen-1:7070")
        #expect(p.agents[1].description == "http://[::1]:7071")
        #expect(p.monitors == [
            .host,
            .prometheus(PrometheusMonitor(url: "${target}/metrics", interval: PlanDuration(seconds: 1), name: "target")),
            .prometheus(PrometheusMonitor(url: "http://127.0.0.1:9090/metrics", interval: PlanDuration(seconds: 5), name: "127_0_0_1_9090")),
            .prometheus(PrometheusMonitor(url: "http://127.0.0.1:9100/metrics", interval: PlanDuration(seconds: 1), name: "node",
                                          match: ["node_cpu_*", "node_memory_*"])),
            .gpu,
        ])
    }

    @Test func defaultsAndData() throws {
        let p = try loaded()
        #expect(p.defaults.timeout == Timeouts(connect: PlanDuration(seconds: 2), response: PlanDuration(seconds: 20)))
        #expect(p.defaults.thinkTime == .gaussian(mean: PlanDuration(seconds: 0.3), stddev: PlanDuration(seconds: 0.05)))
        #expect(p.defaults.gracefulStop == PlanDuration(seconds: 5))
        #expect(p.data.map(\.name) == ["sentences", "lines"])
        let s = p.data[0], l = p.data[1]
        #expect(s.format == .csv && s.order == .unique && s.onEnd == .stop)
        #expect(s.columns == ["text", "emotion", "length"] && s.rowCount == 2)
        #expect(l.format == .lines && l.order == .sequential && l.onEnd == .recycle)
        #expect(l.columns == ["line"] && l.rowCount == 3)
    }

    @Test func presetRequestAndChecks() throws {
        let g = try loaded().threadGroups[0]
        #expect(g.dataSets == ["sentences"])
        #expect(g.delay == PlanDuration(seconds: 10))
        #expect(g.thinkTime == .constant(PlanDuration(seconds: 0.25)))
        #expect(g.request.body == .preset)
        #expect(g.request.method == "POST")
        #expect(g.request.label == "${emotion}-${length}")
        #expect(g.request.tts == TTSFields(text: "${text}", voice: "${voice}", speed: "1.25", format: "wav", model: "tts-1",
                                           instructions: "speak warmly"))
        #expect(g.request.stream)
        #expect(g.request.timeout == Timeouts(connect: PlanDuration(seconds: 2), response: PlanDuration(seconds: 45)))
        #expect(g.load == .steps(users: [1, 2, 4], rampUp: PlanDuration(seconds: 1), hold: PlanDuration(seconds: 10)))
        // Group checks override the defaults field by field; content_type comes from the defaults.
        #expect(g.checks.status == StatusCheck(codes: [200, 201]))
        #expect(g.checks.contentType == "audio/wav")
        #expect(g.checks.minBytes == 44 && g.checks.maxBytes == 10_000_000)
        #expect(g.checks.audio == AudioChecks(minSeconds: 0.3, maxSeconds: 60, maxRTF: 1, maxTTFA: PlanDuration(seconds: 0.8),
                                              maxUnderrun: PlanDuration(seconds: 0.2), nonSilent: true, distinct: true))
    }

    @Test func rawRequests() throws {
        let groups = try loaded().threadGroups
        let json = groups[1].request
        #expect(json.method == "PUT")
        #expect(json.url == "https://other.example.com/synth?x=1")
        #expect(json.body == .json(.object([("input", .string("${line}")), ("n", .int(3)), ("ratio", .double(0.5)),
                                            ("flag", .bool(false)), ("list", .array([.int(1), .string("a")])), ("none", .null)])))
        #expect(groups[1].checks.status == StatusCheck(classes: [2]))
        let raw = groups[2].request
        #expect(raw.path == "/form" && raw.body == .raw("text=${line}"))
        #expect(raw.timeout == Timeouts(connect: PlanDuration(seconds: 1), response: PlanDuration(seconds: 20)))
        #expect(groups[2].thinkTime == .uniform(min: PlanDuration(seconds: 0.1), max: PlanDuration(seconds: 0.2)))
    }

    @Test func loadShapes() throws {
        let groups = try loaded().threadGroups
        #expect(groups[1].load == .stages([.init(duration: PlanDuration(seconds: 5), target: 10),
                                           .init(duration: PlanDuration(seconds: 30), target: 10),
                                           .init(duration: PlanDuration(seconds: 5), target: 0)]))
        #expect(groups[2].load == .constant(users: 3, rampUp: PlanDuration(seconds: 2), duration: PlanDuration(seconds: 60)))
        #expect(groups[3].load == .arrivalRate(ArrivalRate(
            shape: .steps(rates: [2, 5], rampUp: PlanDuration(seconds: 1), hold: PlanDuration(seconds: 20)),
            distribution: .poisson, maxUsers: 50)))
        #expect(groups[4].load == .arrivalRate(ArrivalRate(shape: .stages([.init(duration: PlanDuration(seconds: 10), target: 4)]),
                                                           maxUsers: 10)))
        #expect(groups[5].load == .arrivalRate(ArrivalRate(shape: .constant(rate: 0.5, duration: PlanDuration(seconds: 60)))))
    }

    @Test func thresholds() throws {
        let t = try loaded().thresholds
        #expect(t.count == 6)
        #expect(t[0].metric.kind == .percentile(.latency, 95) && t[0].comparison == .lessThan && t[0].value == 2)
        #expect(t[1].metric.kind == .aggregate(.errorRate) && abs(t[1].value - 0.005) < 1e-12)
        #expect(t[2].scope == "openai-preset" && t[2].metric.kind == .percentile(.rtf, 95) && t[2].comparison == .lessOrEqual)
        #expect(t[3].metric.kind == .percentile(.ttfa, 99.9) && t[3].value == 1.5)
        #expect(t[4].metric.kind == .aggregate(.rps) && t[4].comparison == .greaterOrEqual && t[4].value == 10)
        #expect(t[5].abort && t[5].after == PlanDuration(seconds: 30) && t[5].value == 0.05)
        #expect(t.allSatisfy { !$0.abort || $0 == t[5] })
    }

    @Test func defaultsWhenFieldsAreOmitted() throws {
        let p = try parsePlan("""
        target: { url: embedded }
        thread_groups:
          - name: g
            request: { text: hi }
            load: { users: 1, duration: 1s }
        """).plan
        #expect(p.name == "plan")  // from the file name
        #expect(p.target == Target(location: .embedded))
        #expect(p.defaults == Defaults())
        #expect(p.defaults.timeout == Timeouts(connect: PlanDuration(seconds: 5), response: PlanDuration(seconds: 30)))
        let g = p.threadGroups[0]
        #expect(g.request.method == "POST" && g.request.path == nil && g.request.stream == false)
        #expect(g.thinkTime == .none && g.delay == .zero && g.checks == Checks())
        #expect(p.thresholds.isEmpty && p.monitors.isEmpty && p.agents.isEmpty && p.data.isEmpty)
    }

    @Test func shortDataFormAndTSV() throws {
        let p = try parsePlan("""
        target: { url: embedded }
        data: { s: data/x.tsv }
        thread_groups:
          - name: g
            request: { text: "${a} ${b}" }
            load: { users: 1, duration: 1s }
        """, files: ["data/x.tsv": "a\tb\n1\t2\n"]).plan
        #expect(p.data[0].columns == ["a", "b"] && p.data[0].order == .random && p.data[0].delimiter == "\t")
        #expect(p.data[0].rowCount == 1)
    }
}
