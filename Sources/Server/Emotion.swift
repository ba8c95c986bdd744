/// The emotions the API accepts; each maps to a prosody change (see `Prosody`, docs/server.md).
public enum Emotion: String, CaseIterable, Codable, Sendable {
    case neutral, happy, angry, sad, afraid, disgusted, melancholic, surprised, calm

    /// The change at intensity 1 relative to neutral speech.
    /// Rate is a factor on the words-per-minute; pitch, range and volume are offsets on
    /// espeak-ng's scales (pitch/range 0...100 around 50, volume 0...200 around 100).
    /// Chosen from the usual acoustic correlates of emotion in speech research: aroused
    /// emotions (happy, angry, afraid, surprised) are faster, higher and wider; low-arousal
    /// ones (sad, melancholic, calm) slower, lower and flatter.
    public var delta: (rateFactor: Double, pitch: Double, range: Double, volume: Double) {
        switch self {
        case .neutral: return (1.00, 0, 0, 0)
        case .happy: return (1.15, 20, 30, 10)
        case .angry: return (1.10, 5, 40, 50)
        case .sad: return (0.75, -15, -30, -30)
        case .afraid: return (1.25, 25, 20, -10)
        case .disgusted: return (0.85, -10, 10, 0)
        case .melancholic: return (0.70, -20, -35, -40)
        case .surprised: return (1.05, 30, 45, 20)
        case .calm: return (0.90, -5, -20, -10)
        }
    }
}
