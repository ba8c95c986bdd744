import Foundation
import Server
import Testing
import Plan

extension ServerIntegration {
    @Suite struct Fuzz {
        /// A few thousand random and mutated JSON bodies: never a crash, never a hang, never a
        /// 5xx; and with the cache off, memory after the fuzz stays within 10 MB of memory after
        /// a 200-request warm-up.
        @Test func randomAndMutatedBodiesNeverBreakTheServer() async throws {
            let server = try await ServerProcess.start(["--cache-mb", "0", "--queue", "256"])
            defer { Task { await server.kill() } }
            var rng = SeededRandom(seed: 0x7715_10AD)

            for i in 0..<200 {
                let r = try await server.post("/v1/tts", json: #"{"text": "Warm-up request number \#(i)."}"#)
                #expect(r.status == 200)
            }
            let warm = ProcessMemory.residentBytes(pid: server.pid)

            let bodies = (0..<3000).map { _ in FuzzBody.make(&rng) }
            var statuses: [Int: Int] = [:]
            let lanes = 2
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for lane in 0..<lanes {
                    let mine = stride(from: lane, to: bodies.count, by: lanes).map { bodies[$0] }
                    group.addTask {
                        var codes: [Int] = []
                        for (n, body) in mine.enumerated() {
                            let route = n % 3 == 0 ? "/v1/audio/speech" : "/v1/tts"
                            let r = try await HTTPClient.request(
                                port: server.port, method: "POST", path: route, body: body, timeout: .seconds(15))
                            codes.append(r.status)
                        }
                        return codes
                    }
                }
                var all: [Int] = []
                for try await codes in group { all += codes }
                return all
            }
            for code in results { statuses[code, default: 0] += 1 }
            #expect(results.count == bodies.count)
            #expect(Set(statuses.keys).isSubset(of: [200, 400, 413]), "statuses \(statuses)")
            #expect(statuses[400] ?? 0 > 1000, "most fuzz bodies are invalid: \(statuses)")
            #expect(try await server.get("/healthz").status == 200)
            #expect(try await server.metric("tts_worker_restarts_total") == 0)

            let after = ProcessMemory.residentBytes(pid: server.pid)
            #expect(after - warm < 10 << 20, "RSS \(warm) -> \(after) bytes")
        }
    }
}

/// Bodies for the fuzz test: random bytes, mutated valid requests, and valid JSON of the wrong shape.
enum FuzzBody {
    static let seeds: [String] = [
        #"{"text": "Hello fuzz.", "emotion": "happy", "emotion_intensity": 0.5, "voice": "en-us", "speed": 1.2, "format": "wav", "stream": false}"#,
        #"{"model": "tts-1", "input": "Hello fuzz.", "voice": "alloy", "response_format": "pcm", "speed": 1.0, "instructions": "calm"}"#,
        #"{"text": "你好", "voice": "cmn", "stream": true}"#,
        #"{"model": "gpt-4o-mini-tts", "input": "Hello events.", "voice": "nova", "response_format": "wav", "stream_format": "sse"}"#,
    ]
    static let keys = ["text", "input", "emotion", "emotion_intensity", "voice", "speed", "format", "response_format", "stream", "model", "instructions", "stream_format"]

    static func make(_ rng: inout SeededRandom) -> [UInt8] {
        switch rng.next() % 6 {
        case 0: return randomBytes(&rng)
        case 1, 2: return mutate(Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8), &rng)
        case 3: return Array(wrongShape(&rng).utf8)
        case 4: return Array(nested(&rng).utf8)
        default: return truncate(Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8), &rng)
        }
    }

    static func randomBytes(_ rng: inout SeededRandom) -> [UInt8] {
        (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func mutate(_ seed: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + Int(rng.next() % 6)) where !bytes.isEmpty {
            let i = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 4 {
            case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(Array(#"{}[]",:\"0-e.9tnf"#.utf8)[Int(rng.next() % 17)], at: i)
            default: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + Int(rng.next() % 20))], at: i)
            }
        }
        return bytes
    }

    static func truncate(_ seed: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        Array(seed.prefix(Int(rng.next() % UInt64(seed.count))))
    }

    static func value(_ rng: inout SeededRandom) -> String {
        switch rng.next() % 10 {
        case 0: return "null"
        case 1: return rng.next() % 2 == 0 ? "true" : "false"
        case 2: return String(Double(Int64(bitPattern: rng.next())) / 1e9)
        case 3: return "1e999"
        case 4: return "-0"
        case 5: return #""\u0000\ud800 ünïcödé 🎙""#
        case 6: return "[\(value(&rng))]"
        case 7: return #"{"k": \#(value(&rng))}"#
        case 8: return #"["happy", "sad"]"#
        default: return #""\#(String(repeating: "x", count: Int(rng.next() % 50)))""#
        }
    }

    static func wrongShape(_ rng: inout SeededRandom) -> String {
        let fields = (0..<Int(rng.next() % 6)).map { _ in
            #""\#(keys[Int(rng.next() % UInt64(keys.count))])": \#(value(&rng))"#
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func nested(_ rng: inout SeededRandom) -> String {
        let depth = Int(rng.next() % 200)
        return String(repeating: #"{"text":["#, count: depth) + String(repeating: "]}", count: depth)
    }
}
