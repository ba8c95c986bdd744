import Plan

/// What the client expects a response body to hold, before any byte arrives.
///
/// Priority: the plan's `target.audio` (`forced`) is authoritative for raw PCM, because PCM has no
/// header to sniff; it also supplies sample rate/channels/width when a WAV lacks a usable `fmt `.
/// A request's own format field (`requestedFormat`: OpenAI `response_format`, indextts `format`) is
/// only a hint: containers (RIFF, Ogg, ID3/MPEG) are recognised from their first bytes, so a server
/// that answers `pcm` with a WAV is still measured right.
public struct AudioExpectation: Sendable, Equatable {
    /// The plan's `target.audio`, if set.
    public var forced: AudioFormat?
    /// The request's format field as written (lower-cased), if any.
    public var requestedFormat: String?

    public init(forced: AudioFormat?, requestedFormat: String?) {
        self.forced = forced
        self.requestedFormat = requestedFormat?.lowercased()
    }

    /// No expectation: the container is sniffed from the first bytes.
    public static let sniff = AudioExpectation(forced: nil, requestedFormat: nil)

    /// True when the body must be taken as raw PCM without looking at it.
    var isForcedPCM: Bool { forced?.format == .pcm }

    /// The kind the request asked for, when it names one we analyse.
    var requestedKind: AudioKind? {
        switch requestedFormat {
        case "wav", "wave": return .wav
        case "pcm", "raw", "s16le": return .pcm
        case "mp3", "mpeg": return .mp3
        case "opus", "ogg": return .opus
        default: return nil
        }
    }
}
