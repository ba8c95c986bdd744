import Plan

/// The audio container a response body turned out to hold (or `unknown` when none could be told).
public enum AudioKind: String, Sendable, Equatable, CaseIterable {
    case wav, pcm, mp3, opus, unknown

    /// The kind a plan's `target.audio.format` names.
    public init(_ encoding: AudioFormat.Encoding) {
        switch encoding {
        case .wav: self = .wav
        case .pcm: self = .pcm
        case .mp3: self = .mp3
        case .opus: self = .opus
        }
    }
}
