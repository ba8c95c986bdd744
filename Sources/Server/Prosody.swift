/// espeak-ng prosody parameters for one synthesis, derived from emotion, intensity and speed.
public struct Prosody: Sendable, Equatable, Codable {
    /// Words per minute, espeak-ng's 80...450.
    public var rate: Int32
    /// Base pitch, 0...100 (50 is the voice's normal).
    public var pitch: Int32
    /// Pitch range, 0...100 (50 normal, 0 monotone).
    public var range: Int32
    /// Volume, 0...200 (100 normal).
    public var volume: Int32

    public static let neutral = Prosody(rate: 175, pitch: 50, range: 50, volume: 100)

    public init(rate: Int32, pitch: Int32, range: Int32, volume: Int32) {
        self.rate = rate
        self.pitch = pitch
        self.range = range
        self.volume = volume
    }

    /// Interpolates linearly between neutral (intensity 0) and the emotion's full change
    /// (intensity 1), then applies `speed` as a factor on the rate. Results are clamped to
    /// espeak-ng's ranges, so speeds below about 0.46 or above about 2.6 saturate.
    public init(emotion: Emotion, intensity: Double, speed: Double) {
        let d = emotion.delta
        let i = min(max(intensity, 0), 1)
        let n = Prosody.neutral
        let rateFactor = (1 + (d.rateFactor - 1) * i) * speed
        self.rate = Self.clamp(Double(n.rate) * rateFactor, 80, 450)
        self.pitch = Self.clamp(Double(n.pitch) + d.pitch * i, 0, 100)
        self.range = Self.clamp(Double(n.range) + d.range * i, 0, 100)
        self.volume = Self.clamp(Double(n.volume) + d.volume * i, 0, 200)
    }

    private static func clamp(_ value: Double, _ low: Int32, _ high: Int32) -> Int32 {
        Int32(min(max(value.rounded(), Double(low)), Double(high)))
    }
}
