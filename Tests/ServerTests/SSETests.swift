import Foundation
import Testing

extension ServerIntegration {
    /// `/v1/audio/speech` with `stream_format: "sse"`: OpenAI's events, the same audio as a whole
    /// body, through the same queue and metrics.
    @Suite struct ServerSentEvents {
        /// The events of an SSE body: each event's data, parsed as JSON (lines ending in LF, as sent here).
        static func events(_ body: [UInt8]) throws -> [[String: Any]] {
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.hasSuffix("\n\n"))
            return try text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
                #expect(block.hasPrefix("data: ") && !block.dropFirst(6).contains("\n"), "one data line per event: \(block.prefix(80))")
                return try #require(try JSONSerialization.jsonObject(with: Data(block.dropFirst(6).utf8)) as? [String: Any])
            }
        }

        /// The audio the deltas carry, joined.
        static func audio(_ events: [[String: Any]]) throws -> [UInt8] {
            try events.filter { $0["type"] as? String == "speech.audio.delta" }.flatMap { e in
                let text = try #require(e["audio"] as? String)
                return Array(try #require(Data(base64Encoded: text)))
            }
        }

        @Test func eventsCarryTheSameAudioAsAWholeBody() async throws {
            // espeak-ng carries state from one utterance to the next (the same text comes out a few
            // samples longer or shorter after another one), so each answer is its server's first:
            // only then are the two syntheses the same.
            let request = #"{"model": "gpt-4o-mini-tts", "input": "\#(Texts.veryLong)", "voice": "alloy", "response_format": "pcm""#
            let server = try await ServerProcess.start(["--workers", "1", "--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let r = try await server.post("/v1/audio/speech", json: request + #", "stream_format": "sse"}"#)
            #expect(r.status == 200 && r.complete)
            #expect(r.headers["content-type"] == "text/event-stream" && r.headers["transfer-encoding"]?.lowercased() == "chunked")
            #expect(r.headers["cache-control"] == "no-cache" && r.headers["x-audio-sample-rate"] == "22050")
            let events = try Self.events(r.body)
            let deltas = events.filter { $0["type"] as? String == "speech.audio.delta" }
            #expect(deltas.count > 10, "about 100 ms per delta")
            #expect(events.dropLast().allSatisfy { $0["type"] as? String == "speech.audio.delta" && $0.count == 2 })
            let done = try #require(events.last)
            #expect(done["type"] as? String == "speech.audio.done")
            let usage = try #require(done["usage"] as? [String: Int])
            #expect(usage["input_tokens"] == Texts.veryLong.count && usage["output_tokens"] == deltas.count)
            #expect(usage["total_tokens"] == Texts.veryLong.count + deltas.count)
            // The first audio arrives long before the end.
            let first = try #require(r.firstBodyByte)
            #expect(first < r.completed * 0.5, "first event at \(first)s of \(r.completed)s")
            // Same queue and metrics as any synthesis.
            #expect(try await server.metric("tts_requests_total{route=\"/v1/audio/speech\",code=\"200\"}") == 1)
            #expect(try await server.metric("tts_batch_size_count") == 1)
            #expect(try await server.metric("tts_synthesis_seconds_count") == 1)

            let other = try await ServerProcess.start(["--workers", "1", "--cache-mb", "0"])
            defer { Task { await other.kill() } }
            let whole = try await other.post("/v1/audio/speech", json: request + #", "stream": false}"#)
            #expect(whole.status == 200 && whole.headers["content-length"] != nil)
            let streamed = try Self.audio(events)
            // Compared as a Bool: a failed == on megabyte arrays makes the test library diff them, for hours.
            let same = zip(streamed, whole.body).prefix { $0 == $1 }.count
            let equal = streamed == whole.body
            #expect(equal, "streamed \(streamed.count) bytes, whole \(whole.body.count), same for the first \(same)")
        }

        @Test func wavEventsStartWithAStreamingHeaderAndCacheHitsAreEventsToo() async throws {
            let server = try await ServerProcess.start([])
            defer { Task { await server.kill() } }
            let request = #"{"model": "tts-1", "input": "\#(Texts.medium)", "voice": "nova", "stream_format": "sse"}"#
            let miss = try await server.post("/v1/audio/speech", json: request)
            #expect(miss.status == 200 && miss.headers["x-cache"] == "miss")
            let missAudio = try Self.audio(try Self.events(miss.body))
            let header = try #require(WAVFile(missAudio))
            #expect(header.dataSize == 0xFFFF_FFFF && header.sampleRate == 22050)
            let hit = try await server.post("/v1/audio/speech", json: request)
            #expect(hit.status == 200 && hit.headers["x-cache"] == "hit" && hit.headers["content-type"] == "text/event-stream")
            let hitEvents = try Self.events(hit.body)
            #expect(hitEvents.last?["type"] as? String == "speech.audio.done" && hitEvents.count > 3)
            let hitAudio = try Self.audio(hitEvents)
            // A cache hit knows its length: the header says it; the samples are the same.
            #expect(try #require(WAVFile(hitAudio)).dataSize == UInt32(hitAudio.count - 44))
            let sameSamples = hitAudio.dropFirst(44).elementsEqual(missAudio.dropFirst(44))
            #expect(sameSamples)
        }

        @Test func badStreamFormatsAreRefusedNamingTheField() async throws {
            let server = try await ServerProcess.start([])
            defer { Task { await server.kill() } }
            for (body, field, code) in [
                (#"{"input": "hi", "voice": "alloy", "stream_format": "events"}"#, "stream_format", "invalid_value"),
                (#"{"input": "hi", "voice": "alloy", "stream_format": "SSE"}"#, "stream_format", "invalid_value"),
                (#"{"input": "hi", "voice": "alloy", "stream_format": 1}"#, "stream_format", "invalid_type"),
                (#"{"input": "hi", "voice": "alloy", "stream_format": "sse", "stream": false}"#, "stream", "invalid_value"),
            ] {
                let r = try await server.post("/v1/audio/speech", json: body)
                #expect(r.status == 400 && r.errorField == field && r.errorCode == code, "\(body): \(r.status) \(r.text)")
            }
            // null is absent; audio is the default chunked body.
            let plain = try await server.post("/v1/audio/speech", json: #"{"input": "hi", "voice": "alloy", "stream_format": "audio"}"#)
            #expect(plain.status == 200 && plain.headers["content-type"] == "audio/wav")
            let null = try await server.post("/v1/audio/speech", json: #"{"input": "hi", "voice": "alloy", "stream_format": null}"#)
            #expect(null.status == 200 && null.headers["content-type"] == "audio/wav")
        }
    }
}
