import Foundation
import Testing

extension ServerIntegration {
    @Suite struct Streaming {
        @Test func headerArrivesBeforeSynthesisEnds() async throws {
            let server = try await ServerProcess.start(["--workers", "1", "--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let r = try await server.post("/v1/tts", json: #"{"text": "\#(Texts.veryLong)", "stream": true}"#)
            #expect(r.status == 200)
            #expect(r.headers["transfer-encoding"]?.lowercased() == "chunked")
            #expect(r.complete)
            let wav = try #require(WAVFile(r.body))
            #expect(wav.dataSize == 0xFFFF_FFFF)
            #expect(wav.riffSize == 0xFFFF_FFFF)
            #expect(wav.sampleRate == 22050 && wav.channels == 1 && wav.bitsPerSample == 16)
            #expect(wav.duration > 60, "about 4000 characters of speech")
            // The first audio bytes arrive well before the response ends: espeak-ng's chunks are
            // forwarded as they are produced, not after the whole synthesis.
            let first = try #require(r.firstBodyByte)
            #expect(first < r.completed * 0.5, "first byte at \(first)s of \(r.completed)s")
        }

        @Test func pcmStreamAndOpenAIStream() async throws {
            let server = try await ServerProcess.start(["--cache-mb", "0"])
            defer { Task { await server.kill() } }
            let r = try await server.post("/v1/tts", json: #"{"text": "\#(Texts.medium)", "stream": true, "format": "pcm"}"#)
            #expect(r.status == 200 && r.complete)
            #expect(r.body.prefix(4) != Array("RIFF".utf8)[...])
            #expect(PCM.rms(PCM.samples(r.body)) > 300)
            let o = try await server.post("/v1/audio/speech", json: #"{"model": "tts-1", "input": "\#(Texts.medium)", "voice": "echo", "stream": true}"#)
            #expect(o.status == 200 && o.complete)
            #expect(try #require(WAVFile(o.body)).dataSize == 0xFFFF_FFFF)
        }
    }
}
