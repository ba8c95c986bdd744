import Foundation
import Testing

extension ServerIntegration {
    @Suite struct Metrics {
        static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

        @Test func everyDocumentedSeriesIsExposed() async throws {
            let server = try await ServerProcess.start(["--model-latency", "base=1ms"])
            defer { Task { await server.kill() } }
            _ = try await server.post("/v1/tts", json: #"{"text": "metrics"}"#)
            _ = try await server.post("/v1/tts", json: #"{"text": ""}"#)
            let r = try await server.get("/metrics")
            #expect(r.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            for name in [
                "tts_requests_total", "tts_rejected_total", "tts_queue_depth", "tts_inflight", "tts_workers",
                "tts_worker_restarts_total", "tts_batch_size", "tts_synthesis_seconds", "tts_queue_wait_seconds",
                "tts_cache_hits_total", "tts_cache_misses_total", "tts_cache_bytes", "tts_cache_entries",
                "tts_model_enabled", "tts_model_simulated_seconds", "tts_leaked_bytes", "process_resident_memory_bytes",
            ] {
                #expect(r.text.contains("# TYPE \(name) "), "\(name) missing")
            }
            #expect(r.text.contains(#"tts_requests_total{route="/v1/tts",code="400"} 1"#))
            #expect(try await server.metric("process_resident_memory_bytes") ?? 0 > 1_000_000)
        }

        /// `promtool check metrics` (Debian's prometheus package; bench/server-metrics-check.sh
        /// installs it) accepts the exposition.
        @Test(.enabled(if: promtool != nil, "promtool not installed (apt-get install prometheus)"))
        func promtoolAcceptsTheExposition() async throws {
            let server = try await ServerProcess.start(["--model-latency", "base=1ms"])
            defer { Task { await server.kill() } }
            _ = try await server.post("/v1/tts", json: #"{"text": "metrics"}"#)
            let text = try await server.get("/metrics").body
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(Self.promtool))
            process.arguments = ["check", "metrics"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text))
            try input.fileHandleForWriting.close()
            let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "promtool: \(report)")
        }
    }
}
