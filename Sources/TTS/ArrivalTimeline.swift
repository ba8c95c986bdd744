/// Arrival times of body bytes and the real-time player model behind underrun and stalls.
///
/// The player starts the moment the first audio becomes playable and then consumes audio in real
/// time. `deadline` is the wall time at which it would run out of what has arrived so far; audio that
/// arrives after the deadline means the player waited (a stall) for `arrival - deadline`.
struct ArrivalTimeline {
    var mergeMicros: Int64
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

    init(mergeMicros: Int64) { self.mergeMicros = mergeMicros }

    mutating func reset() { self = ArrivalTimeline(mergeMicros: mergeMicros) }

    /// One delivery of body bytes at `at` (µs).
    mutating func delivery(at: Int64) {
        if deliveries == 0 {
            chunks = 1
        } else {
            // Clock steps backwards cannot make a negative gap.
            let gap = at > lastAt ? at &- lastAt : 0
            if gap > maxGap { maxGap = gap }
            if gap > mergeMicros { chunks += 1 }
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
