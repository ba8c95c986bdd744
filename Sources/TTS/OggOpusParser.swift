/// Streams an Ogg Opus body page by page, without decoding.
///
/// Duration is the last granule position of the first logical stream minus the OpusHead pre-skip,
/// at 48 kHz (Opus granules always count 48 kHz samples). Audio is playable a page at a time,
/// since a page's packets can only be trusted once the page is complete. Packets 0 and 1 are the
/// OpusHead and OpusTags headers; audio data starts with packet 2. Chained streams (a server
/// sending one Ogg Opus stream per sentence back to back: a new stream's first page after the
/// previous one's last) add up; other multiplexed streams are ignored.
struct OggOpusParser {
    private enum State: Equatable {
        case capture
        case segmentTable(count: Int)
        case body
        case broken
    }

    static let maxLeadingJunk = 65_536

    private var state = State.capture
    private var page = HeaderBytes(capacity: 27 + 255)
    private var head = HeaderBytes(capacity: 19)
    private var serial: UInt32?
    private var isOpus = false
    private var preSkip: Int64 = 0
    private var channels = 0
    private var packetIndex = 0
    private var junk = 0
    private var lastGranule: Int64?
    private var ended = false
    /// Samples of earlier links of a chained stream.
    private var earlierSamples: Int64 = 0
    private(set) var firstAudioAt: Int64?
    private var warning: String?

    // The page being read.
    private var pageIsOurs = false
    private var segmentCount = 0
    private var segmentIndex = 0
    private var segmentLeft = 0

    init() {}

    mutating func reset() {
        state = .capture
        page.clear()
        head.clear()
        serial = nil
        isOpus = false
        preSkip = 0
        channels = 0
        packetIndex = 0
        junk = 0
        lastGranule = nil
        ended = false
        earlierSamples = 0
        firstAudioAt = nil
        warning = nil
        pageIsOurs = false
        segmentCount = 0
        segmentIndex = 0
        segmentLeft = 0
    }

    /// Samples at 48 kHz after pre-skip up to the last complete page; capped far beyond any real
    /// stream so a corrupt granule cannot overflow the µs conversion.
    private var samples: Int64 {
        guard let g = lastGranule else { return 0 }
        return min(max(0, g - preSkip), 1 << 50)
    }

    var playableMicros: Int64 { SampleTime.micros(samples: earlierSamples &+ samples, rate: 48_000) }

    private mutating func fail(_ why: String) {
        if warning == nil { warning = why }
        state = .broken
    }

    mutating func consume(_ p: UnsafeRawBufferPointer, at: Int64, content: inout ContentMeter) {
        let n = p.count
        var i = 0
        while i < n {
            switch state {
            case .broken:
                return
            case .capture:
                guard page.fill(to: 27, from: p, &i, at: at) else { return }
                guard page.matches("OggS", at: 0), page[4] == 0 else {
                    // Lost sync: search for the next capture pattern one byte on.
                    page.dropFirst()
                    junk += 1
                    if serial == nil && junk > Self.maxLeadingJunk { fail("no Ogg page found") }
                    continue
                }
                state = .segmentTable(count: Int(page[26]))
            case .segmentTable(let count):
                guard page.fill(to: 27 + count, from: p, &i, at: at) else { return }
                let pageSerial = page.u32le(14)
                if serial == nil {
                    serial = pageSerial
                } else if pageSerial != serial && ended && page[5] & 0x02 != 0 {
                    // Chained: the previous link ended and this page begins the next one.
                    earlierSamples = min(earlierSamples + samples, 1 << 52)
                    serial = pageSerial
                    head.clear()
                    isOpus = false
                    preSkip = 0
                    packetIndex = 0
                    lastGranule = nil
                    ended = false
                }
                pageIsOurs = pageSerial == serial
                segmentCount = count
                segmentIndex = 0
                segmentLeft = count > 0 ? Int(page[27]) : 0
                state = .body
                readBody(p, &i, at: at, content: &content)
            case .body:
                readBody(p, &i, at: at, content: &content)
            }
        }
    }

    /// Reads segments of the current page as far as the bytes go; finishes the page when all are read
    /// (also when the last segments are empty and no byte is left).
    private mutating func readBody(_ p: UnsafeRawBufferPointer, _ i: inout Int, at: Int64, content: inout ContentMeter) {
        while segmentIndex < segmentCount {
            let take = min(segmentLeft, p.count - i)
            if take > 0 {
                if pageIsOurs { packetBytes(UnsafeRawBufferPointer(rebasing: p[i..<(i + take)]), at: at, content: &content) }
                i += take
                segmentLeft -= take
            }
            if segmentLeft > 0 { return }
            // A lacing value below 255 ends the packet.
            if pageIsOurs && page[27 + segmentIndex] < 255 {
                packetEnded()
                if state == .broken { return }
            }
            segmentIndex += 1
            if segmentIndex < segmentCount { segmentLeft = Int(page[27 + segmentIndex]) }
        }
        if pageIsOurs {
            // Granule -1 means no packet ends on this page.
            let g = Int64(bitPattern: page.u64le(6))
            if g >= 0 && packetIndex >= 2 { lastGranule = g }
            if page[5] & 0x04 != 0 { ended = true }
        }
        page.clear()
        state = .capture
    }

    private mutating func packetBytes(_ b: UnsafeRawBufferPointer, at: Int64, content: inout ContentMeter) {
        if packetIndex >= 2 {
            if firstAudioAt == nil { firstAudioAt = at }
            content.payload(b, pcm16: false)
        } else if packetIndex == 0 {
            var k = 0
            _ = head.fill(to: 19, from: b, &k, at: at)
        }
    }

    private mutating func packetEnded() {
        if packetIndex == 0 {
            guard head.count >= 19, head.matches("OpusHead", at: 0) else {
                fail(head.matches("\u{01}vorbis", at: 0) ? "Ogg Vorbis is not analysed (Opus only)" : "Ogg stream is not Opus")
                return
            }
            isOpus = true
            channels = Int(head[9])
            preSkip = Int64(head.u16le(10))
        }
        packetIndex += 1
    }

    func result() -> ParsedAudio {
        guard isOpus else {
            return ParsedAudio(warning: warning ?? (serial == nil ? "no Ogg page found" : "Ogg stream ended before OpusHead"))
        }
        var r = ParsedAudio(sampleRate: 48_000, channels: channels, warning: warning)
        r.seconds = Double(earlierSamples + samples) / 48_000
        // A page cut short means packets (and granules) that were promised never came.
        r.truncated = state != .capture || !page.isEmpty
        return r
    }
}
