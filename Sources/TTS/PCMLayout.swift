import Plan

/// How interleaved PCM samples are laid out: enough to turn a byte count into seconds.
struct PCMLayout: Equatable {
    var sampleRate: Int
    var channels: Int
    /// Bytes per sample frame (all channels).
    var blockAlign: Int
    /// Little-endian signed 16-bit integer samples (the only encoding whose RMS is measured).
    var isS16: Bool

    /// From the plan's `target.audio`; nil when its numbers cannot describe PCM.
    init?(_ f: AudioFormat) {
        guard f.sampleRate > 0, f.sampleRate <= 1_000_000, f.channels > 0, f.channels <= 64,
              f.sampleWidth > 0, f.sampleWidth <= 8 else { return nil }
        self.init(sampleRate: f.sampleRate, channels: f.channels, blockAlign: f.channels * f.sampleWidth,
                  isS16: f.sampleWidth == 2)
    }

    init(sampleRate: Int, channels: Int, blockAlign: Int, isS16: Bool) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.blockAlign = blockAlign
        self.isS16 = isS16
    }

    /// Whole sample frames in `bytes` of payload.
    func frames(_ bytes: Int) -> Int { bytes / blockAlign }

    /// Microseconds of audio in `bytes` of payload (whole frames only).
    func micros(_ bytes: Int) -> Int64 { SampleTime.micros(samples: Int64(frames(bytes)), rate: sampleRate) }

    func seconds(_ bytes: Int) -> Double { Double(frames(bytes)) / Double(sampleRate) }
}
