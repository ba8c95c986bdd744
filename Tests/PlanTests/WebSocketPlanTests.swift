import Testing
@testable import Plan

/// `request.websocket`: a session read with its messages, splits, audio frames and done matcher;
/// every mistake an error at its file:line:column.
@Suite struct WebSocketPlanTests {
    static func plan(_ request: String, api: String = "raw") -> String {
        """
        name: t
        target: { url: "http://127.0.0.1:9", api: \(api) }
        thread_groups:
          - name: g
            request:
        \(request)
            load: { users: 1, duration: 1s }
        """
    }

    @Test func aSessionIsReadWithEveryField() throws {
        let loaded = try parsePlan(Self.plan("""
              label: session
              headers: { Authorization: Bearer x }
              websocket:
                path: /v1/tts/ws
                messages:
                  - json: { type: config, format: pcm }
                  - json: { type: text, text: "${piece}" }
                    split: { text: "Hello there, world", by: words, pace: 50ms }
                  - text: "raw text"
                    split: { pieces: 3, pace: 20ms }
                  - json: { type: end }
                audio: { frames: json, field: data.audio }
                done: { field: type, equals: done }
                timeout: 20s
        """))
        let request = loaded.plan.threadGroups[0].request
        let ws = try #require(request.websocket)
        #expect(ws.path == "/v1/tts/ws" && ws.url == nil)
        #expect(ws.messages.count == 4)
        #expect(ws.messages[1].split == .init(rule: .words, pace: PlanDuration(microseconds: 50_000), text: "Hello there, world"))
        #expect(ws.messages[2].split == .init(rule: .pieces(3), pace: PlanDuration(microseconds: 20_000)))
        #expect(ws.frames == .json && ws.audioField == ["data", "audio"])
        #expect(ws.done == .init(field: ["type"], equals: "done"))
        #expect(ws.timeout == PlanDuration(microseconds: 20_000_000))
        #expect(request.label == "session" && request.headers.count == 1)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test func aURLAndThePresetAPIAreAccepted() throws {
        let loaded = try parsePlan(Self.plan("""
              websocket: { url: "wss://example.test/ws", messages: [ { text: hi } ] }
        """, api: "openai"))
        let ws = try #require(loaded.plan.threadGroups[0].request.websocket)
        #expect(ws.url == "wss://example.test/ws" && ws.frames == .binary && ws.done == nil)
    }

    @Test func mistakesAreErrorsAtTheirPosition() {
        // (request lines, where the error points: the first occurrence of this text, fragment)
        let cases: [(String, String, String)] = [
            ("      websocket: { messages: [] }", "websocket", "missing 'path' (on the target) or 'url'"),
            ("      websocket: { url: \"http://x/ws\" }", "\"http", "expected a ws:// or wss:// URL"),
            ("      websocket: { path: ws }", "ws }", "a path starts with '/'"),
            ("      websocket: { path: /ws, frames: binary }", "frames", "unknown field 'frames'"),
            ("      websocket: { path: /ws, audio: { frames: mp3 } }", "mp3", "expected one of binary, json"),
            ("      websocket: { path: /ws, audio: { field: audio } }", "field", "give frames: json"),
            ("      websocket: { path: /ws, done: { field: type } }", "done", "missing 'equals'"),
            ("      websocket: { path: /ws, messages: [ { json: {a: 1}, text: b } ] }", "text", "give only one of 'json' and 'text'"),
            ("      websocket: { path: /ws, messages: [ { split: { pieces: 2, pace: 1ms } } ] }", "{ split", "missing 'json' or 'text'"),
            ("      websocket: { path: /ws, messages: [ { text: a, split: { pace: 1ms } } ] }", "split", "missing 'pieces' (a count) or 'by: words'"),
            ("      websocket: { path: /ws, messages: [ { text: a, split: { pieces: 0, pace: 1ms } } ] }", "0,", "expected a number of pieces 1...100000"),
            ("      websocket: { path: /ws, messages: [ { text: a, split: { by: letters, pace: 1ms } } ] }", "letters", "expected by: words"),
            ("      websocket: { path: /ws, messages: [ { text: a, split: { pieces: 2 } } ] }", "split", "missing 'pace'"),
            ("      websocket: { path: /ws, messages: [ { text: a, split: { pieces: 2, pace: 1ms, text: b } } ] }", "text: b", "a text message is split itself"),
            ("      websocket: { path: /ws, messages: [ { json: { t: \"${piece}\" }, split: { pieces: 2, pace: 1ms } } ] }", "split", "missing 'text' (what to cut into pieces"),
            ("      websocket: { path: /ws, timeout: 0s }", "0s", "expected a duration of at least"),
            ("      method: POST\n      websocket: { path: /ws }", "method", "'method' is not used by a WebSocket session"),
            ("      path: /x\n      websocket: { path: /ws }", "path", "'path' is not used by a WebSocket session (give it inside websocket:)"),
            ("      json: { a: 1 }\n      websocket: { path: /ws }", "json", "give the session's messages in websocket.messages"),
            ("      websocket: { path: /ws, messages: [ { text: \"${nope}\" } ] }", "\"${nope}", "${nope} is not defined"),
        ]
        for (request, anchor, fragment) in cases {
            let errors = planErrors(Self.plan(request))
            let match = errors.first { $0.message.contains(fragment) }
            #expect(match != nil, "\(request): \(errors)")
            let line = request.split(separator: "\n", omittingEmptySubsequences: false)[0]
            let column = line.range(of: anchor).map { line.distance(from: line.startIndex, to: $0.lowerBound) + 1 } ?? -1
            if let match { #expect(position(match) == "6:\(column)", "\(request): \(match)") }
        }
    }

    /// Sessions connect without a proxy, so a plan that sets one is refused at target.proxy.
    @Test func aProxyIsRefusedForSessions() throws {
        let yaml = """
        name: t
        target: { url: "http://127.0.0.1:9", api: raw, proxy: "http://127.0.0.1:3128" }
        thread_groups:
          - name: g
            request: { websocket: { path: /ws } }
            load: { users: 1, duration: 1s }
        """
        let errors = planErrors(yaml)
        let match = errors.first { $0.message.contains("do not go through a proxy") }
        #expect(match != nil, "\(errors)")
        if let match { #expect(position(match) == "2:55", "\(match)") }
        _ = try parsePlan(yaml.replacingOccurrences(of: "\"http://127.0.0.1:3128\"", with: "none"))
    }

    @Test func pieceIsAVariableOfTheSession() throws {
        _ = try parsePlan(Self.plan("""
              websocket: { path: /ws, messages: [ { json: { t: "${piece}" }, split: { text: "a b", by: words, pace: 1ms } } ] }
        """))
    }
}
