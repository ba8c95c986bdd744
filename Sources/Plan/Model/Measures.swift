/// `measures:` in a plan: what the chunk-level figures of every streamed sample look for
/// (docs/plan.md, docs/tts-measures.md). One setting per run, not per group, so `audio_ready_ms`
/// and `chunk_n_ms` mean the same in every label, step and A/B side of it.
public struct Measures: Sendable, Equatable {
    /// Seconds of audio `audio_ready_ms` waits for (a player that buffers this much first).
    public var readySeconds: Double
    /// Which chunk `chunk_n_ms` times (1-based).
    public var nthChunk: Int

    public init(readySeconds: Double = 1.0, nthChunk: Int = 5) {
        self.readySeconds = readySeconds
        self.nthChunk = nthChunk
    }
}
