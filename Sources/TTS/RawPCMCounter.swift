/// A raw PCM body: every byte is audio, laid out as the plan's `target.audio` says.
struct RawPCMCounter {
    private(set) var layout: PCMLayout?
    private var bytes = 0
    private(set) var firstAudioAt: Int64?

    mutating func reset(layout: PCMLayout?) {
        self.layout = layout
        bytes = 0
        firstAudioAt = nil
    }

    var playableMicros: Int64 { layout.map { $0.micros(bytes) } ?? 0 }

    mutating func consume(_ p: UnsafeRawBufferPointer, at: Int64, content: inout ContentMeter) {
        guard p.count > 0 else { return }
        if firstAudioAt == nil { firstAudioAt = at }
        bytes += p.count
        content.payload(p, pcm16: layout?.isS16 ?? false)
    }

    func result() -> ParsedAudio {
        guard let layout else {
            return ParsedAudio(warning: "raw PCM needs target.audio (sample rate, channels, sample width) to be measured")
        }
        return ParsedAudio(sampleRate: layout.sampleRate, channels: layout.channels, seconds: layout.seconds(bytes),
                           truncated: bytes % layout.blockAlign != 0)
    }
}
