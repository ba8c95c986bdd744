/// Failures of espeak-ng synthesis in a worker process.
public enum SynthesisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// espeak_Initialize failed: the espeak-ng-data directory is missing or unreadable.
    case initializationFailed
    /// espeak-ng reports a rate other than 22050 Hz; the WAV headers would be wrong.
    case unexpectedSampleRate(Int)
    /// espeak_SetVoiceByName rejected the voice.
    case unknownVoice(String)
    /// espeak_Synth returned an error code.
    case synthesisFailed(code: Int)
    /// The receiver of the audio asked to stop (its client went away).
    case aborted

    public var description: String {
        switch self {
        case .initializationFailed:
            return "espeak-ng failed to initialise: is espeak-ng-data installed (apt install espeak-ng-data)?"
        case .unexpectedSampleRate(let rate):
            return "espeak-ng runs at \(rate) Hz, expected 22050 Hz"
        case .unknownVoice(let voice):
            return "espeak-ng has no voice '\(voice)'; list voices with `espeak-ng --voices`"
        case .synthesisFailed(let code):
            return "espeak-ng synthesis failed with code \(code)"
        case .aborted:
            return "synthesis aborted"
        }
    }
}
