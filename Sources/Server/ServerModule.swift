import CEspeakNG

/// The embedded TTS server (`ttsload server`): espeak-ng synthesis in worker processes,
/// HTTP API, batching, cache, metrics. Built by the server issue.
public enum ServerModule {
    /// The espeak-ng library version linked into this binary.
    public static var espeakVersion: String {
        var path: UnsafePointer<CChar>? = nil
        guard let version = espeak_Info(&path) else { return "unknown" }
        return String(cString: version)
    }
}
