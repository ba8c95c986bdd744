/// What one response's audio looked like to a listener; see docs/tts-measures.md for exact definitions.
///
/// Fields that need the container understood (`sampleRate`, `audioSeconds`, `rtf`, ...) are nil when the
/// format is unknown or broken; `warning` then says why. Timing fields are in microseconds.
public struct AudioMeasures: Sendable, Equatable {
    /// The container found in the body.
    public var format: AudioKind
    public var sampleRate: Int?
    public var channels: Int?
    /// Seconds of audio delivered (not claimed): whole PCM frames, whole MP3 frames, Opus granules.
    public var audioSeconds: Double?
    /// Request start to the arrival of the first byte of audio data (not of a WAV/ID3/Ogg header).
    public var ttfaMicros: Int64?
    /// Body deliveries, with deliveries closer than `AudioStreamAnalyzer.chunkMergeMicros` counted as one.
    public var chunks: Int
    /// The largest interval between two consecutive deliveries of body bytes.
    public var maxGapMicros: Int64
    /// Every gap between two chunks (µs, in arrival order): the silence before chunk 2, 3, ...;
    /// empty for a reply in one chunk.
    public var chunkGapsMicros: [Int64]
    /// Request start to the start of chunk `ChunkFigureSettings.nthChunk`; nil with fewer chunks.
    public var nthChunkMicros: Int64?
    /// Request start to when `ChunkFigureSettings.readyMicros` of audio was playable: a player
    /// buffering that much could start then. nil when the reply held less audio.
    public var audioReadyMicros: Int64?
    /// Total time a real-time player starting at the first playable audio would have waited for data.
    public var underrunMicros: Int64
    /// How many times that player ran dry.
    public var stalls: Int
    /// Request start to the last body byte.
    public var elapsedMicros: Int64
    /// Real-time factor: elapsed / audio seconds (below 1 is faster than real time).
    public var rtf: Double?
    /// Body bytes received, headers included.
    public var bodyBytes: Int
    /// Bytes of audio payload (WAV data, MP3 audio frames, Opus audio packets, all of raw PCM).
    public var audioBytes: Int
    /// Body bytes per second of audio.
    public var bytesPerAudioSecond: Double?
    /// The container claimed more audio than arrived (WAV data size, Xing/VBRI frame count, a cut frame or page).
    public var truncated: Bool
    /// Root mean square of 16-bit PCM samples, 0...1 (full scale = 1); nil for other encodings or when not measured.
    public var rms: Double?
    /// A 64-bit hash of the audio payload; 0 when content was not measured.
    public var digest: UInt64
    /// Why audio fields are empty or doubtful (unknown format, broken header); nil when all is well.
    public var warning: String?

    public init(
        format: AudioKind = .unknown, sampleRate: Int? = nil, channels: Int? = nil, audioSeconds: Double? = nil,
        ttfaMicros: Int64? = nil, chunks: Int = 0, maxGapMicros: Int64 = 0, chunkGapsMicros: [Int64] = [],
        nthChunkMicros: Int64? = nil, audioReadyMicros: Int64? = nil, underrunMicros: Int64 = 0, stalls: Int = 0,
        elapsedMicros: Int64 = 0, rtf: Double? = nil, bodyBytes: Int = 0, audioBytes: Int = 0,
        bytesPerAudioSecond: Double? = nil, truncated: Bool = false, rms: Double? = nil, digest: UInt64 = 0,
        warning: String? = nil
    ) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.audioSeconds = audioSeconds
        self.ttfaMicros = ttfaMicros
        self.chunks = chunks
        self.maxGapMicros = maxGapMicros
        self.chunkGapsMicros = chunkGapsMicros
        self.nthChunkMicros = nthChunkMicros
        self.audioReadyMicros = audioReadyMicros
        self.underrunMicros = underrunMicros
        self.stalls = stalls
        self.elapsedMicros = elapsedMicros
        self.rtf = rtf
        self.bodyBytes = bodyBytes
        self.audioBytes = audioBytes
        self.bytesPerAudioSecond = bytesPerAudioSecond
        self.truncated = truncated
        self.rms = rms
        self.digest = digest
        self.warning = warning
    }

    /// RTFx, the inverse of RTF: seconds of audio per second of waiting.
    public var rtfx: Double? {
        guard let rtf, rtf > 0 else { return nil }
        return 1 / rtf
    }

    /// Characters of input text per second of elapsed time; nil when nothing elapsed.
    public func charactersPerSecond(characters: Int) -> Double? {
        guard elapsedMicros > 0 else { return nil }
        return Double(characters) * 1_000_000 / Double(elapsedMicros)
    }
}
