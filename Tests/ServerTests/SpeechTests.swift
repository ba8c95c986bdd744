import Foundation
import Testing

extension ServerIntegration {
    @Suite struct Speech {
        @Test func wavHeaderFieldsAndDurationGrowWithText() async throws {
            let server = try await ServerProcess.start()
            defer { Task { await server.kill() } }
            var durations: [Double] = []
            for text in [Texts.short, Texts.medium, Texts.long] {
                let response = try await server.post("/v1/tts", json: #"{"text": "\#(text)"}"#)
                #expect(response.status == 200)
                #expect(response.headers["content-type"] == "audio/wav")
                let wav = try #require(WAVFile(response.body))
                #expect(wav.format == 1)
                #expect(wav.channels == 1)
                #expect(wav.sampleRate == 22050)
                #expect(wav.bitsPerSample == 16)
                #expect(wav.blockAlign == 2)
                #expect(wav.byteRate == 44100)
                #expect(Int(wav.dataSize) == response.body.count - 44)
                #expect(Int(wav.riffSize) == response.body.count - 8)
                #expect(PCM.rms(wav.samples) > 300, "real speech, not silence")
                let header = try #require(Double(response.headers["x-audio-seconds"] ?? ""))
                #expect(abs(header - wav.duration) < 0.01)
                #expect(response.headers["x-queue-wait-ms"] != nil)
                #expect(response.headers["x-synthesis-ms"] != nil)
                #expect(response.headers["server-timing"]?.contains("synth;dur=") == true)
                durations.append(wav.duration)
            }
            #expect(durations[0] < durations[1] && durations[1] < durations[2], "durations \(durations)")
        }

        @Test func happyAndSadDifferByAtLeastTenPercent() async throws {
            let server = try await ServerProcess.start()
            defer { Task { await server.kill() } }
            func duration(_ emotion: String) async throws -> Double {
                let r = try await server.post("/v1/tts", json: #"{"text": "\#(Texts.medium)", "emotion": "\#(emotion)", "emotion_intensity": 1}"#)
                #expect(r.status == 200)
                return try #require(WAVFile(r.body)).duration
            }
            let happy = try await duration("happy")
            let sad = try await duration("sad")
            #expect(abs(happy - sad) / min(happy, sad) >= 0.10, "happy \(happy)s, sad \(sad)s")
            // Every emotion is accepted and gives speech.
            for emotion in ["angry", "afraid", "disgusted", "melancholic", "surprised", "calm", "neutral"] {
                #expect(try await duration(emotion) > 1)
            }
        }

        @Test func mandarinSpeaks() async throws {
            let server = try await ServerProcess.start()
            defer { Task { await server.kill() } }
            let r = try await server.post("/v1/tts", json: #"{"text": "你好，世界。今天的天气很好，我们去公园散步吧。", "voice": "cmn"}"#)
            #expect(r.status == 200)
            let wav = try #require(WAVFile(r.body))
            #expect(wav.duration > 1.5)
            #expect(PCM.rms(wav.samples) > 300)
        }

        @Test func openAISpeechEndpoint() async throws {
            let server = try await ServerProcess.start()
            defer { Task { await server.kill() } }
            let wav = try await server.post("/v1/audio/speech", json: #"{"model": "tts-1", "input": "\#(Texts.medium)", "voice": "alloy"}"#)
            #expect(wav.status == 200)
            #expect(WAVFile(wav.body) != nil, "response_format defaults to wav")
            let pcm = try await server.post("/v1/audio/speech", json: #"{"model": "tts-1", "input": "\#(Texts.medium)", "voice": "nova", "response_format": "pcm", "speed": 1.5}"#)
            #expect(pcm.status == 200)
            #expect(pcm.headers["content-type"] == "audio/pcm")
            #expect(pcm.body.count % 2 == 0 && pcm.body.count > 22050)
            #expect(pcm.body.prefix(4) != Array("RIFF".utf8)[...])
            // Every documented OpenAI voice maps to an installed espeak-ng voice.
            for voice in ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"] {
                let r = try await server.post("/v1/audio/speech", json: #"{"model": "tts-1", "input": "Hi.", "voice": "\#(voice)"}"#)
                #expect(r.status == 200, "voice \(voice): \(r.text)")
            }
            // An emotion word in `instructions` changes the prosody.
            let sad = try await server.post("/v1/audio/speech", json: #"{"model": "gpt-4o-mini-tts", "input": "\#(Texts.medium)", "voice": "alloy", "instructions": "Speak in a sad voice."}"#)
            let neutral = try #require(WAVFile(wav.body)).duration
            #expect(try #require(WAVFile(sad.body)).duration > neutral * 1.1)
        }
    }
}
