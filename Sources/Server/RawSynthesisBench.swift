/// espeak-ng's own capacity, without HTTP, pipes or queues: the baseline the server's
/// throughput is compared with in bench/server-capacity.sh.
public enum RawSynthesisBench {
    public struct Result: Sendable {
        public var count: Int
        public var seconds: Double
        public var audioSeconds: Double
    }

    /// Synthesizes `text` repeatedly in this process for about `seconds`.
    public static func run(text: String, seconds: Double, voice: String = "en-us") throws(SynthesisError) -> Result {
        let espeak = try EspeakSynthesizer()
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var samples = 0
        repeat {
            samples += try espeak.synthesize(text: text, voice: voice, prosody: .neutral) { _ in true }
            count += 1
        } while (clock.now - start).seconds < seconds
        return Result(count: count, seconds: (clock.now - start).seconds, audioSeconds: Double(samples) / Double(EspeakSynthesizer.sampleRate))
    }
}
