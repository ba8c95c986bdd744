import ArgumentParser
import Foundation
import Results

/// `ttsload store-bench` (hidden): how fast a run's samples go into the store, without the load.
/// `ttsload run` hands the store each batch the recorder drains (four times a second); this feeds
/// `ResultStore.addSamples` synthetic batches of that kind and times those calls alone.
/// bench/store-ingest.sh runs it.
struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-bench", abstract: "Time ResultStore.addSamples with synthetic samples (bench/store-ingest.sh).",
        shouldDisplay: false)

    @Option(help: "Samples to add.")
    var samples = 1_000_000

    @Option(help: "Samples per addSamples call (a drained batch; 2,500 is 10,000 req/s drained 4 times a second).")
    var batch = 2_500

    @Option(help: "The SQLite store (a new file is best).")
    var store: String

    func run() throws {
        let resultStore = try ResultStore(path: store)
        let t0: Int64 = 1_700_000_000_000_000
        let id = try resultStore.beginRun(ResultStore.RunInfo(planName: "store-bench", startedMicros: t0,
                                                              toolVersion: TTSLoadVersion.described))
        let labels = ["neutral-short", "happy-short", "sad-medium", "angry-long", "calm, quoted \"label\""]
        var timed: Duration = .zero
        let clock = ContinuousClock()
        var made = 0
        var state: UInt64 = 1
        while made < samples {
            let n = min(batch, samples - made)
            var chunk: [Sample] = []
            chunk.reserveCapacity(n)
            for i in made..<(made + n) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let elapsed = Int64(5_000 + (state >> 33) % 400_000)
                let ok = (state >> 20) % 50 != 0
                let audio = AudioFigures(format: "wav", audioSeconds: 1.0 + Double(i % 7) * 0.3, ttfa: elapsed / 3, chunks: 4,
                                         maxGap: 0, underrun: 0, stalls: 0, rtf: Double(elapsed) / 1e6, characters: 42, truncated: false)
                // 4,000 samples per second of run time, as a busy run records them.
                chunk.append(Sample(start: t0 + Int64(i) * 250, elapsed: elapsed, latency: elapsed / 3, bytesReceived: 48_044,
                                    bytesSent: 310, bodyBytes: 48_000, status: ok ? 200 : 503,
                                    responseMessage: ok ? "OK" : "Service Unavailable", contentType: "audio/wav", success: ok,
                                    failureMessage: ok ? "" : "status 503, expected 200", errorClass: ok ? nil : .checkFailed,
                                    label: labels[i % labels.count], groupName: "tts", userNumber: i % 200 + 1,
                                    groupThreads: 200, allThreads: 200, url: "http://127.0.0.1:8080/v1/tts", audio: audio))
            }
            let start = clock.now
            try resultStore.addSamples(chunk, run: id)
            timed += clock.now - start
            made += n
        }
        try resultStore.finishRun(id, status: .complete, endedMicros: t0 + Int64(samples) * 250)
        let seconds = Double(timed.components.seconds) + Double(timed.components.attoseconds) / 1e18
        print(String(format: "%d samples in %.2f s of addSamples = %.0f samples/s", samples, seconds, Double(samples) / seconds))
    }
}
