/// Measures a TTS response body as it streams in, without decoding audio.
///
/// One per in-flight request, fed from the HTTP client's write callback; reusable with `reset`.
/// `feed` is the hot path: O(bytes), no Foundation, and no allocation beyond buffers reserved at
/// `init` (header bytes never exceed a few hundred). Not thread-safe: one request, one thread.
public final class AudioStreamAnalyzer {
    /// Deliveries closer together than this count as one chunk: an HTTP client hands one network
    /// read to its callback in pieces, and a non-streaming reply should count as one chunk.
    public static let defaultChunkMergeMicros: Int64 = 2_000

    private enum Stage { case sniffing, wav, pcm, mp3, ogg, unknown }

    private var expectation: AudioExpectation
    private var stage = Stage.sniffing
    private var sniff = HeaderBytes(capacity: 4)
    private var wav = WAVParser()
    private var mp3 = MP3Parser()
    private var ogg = OggOpusParser()
    private var pcm = RawPCMCounter()
    private var content: ContentMeter
    private var timeline: ArrivalTimeline
    private var bodyBytes = 0
    private var unknownWarning: String?

    /// - Parameters:
    ///   - expectation: what the request asked for and what the plan forces.
    ///   - measureContent: hash the audio payload (for `distinct`) and take its RMS (for `non_silent`);
    ///     one extra pass over each audio byte, nothing is stored.
    ///   - chunkMergeMicros: see `defaultChunkMergeMicros`.
    ///   - chunkFigures: which chunk `nthChunkMicros` times and how much audio `audioReadyMicros` waits for.
    public init(expectation: AudioExpectation = .sniff, measureContent: Bool = true,
                chunkMergeMicros: Int64 = AudioStreamAnalyzer.defaultChunkMergeMicros,
                chunkFigures: ChunkFigureSettings = .standard) {
        self.expectation = expectation
        content = ContentMeter(enabled: measureContent)
        timeline = ArrivalTimeline(mergeMicros: chunkMergeMicros, settings: chunkFigures)
        reset(expectation: expectation, measureContent: measureContent)
    }

    /// Which chunk `nthChunkMicros` times and how much audio `audioReadyMicros` waits for; takes
    /// effect from the next `reset`'s body on (set it between requests).
    public var chunkFigures: ChunkFigureSettings {
        get { timeline.settings }
        set { timeline.settings = newValue }
    }

    /// Prepares for the next request, keeping buffers.
    public func reset(expectation: AudioExpectation, measureContent: Bool) {
        self.expectation = expectation
        content.reset(enabled: measureContent)
        timeline.reset()
        sniff.clear()
        bodyBytes = 0
        unknownWarning = nil
        // The parsers are reset when one is chosen for a body (`start`), not here: resetting all
        // four per request was 1% of the engine's CPU at 25k req/s, and most bodies need one or none.
        stage = .sniffing
        // Raw PCM has no magic to sniff, and its first bytes are already audio.
        if expectation.isForcedPCM { start(.pcm) }
    }

    /// Enters `stage` with its parser reset for this body.
    private func start(_ next: Stage) {
        let forcedLayout = expectation.forced.flatMap(PCMLayout.init)
        switch next {
        case .wav: wav.reset(fallback: forcedLayout)
        case .mp3: mp3.reset()
        case .ogg: ogg.reset()
        case .pcm: pcm.reset(layout: forcedLayout)
        case .sniffing, .unknown: break
        }
        stage = next
    }

    /// Body bytes that arrived at `at` (µs on the same monotonic clock as `finish`'s arguments).
    public func feed(_ bytes: UnsafeRawBufferPointer, at: Int64) {
        guard bytes.count > 0 else { return }
        bodyBytes += bytes.count
        timeline.delivery(at: at)
        var rest = bytes
        if stage == .sniffing {
            var i = 0
            guard sniff.fill(to: 4, from: bytes, &i, at: at) else { return }
            choose()
            // The sniffed bytes go to the chosen parser with the time the first of them arrived.
            let firstAt = sniff.firstAt
            sniff.withBytes { route($0, at: firstAt) }
            rest = UnsafeRawBufferPointer(rebasing: bytes[i...])
        }
        route(rest, at: at)
        observe(at: at)
    }

    private func route(_ p: UnsafeRawBufferPointer, at: Int64) {
        guard p.count > 0 else { return }
        switch stage {
        case .wav: wav.consume(p, at: at, content: &content)
        case .mp3: mp3.consume(p, at: at, content: &content)
        case .ogg: ogg.consume(p, at: at, content: &content)
        case .pcm: pcm.consume(p, at: at, content: &content)
        case .sniffing, .unknown: break
        }
    }

