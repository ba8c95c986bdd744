/// Streams a RIFF/WAVE (or RF64) body: walks chunks, reads `fmt ` and `ds64`, and counts `data` bytes.
///
/// Handles streaming headers whose data size is a placeholder rather than a claim (0, 0xFFFFFFFF,
/// espeak-ng's and libsndfile's 0x7FFFF000, and the "as long as possible" sizes servers write, such
/// as 0xFFFFFFFF - 36 or 0x7FFFFFFF): the data then runs to the end of the body, and a body cut
/// short is the transport's to report (a short Content-Length, a reset). Chunks before
/// `data` (LIST, fact, ...) are skipped by size, so an odd-sized chunk's pad byte is honoured.
/// WAV files sent back to back (a server streaming one WAV per sentence) are read as one stream:
/// a `RIFF` where a chunk should start begins the next file, and the durations add up.
struct WAVParser {
    private enum State: Equatable {
        case riff
        case chunkHeader
        case fmt(size: UInt64)
        case ds64(size: UInt64)
        case skip(UInt64)
        /// `remaining` nil: unknown length, data runs to the end of the body.
        case data(remaining: UInt64?, pad: Bool)
        case broken
    }

    /// Data sizes that mean "unknown, read to the end" rather than a real claim: 0, anything within
    /// 64 KiB below 4 GiB or 2 GiB (the largest sizes a 32-bit or signed 32-bit field holds, less a
    /// header), and anything over 4 hours of audio at the stream's layout (no TTS reply is that long;
    /// at 16 kHz 16-bit mono that is 460 MB). A size below all of these is believed, so a body that
    /// ends before it is truncated.
    static func isStreamingSize(_ size: UInt32, layout: PCMLayout?) -> Bool {
        let margin: UInt32 = 65_536
        if size == 0 || size >= UInt32.max - margin || (size >= 0x8000_0000 - margin && size < 0x8000_0000) { return true }
        guard let layout else { return false }
        let bytesPerSecond = UInt64(layout.sampleRate) * UInt64(layout.blockAlign)
        return UInt64(size) > bytesPerSecond * 4 * 3_600
    }

    private var state = State.riff
    private var header = HeaderBytes(capacity: 64)
    private var isRF64 = false
    private var ds64DataSize: UInt64?
    private var fallback: PCMLayout?
    private(set) var layout: PCMLayout?
    private var sawFmt = false
    private var sawData = false
    private var dataBytes = 0
    /// Audio of earlier files (or of an earlier fmt) in a back-to-back stream.
    private var earlierMicros: Int64 = 0
    private var earlierSeconds = 0.0
    private var earlierCut = false
    private(set) var firstAudioAt: Int64?
    private var warning: String?

    init() {}

    mutating func reset(fallback: PCMLayout?) {
        state = .riff
        header.clear()
        isRF64 = false
        ds64DataSize = nil
        self.fallback = fallback
        layout = nil
        sawFmt = false
        sawData = false
        dataBytes = 0
        earlierMicros = 0
        earlierSeconds = 0
        earlierCut = false
        firstAudioAt = nil
        warning = nil
    }

