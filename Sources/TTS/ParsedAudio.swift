/// What a container parser could tell about the audio once the body ended.
struct ParsedAudio {
    var sampleRate: Int?
    var channels: Int?
    /// Seconds delivered; nil when the container could not be understood.
    var seconds: Double?
    var truncated = false
    var warning: String?
}
