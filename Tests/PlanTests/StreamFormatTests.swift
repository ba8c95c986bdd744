import Testing
@testable import Plan

/// `request.stream_format`: OpenAI's answer framing, read and checked where it is written.
@Suite struct StreamFormatTests {
    static func openai(_ request: String, api: String = "openai") -> String {
        """
        name: t
        target: { url: embedded, api: \(api) }
        thread_groups:
          - name: g
            request: \(request)
            load: { users: 1, duration: 1s }
        """
    }

    @Test func sseIsReadAndNeedsNoWarningWithAModelThatStreamsIt() throws {
        let loaded = try parsePlan(Self.openai("{ text: hi, model: gpt-4o-mini-tts, format: pcm, stream_format: sse }"))
        #expect(loaded.plan.threadGroups[0].request.tts.streamFormat == .sse)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let audio = try parsePlan(Self.openai("{ text: hi, stream_format: audio }"))
        #expect(audio.plan.threadGroups[0].request.tts.streamFormat == .audio && audio.warnings.isEmpty)
    }

    @Test func openAIRefusesSSEForTTS1AndTheWarningSaysSo() throws {
        for request in ["{ text: hi, stream_format: sse }", "{ text: hi, model: tts-1-hd, stream_format: sse }"] {
            let loaded = try parsePlan(Self.openai(request))
            #expect(loaded.warnings.count == 1)
            let warning = try #require(loaded.warnings.first)
            #expect(warning.message.contains("OpenAI refuses stream_format: sse for tts-1") && warning.message.contains("gpt-4o-mini-tts"), "\(warning)")
            #expect(position(warning) == "5:\(request.contains("hd") ? 58 : 41)")
        }
    }

    @Test func theStreamWarningPointsAtStreamFormat() throws {
        let loaded = try parsePlan(Self.openai("{ text: hi, stream: true }"))
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.message.contains("sends no stream field") == true)
        #expect(loaded.warnings.first?.message.contains("stream_format: sse asks for Server-Sent Events") == true)
    }

    @Test func mistakesAreErrorsAtTheirPosition() {
        // (request, api, position, fragment)
        let cases = [
            ("{ text: hi, stream_format: sEe }", "openai", "5:41", "expected stream_format audio or sse"),
            ("{ text: hi, stream_format: \"${f}\" }", "openai", "5:41", "expected stream_format audio or sse, got '${f}'"),
            ("{ text: hi, stream_format: sse }", "indextts", "5:26", "stream_format is OpenAI's field (api: openai)"),
            ("{ path: /x, body: x, stream_format: sse }", "raw", "5:35", "'stream_format' is a preset field, but target.api is raw"),
            ("{ json: { input: hi }, stream_format: sse }", "openai", "5:37", "put it there instead"),
        ]
        for (request, api, at, fragment) in cases {
            let errors = planErrors(Self.openai(request, api: api))
            let match = errors.first { $0.message.contains(fragment) }
            #expect(match != nil, "\(request): \(errors)")
            if let match { #expect(position(match) == at, "\(match)") }
        }
    }
}