    /// Audio that has fully arrived, in µs.
    var playableMicros: Int64 { earlierMicros + (layout.map { $0.micros(dataBytes) } ?? 0) }

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
            case .riff:
                guard header.fill(to: 12, from: p, &i, at: at) else { return }
                guard header.matches("RIFF", at: 0) || header.matches("RF64", at: 0), header.matches("WAVE", at: 8) else {
                    fail("not a RIFF/WAVE header")
                    return
                }
                isRF64 = header.matches("RF64", at: 0)
                ds64DataSize = nil
                header.clear()
                state = .chunkHeader
            case .chunkHeader:
                guard header.fill(to: 8, from: p, &i, at: at) else { return }
                let size32 = header.u32le(4)
                let size = UInt64(size32)
                if header.matches("RIFF", at: 0) || header.matches("RF64", at: 0) {
                    // The next file of a back-to-back stream: keep the 8 bytes, read "WAVE".
                    state = .riff
                    continue
                }
                if header.matches("fmt ", at: 0) {
                    state = .fmt(size: size)
                } else if header.matches("ds64", at: 0) {
                    state = .ds64(size: size)
                } else if header.matches("data", at: 0) {
                    startData(size32)
                } else {
                    state = size == 0 ? .chunkHeader : .skip(size + (size & 1))
                }
                header.clear()
            case .fmt(let size):
                let want = Int(min(size, 40))
                guard header.fill(to: want, from: p, &i, at: at) else { return }
                parseFmt(header, size: want)
                header.clear()
                let rest = size - UInt64(want) + (size & 1)
                if state != .broken { state = rest == 0 ? .chunkHeader : .skip(rest) }
            case .ds64(let size):
                let want = Int(min(size, 28))
                guard header.fill(to: want, from: p, &i, at: at) else { return }
                if want >= 16 { ds64DataSize = header.u64le(8) }
                header.clear()
                let rest = size - UInt64(want) + (size & 1)
                state = rest == 0 ? .chunkHeader : .skip(rest)
            case .skip(let left):
                let take = Int(min(left, UInt64(n - i)))
                i += take
                let remaining = left - UInt64(take)
                state = remaining == 0 ? .chunkHeader : .skip(remaining)
            case .data(let remaining, let pad):
                let take = remaining.map { Int(min($0, UInt64(n - i))) } ?? (n - i)
                if take > 0 {
                    if firstAudioAt == nil { firstAudioAt = at }
                    content.payload(UnsafeRawBufferPointer(rebasing: p[i..<(i + take)]), pcm16: layout?.isS16 ?? false)
                    dataBytes += take
                    i += take
                }
                if let remaining {
                    let left = remaining - UInt64(take)
                    if left == 0 {
                        state = pad ? .skip(1) : .chunkHeader
                    } else {
                        state = .data(remaining: left, pad: pad)
                    }
                }
            }
        }
    }

    private mutating func startData(_ size32: UInt32) {
        sawData = true
        if layout == nil {
            if let fallback {
                layout = fallback
                if !sawFmt { warning = warning ?? "WAV has no fmt chunk before data; used target.audio" }
            } else if !sawFmt {
                // (With a fmt chunk, parseFmt already said why it gave no layout.)
                warning = warning ?? "WAV has no fmt chunk before data"
            }
        }
        if isRF64 && size32 == 0xFFFF_FFFF, let big = ds64DataSize, big > 0 {
            state = .data(remaining: big, pad: big & 1 == 1)
        } else if Self.isStreamingSize(size32, layout: layout) {
            state = .data(remaining: nil, pad: false)
        } else {
            state = .data(remaining: UInt64(size32), pad: size32 & 1 == 1)
        }
    }

    private mutating func parseFmt(_ h: HeaderBytes, size: Int) {
        sawFmt = true
        // A new fmt after audio (the next file of a back-to-back stream): bank what the old layout gave.
        if let layout, dataBytes > 0 {
            earlierMicros += layout.micros(dataBytes)
            earlierSeconds += layout.seconds(dataBytes)
            earlierCut = earlierCut || dataBytes % layout.blockAlign != 0
            dataBytes = 0
        }
        layout = nil
        guard size >= 16 else {
            warning = warning ?? "WAV fmt chunk too short (\(size) bytes)"
            return
        }
        let tag = h.u16le(0)
        let channels = h.u16le(2)
        let rate = Int(h.u32le(4))
        let blockAlign = h.u16le(12)
        let bits = h.u16le(14)
        // WAVE_FORMAT_EXTENSIBLE: the real encoding is the first two bytes of the SubFormat GUID.
        let code = tag == 0xFFFE && size >= 26 ? h.u16le(24) : tag
        guard (1...64).contains(channels), (1...1_000_000).contains(rate), (1...64).contains(bits) else {
            warning = warning ?? "WAV fmt chunk invalid (channels \(channels), rate \(rate), bits \(bits))"
            return
        }
        // PCM, IEEE float, A-law, mu-law: fixed bytes per frame, so bytes give seconds exactly.
        guard code == 1 || code == 3 || code == 6 || code == 7 else {
            warning = warning ?? "WAV encoding 0x\(String(code, radix: 16)) not analysed (PCM, float, A-law, mu-law only)"
            return
        }
        let align = blockAlign > 0 ? blockAlign : channels * ((bits + 7) / 8)
        layout = PCMLayout(sampleRate: rate, channels: channels, blockAlign: align,
                           isS16: code == 1 && bits == 16 && align == 2 * channels)
    }

    func result() -> ParsedAudio {
        var r = ParsedAudio(sampleRate: layout?.sampleRate, channels: layout?.channels, warning: warning)
        if state == .broken { r.sampleRate = nil; r.channels = nil; return r }
        guard let layout else {
            if warning == nil { r.warning = sawData ? "WAV format unknown" : "WAV ended before its fmt chunk" }
            r.truncated = !sawData
            return r
        }
        guard sawData else {
            r.seconds = 0
            r.truncated = true
            r.warning = warning ?? "WAV ended before its data chunk"
            return r
        }
        r.seconds = earlierSeconds + layout.seconds(dataBytes)
        if case .data(let remaining, _) = state, let remaining, remaining > 0 { r.truncated = true }
        if dataBytes % layout.blockAlign != 0 || earlierCut { r.truncated = true }
        return r
    }
}
