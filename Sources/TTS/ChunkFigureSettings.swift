/// What the chunk-level figures of a sample look for (docs/tts-measures.md, "Chunk-level figures"):
/// the plan's `measures: {ready_seconds, nth_chunk}`, the same for every request of a run so the
/// columns of all labels and steps compare.
public struct ChunkFigureSettings: Sendable, Equatable {
    /// Audio (µs of playable audio) that must have arrived for `audioReadyMicros`: "can playback
    /// start safely once this much is buffered".
    public var readyMicros: Int64
    /// Which chunk `nthChunkMicros` times (1-based, counted as `chunks` counts them).
    public var nthChunk: Int

    /// 1 s of audio and the 5th chunk: a player buffering a second is the common default, and by
    /// the 5th chunk a stream has left its start-up behind.
    public static let standard = ChunkFigureSettings(readyMicros: 1_000_000, nthChunk: 5)

    public init(readyMicros: Int64, nthChunk: Int) {
        self.readyMicros = readyMicros
        self.nthChunk = nthChunk
    }
}
