/// Arrival times of body bytes and the real-time player model behind underrun and stalls.
///
/// The player starts the moment the first audio becomes playable and then consumes audio in real
/// time. `deadline` is the wall time at which it would run out of what has arrived so far; audio that
/// arrives after the deadline means the player waited (a stall) for `arrival - deadline`.
///
/// It also keeps the chunk-level figures: every gap between two chunks (a delivery more than
/// `mergeMicros` after the previous one starts a chunk; the gap is the silence before it), when
/// the `nthChunk`-th chunk started and when `readyMicros` of audio had become playable.
struct ArrivalTimeline {
    var mergeMicros: Int64
    var settings: ChunkFigureSettings
    private(set) var deliveries = 0
    private(set) var chunks = 0
    private(set) var lastAt: Int64 = 0
    private(set) var maxGap: Int64 = 0
    private(set) var firstAudioAt: Int64?

    private var playing = false
    private var deadline: Int64 = 0
    private var playable: Int64 = 0
    private(set) var underrun: Int64 = 0
    private(set) var stalls = 0

    /// The gaps (µs) before chunk 2, 3, ...: a buffer kept across `reset`, so once it has grown to
    /// the longest stream seen, recording a gap never allocates (AllocationTests).
    private(set) var gaps: [Int64] = []
    /// When chunk `settings.nthChunk` started, and when `settings.readyMicros` of audio was playable.
    private(set) var nthChunkAt: Int64?
    private(set) var readyAt: Int64?

    init(mergeMicros: Int64, settings: ChunkFigureSettings = .standard) {
        self.mergeMicros = mergeMicros
        self.settings = settings
        // 64 gaps cover a few seconds of typical streaming; longer streams grow it once.
        gaps.reserveCapacity(64)
    }

    mutating func reset() {
        deliveries = 0
        chunks = 0
        lastAt = 0
        maxGap = 0
        firstAudioAt = nil
        playing = false
        deadline = 0
        playable = 0
        underrun = 0
        stalls = 0
        gaps.removeAll(keepingCapacity: true)
        nthChunkAt = nil
        readyAt = nil
    }

    /// One delivery of body bytes at `at` (µs).
    mutating func delivery(at: Int64) {
        if deliveries == 0 {
            chunks = 1
            if settings.nthChunk == 1 { nthChunkAt = at }
        } else {
            // Clock steps backwards cannot make a negative gap.
            let gap = at > lastAt ? at &- lastAt : 0
            if gap > maxGap { maxGap = gap }
            if gap > mergeMicros {
                chunks += 1
                gaps.append(gap)
                if chunks == settings.nthChunk { nthChunkAt = at }
            }
        }
        deliveries += 1
        lastAt = at
    }

    /// The first audio byte arrived at `at` (only the first call counts).
    mutating func audioStarted(at: Int64) {
        if firstAudioAt == nil { firstAudioAt = at }
    }

    /// Total playable audio (µs) is now `total` as of `at`; a non-increase changes nothing.
    mutating func playable(total: Int64, at: Int64) {
        guard total > playable else { return }
        let added = total - playable
        playable = total
        if readyAt == nil && total >= settings.readyMicros { readyAt = at }
        if !playing {
            playing = true
            deadline = at &+ added
            return
        }
        if at > deadline {
            underrun &+= at &- deadline
            stalls += 1
            deadline = at &+ added
        } else {
            deadline &+= added
        }
    }
}