    /// Passes the parser's progress to the player model.
    private func observe(at: Int64) {
        let first: Int64?
        let playable: Int64
        switch stage {
        case .wav: (first, playable) = (wav.firstAudioAt, wav.playableMicros)
        case .mp3: (first, playable) = (mp3.firstAudioAt, mp3.playableMicros)
        case .ogg: (first, playable) = (ogg.firstAudioAt, ogg.playableMicros)
        case .pcm: (first, playable) = (pcm.firstAudioAt, pcm.playableMicros)
        case .sniffing, .unknown: return
        }
        if let first { timeline.audioStarted(at: first) }
        timeline.playable(total: playable, at: at)
    }

    /// Picks the parser from the first (up to 4) bytes and the expectation.
    private func choose() {
        let s = sniff
        let isRIFF = s.matches("RIFF", at: 0) || s.matches("RF64", at: 0)
        let isOgg = s.matches("OggS", at: 0)
        let isMPEG = s.matches("ID3", at: 0) || (s.count >= 4 && MPEGFrameHeader(s[0], s[1], s[2], s[3]) != nil)
        let requested = expectation.requestedKind
        if isRIFF {
            start(.wav)
        } else if isOgg {
            start(.ogg)
        } else if requested == .pcm {
            // A PCM sample may look like an MPEG sync word; only a 4-byte magic overrides the request.
            start(.pcm)
        } else if isMPEG {
            start(.mp3)
        } else {
            // The warning text is built in `finish`, only when someone asks: a non-audio reply (an
            // HTML or JSON page in a raw plan) lands here on every request, and formatting it here
            // cost 4.6% of the engine's CPU at 29k req/s (perf, bench/engine-vs-wrk.sh).
            stage = .unknown
        }
    }

    /// Why the body was not recognised, from the sniffed bytes and the expectation.
    private func unknownFormatWarning() -> String {
        let first = (0..<sniff.count).map { hex(sniff[$0]) }.joined(separator: " ")
        let requested = expectation.requestedKind
        if let forced = expectation.forced {
            return "expected \(forced.format.rawValue) (target.audio), body starts with \(first)"
        } else if let asked = expectation.requestedFormat, requested == nil {
            return "format '\(asked)' is not analysed (wav, pcm, mp3, opus)"
        } else if let requested {
            return "expected \(requested.rawValue), body starts with \(first)"
        } else {
            return "unrecognised audio format, body starts with \(first)"
        }
    }

    private func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// The measures of the body fed so far.
    /// - Parameters:
    ///   - requestStart: when the request was sent (µs, same clock as `feed`).
    ///   - end: when the last body byte arrived.
    public func finish(requestStart: Int64, end: Int64) -> AudioMeasures {
        if stage == .sniffing {
            if bodyBytes == 0 {
                stage = .unknown
                unknownWarning = "empty body"
            } else {
                // Fewer than 4 bytes in all: decide on what there is.
                choose()
                let firstAt = sniff.firstAt
                sniff.withBytes { route($0, at: firstAt) }
                observe(at: timeline.lastAt)
            }
        }
        let kind: AudioKind
        let parsed: ParsedAudio
        switch stage {
        case .wav: (kind, parsed) = (.wav, wav.result())
        case .mp3: (kind, parsed) = (.mp3, mp3.result())
        case .ogg: (kind, parsed) = (.opus, ogg.result())
        case .pcm: (kind, parsed) = (.pcm, pcm.result())
        case .sniffing, .unknown: (kind, parsed) = (.unknown, ParsedAudio(warning: unknownWarning ?? unknownFormatWarning()))
        }
        var m = AudioMeasures(format: kind)
        m.sampleRate = parsed.sampleRate
        m.channels = parsed.channels
        m.audioSeconds = parsed.seconds
        m.truncated = parsed.truncated
        m.warning = parsed.warning
        m.chunks = timeline.chunks
        m.maxGapMicros = timeline.maxGap
        // One array per streamed reply, made here and not per chunk (a reply in one chunk has none).
        // A copy, not the timeline's buffer: sharing it would make the next `reset` allocate.
        let gaps = timeline.gaps
        if !gaps.isEmpty {
            m.chunkGapsMicros = [Int64](unsafeUninitializedCapacity: gaps.count) { out, n in
                _ = out.initialize(from: gaps)
                n = gaps.count
            }
        }
        m.nthChunkMicros = timeline.nthChunkAt.map { $0 &- requestStart }
        m.audioReadyMicros = timeline.readyAt.map { $0 &- requestStart }
        m.underrunMicros = timeline.underrun
        m.stalls = timeline.stalls
        // Wrapping subtraction: absurd timestamps give absurd figures, never a trap in the engine.
        m.ttfaMicros = timeline.firstAudioAt.map { $0 &- requestStart }
        m.elapsedMicros = end &- requestStart
        m.bodyBytes = bodyBytes
        m.audioBytes = content.bytes
        if let seconds = parsed.seconds, seconds > 0 {
            m.rtf = Double(m.elapsedMicros) / 1_000_000 / seconds
            m.bytesPerAudioSecond = Double(bodyBytes) / seconds
        }
        m.rms = content.rms
        m.digest = content.bytes > 0 ? content.digestValue : 0
        return m
    }
}
