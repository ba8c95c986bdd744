/// The TTS stage of the data path: API presets (IndexTTS-style JSON, OpenAI `/v1/audio/speech`,
/// raw), audio parsing as the body streams, time to first audio, real-time factor.
/// Filled by the TTS-measures issue; the namespace exists so the module layout is the final one.
public enum TTSModule {}
