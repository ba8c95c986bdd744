/// The voices a request may name, resolved to what `espeak_SetVoiceByName` accepts, and the
/// OpenAI voice names mapped onto them.
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

    /// Lower-cased alias -> voice file identifier (e.g. `gmw/en-US`), which
    /// `espeak_SetVoiceByName` loads directly. Aliases: the identifier, its file name, the voice
    /// name, and every language tag (to the voice espeak-ng ranks first for it, as the
    /// `espeak-ng -v` command line does).
    private let voices: [String: String]
    private let variantNames: Set<String>

    /// Builds the catalog from espeak-ng's lists. MBROLA voices (`mb/...`) are left out: they
    /// need the separate mbrola program and its databases, which Debian does not install with
    /// espeak-ng, so they would fail at synthesis time.
    public init(voices entries: [EspeakSynthesizer.VoiceEntry], variants: [EspeakSynthesizer.VoiceEntry]) {
        var voices: [String: String] = [:]
        var languageRank: [String: Int] = [:]
        let usable = entries.filter { !$0.identifier.hasPrefix("mb/") && !$0.identifier.isEmpty }
        for voice in usable {
            for (tag, priority) in voice.languages {
                let key = tag.lowercased()
                if priority < languageRank[key] ?? Int.max {
                    languageRank[key] = priority
                    voices[key] = voice.identifier
                }
            }
        }
        // Names and file names win over language tags of other voices.
        for voice in usable {
            voices[voice.identifier.lowercased()] = voice.identifier
            if let file = voice.identifier.split(separator: "/").last { voices[file.lowercased()] = voice.identifier }
            if !voice.name.isEmpty { voices[voice.name.lowercased()] = voice.identifier }
        }
        self.voices = voices
        variantNames = Set(variants.compactMap { $0.identifier.split(separator: "/").last.map { $0.lowercased() } })
    }

    /// The espeak-ng voice to load for `voice` (`base` or `base+variant`), nil if not installed.
    public func resolve(_ voice: String) -> String? {
        let parts = voice.lowercased().split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count <= 2, let base = parts.first, let identifier = voices[String(base)] else { return nil }
        if parts.count == 2 {
            guard variantNames.contains(String(parts[1])) else { return nil }
            return identifier + "+" + parts[1]
        }
        return identifier
    }

    /// The espeak-ng voice for an OpenAI voice name or an espeak-ng voice; nil if neither.
    public func resolveOpenAI(_ voice: String) -> String? {
        resolve(Self.openAIVoices[voice.lowercased()] ?? voice)
    }

    public var voiceCount: Int { Set(voices.values).count }
}
