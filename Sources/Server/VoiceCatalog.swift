/// The voices a request may name, and the OpenAI voice names mapped onto them.
public struct VoiceCatalog: Sendable {
    /// OpenAI `/v1/audio/speech` voice -> espeak-ng voice (base voice + variant).
    /// Chosen so that the "female" OpenAI voices get female variants and the deep ones low male
    /// variants; fable and ballad get British RP for an accent OpenAI users would recognise.
    public static let openAIVoices: [String: String] = [
        "alloy": "en-us+m3",
        "ash": "en-us+m5",
        "ballad": "en-gb-x-rp+m1",
        "coral": "en-us+f4",
        "echo": "en-us+m2",
        "fable": "en-gb-x-rp",
        "nova": "en-us+f3",
        "onyx": "en-us+m7",
        "sage": "en-us+f5",
        "shimmer": "en-us+f2",
        "verse": "en-gb+m4",
    ]

    /// The default voice of /v1/tts.
    public static let defaultVoice = "en-us"

    /// Lower-cased names a base voice may be given by: language tag, file identifier, its last
    /// path component, or the voice name.
    private let baseNames: Set<String>
    private let variantNames: Set<String>

    /// Builds the catalog from espeak-ng's lists. MBROLA voices (`mb/...`) are left out: they
    /// need the separate mbrola program and its databases, which Debian does not install with
    /// espeak-ng, so they would fail at synthesis time.
    public init(voices: [EspeakSynthesizer.VoiceEntry], variants: [EspeakSynthesizer.VoiceEntry]) {
        var names = Set<String>()
        for voice in voices where !voice.identifier.hasPrefix("mb/") {
            names.formUnion(voice.languages.map { $0.lowercased() })
            names.insert(voice.identifier.lowercased())
            if let last = voice.identifier.split(separator: "/").last { names.insert(last.lowercased()) }
            if !voice.name.isEmpty { names.insert(voice.name.lowercased()) }
        }
        baseNames = names
        variantNames = Set(variants.compactMap { $0.identifier.split(separator: "/").last.map { $0.lowercased() } })
    }

    /// Whether espeak-ng can speak with `voice` (`base` or `base+variant`).
    public func contains(_ voice: String) -> Bool {
        let parts = voice.lowercased().split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count <= 2, let base = parts.first, baseNames.contains(String(base)) else { return false }
        if parts.count == 2 { return variantNames.contains(String(parts[1])) }
        return true
    }

    /// The espeak-ng voice for an OpenAI voice name or an espeak-ng voice; nil if neither.
    public func resolveOpenAI(_ voice: String) -> String? {
        if let mapped = Self.openAIVoices[voice.lowercased()] { return mapped }
        return contains(voice) ? voice : nil
    }

    public var voiceCount: Int { baseNames.count }
}
