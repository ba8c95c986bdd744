/// Everything that determines the audio of one synthesis; also the cache key.
/// The response format (wav/pcm) and streaming are not part of it: they only frame the PCM.
public struct SynthesisParameters: Sendable, Hashable, Codable {
    public var text: String
    /// An espeak-ng voice name as `espeak_SetVoiceByName` accepts it, e.g. `en-us`, `cmn`, `en-us+f3`.
    public var voice: String
    public var emotion: Emotion
    /// 0...1, how strongly the emotion changes the prosody.
    public var intensity: Double
    /// Factor on the speaking rate, 0.25...4.
    public var speed: Double

    public init(text: String, voice: String = "en-us", emotion: Emotion = .neutral, intensity: Double = 1, speed: Double = 1) {
        self.text = text
        self.voice = voice
        self.emotion = emotion
        self.intensity = intensity
        self.speed = speed
    }

    public var prosody: Prosody { Prosody(emotion: emotion, intensity: intensity, speed: speed) }
}
