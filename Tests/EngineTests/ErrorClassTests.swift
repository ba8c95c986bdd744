import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// Every error class, produced by a real misbehaving server, and the checks that fail samples.
@Suite(.serialized) struct ErrorClassTests {
    @Test func misbehavingServerGivesEveryErrorClass() throws {
        let target = try TargetProcess()
        let refused = closedPort()
        let yaml = """
        name: errors
        target: { url: "\(target.baseURL)", api: raw }
        defaults: { timeout: { connect: 2s, response: 700ms } }
        thread_groups:
          - { name: ok, request: { method: GET, path: /delay/5 }, load: { users: 1, duration: 1500ms }, checks: { status: 200, content_type: audio/wav } }
          - { name: refused, request: { method: GET, url: "http://127.0.0.1:\(refused)/x" }, load: { users: 1, duration: 1500ms }, think_time: 100ms }
          - { name: reset, request: { method: GET, path: /reset }, load: { users: 1, duration: 1500ms }, think_time: 100ms }
          - { name: truncated, request: { method: GET, path: /truncated }, load: { users: 1, duration: 1500ms }, think_time: 100ms }
          - { name: stall, request: { method: GET, path: /stall }, load: { users: 1, duration: 1500ms } }
          - { name: busy, request: { method: POST, path: /status/503, body: "{}" }, load: { users: 1, duration: 1500ms }, think_time: 100ms }
          - { name: html, request: { method: GET, path: /html }, load: { users: 1, duration: 1500ms }, think_time: 100ms, checks: { content_type: audio/wav } }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "errors.yaml").plan
        let sink = CollectingSink()
        let engine = try LoadEngine(plan: plan, baseURL: target.baseURL, threads: 2, sink: sink)
        engine.run()
        let byGroup = Dictionary(grouping: sink.samples, by: \.groupName)
        func only(_ group: String) -> [Sample] { byGroup[group] ?? [] }

        #expect(only("ok").count > 10)
        #expect(only("ok").allSatisfy { $0.success && $0.status == 200 && $0.bodyBytes == 2000 && $0.responseMessage == "OK" })
        #expect(!only("refused").isEmpty && only("refused").allSatisfy { !$0.success && $0.errorClass == .connectRefused })
        #expect(!only("reset").isEmpty && only("reset").allSatisfy { !$0.success && $0.errorClass == .reset })
        #expect(!only("truncated").isEmpty && only("truncated").allSatisfy { !$0.success && $0.errorClass == .reset && $0.failureMessage.hasPrefix("HTTP 200, then:") })
        #expect(!only("stall").isEmpty && only("stall").allSatisfy { !$0.success && $0.errorClass == .timeout && $0.elapsed >= 690_000 })  // libcurl's timer: 700 ms give or take its rounding
        #expect(!only("busy").isEmpty && only("busy").allSatisfy { !$0.success && $0.status == 503 && $0.failureMessage == "status 503" })
        #expect(!only("html").isEmpty && only("html").allSatisfy { !$0.success && $0.errorClass == .checkFailed && $0.failureMessage == "content type 'text/html', expected 'audio/wav'" })
        // Transport failures have no status; JTL writes JMeter's "Non HTTP response code" for them.
        #expect(only("refused").allSatisfy { $0.status == 0 && JTLFormat.row($0).contains("Non HTTP response code: ConnectException") })
    }

    @Test func presetBodiesAreValidJSONWithNumbersAndOrder() throws {
        let group = ThreadGroup(name: "g", request: RequestSpec(tts: TTSFields(text: "say \"${text}\"\n", emotion: "${e}",
                                                                                emotionIntensity: "${i}", speed: "fast")),
                                load: .constant(users: 1, rampUp: .zero, duration: PlanDuration(seconds: 1)))
        let plan = RequestPlan(group: group, target: Target(location: .embedded), baseURL: "http://127.0.0.1:1")
        let values = ["text": "hi", "e": "sad", "i": "0.8"]
        let rendered = plan.render { values[$0] }
        #expect(rendered.url == "http://127.0.0.1:1/v1/tts")
        #expect(String(decoding: rendered.body!, as: UTF8.self)
            == #"{"text":"say \"hi\"\n","emotion":"sad","emotion_intensity":0.8,"speed":"fast"}"#)
        #expect(rendered.headers.contains { $0.0 == "Content-Type" && $0.1 == "application/json" })
        let object = try JSONSerialization.jsonObject(with: Data(rendered.body!)) as? [String: Any]
        #expect(object?["emotion_intensity"] as? Double == 0.8)
    }
}
