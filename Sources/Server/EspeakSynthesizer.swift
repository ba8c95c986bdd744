import CEspeakNG

/// The one place that calls libespeak-ng's C API (synthesis side).
///
/// espeak-ng keeps process-global state (one current voice, one parameter set, one callback),
/// so an instance must only be used from one thread, and only one instance should exist per
/// process. That is why the server runs synthesis in worker processes (`SynthesisWorker`)
/// rather than threads. The type is deliberately not `Sendable`.
public final class EspeakSynthesizer {
    /// Output format of every synthesis: espeak-ng's native rate for its own voices.
    public static let sampleRate = 22050

    /// Receives PCM chunks during one `synthesize` call; returns false to abort synthesis.
    public typealias ChunkSink = (UnsafeBufferPointer<Int16>) -> Bool

    /// Boxes the sink so the C callback can reach it through espeak's `user_data` pointer.
    private final class SinkBox {
        let sink: ChunkSink
        var aborted = false
        init(_ sink: @escaping ChunkSink) { self.sink = sink }
    }

    /// Initialises espeak-ng for synchronous synthesis.
    /// - Parameter chunkMilliseconds: how much audio espeak-ng buffers before each callback;
    ///   smaller chunks mean earlier first audio when streaming.
    public init(chunkMilliseconds: Int32 = 100) throws(SynthesisError) {
        let rate = espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, chunkMilliseconds, nil, Int32(espeakINITIALIZE_DONT_EXIT))
        guard rate > 0 else { throw .initializationFailed }
        guard Int(rate) == Self.sampleRate else { throw .unexpectedSampleRate(Int(rate)) }
        espeak_SetSynthCallback { wav, count, events in
            // The first event of every callback carries the user_data given to espeak_Synth.
            guard let events, let raw = events.pointee.user_data else { return 0 }
            let box = Unmanaged<SinkBox>.fromOpaque(raw).takeUnretainedValue()
            if box.aborted { return 1 }
            if let wav, count > 0 {
                if !box.sink(UnsafeBufferPointer(start: wav, count: Int(count))) {
                    box.aborted = true
                    return 1
                }
            }
            return 0
        }
    }

    /// Synthesizes `text` with the given voice and prosody, handing PCM (22050 Hz, 16-bit, mono)
    /// to `sink` as espeak-ng produces it.
    /// - Returns: the number of samples delivered.
    @discardableResult
    public func synthesize(
        text: String, voice: String, prosody: Prosody, sink: @escaping ChunkSink
    ) throws(SynthesisError) -> Int {
        guard espeak_SetVoiceByName(voice) == EE_OK else { throw .unknownVoice(voice) }
        espeak_SetParameter(espeakRATE, prosody.rate, 0)
        espeak_SetParameter(espeakPITCH, prosody.pitch, 0)
        espeak_SetParameter(espeakRANGE, prosody.range, 0)
        espeak_SetParameter(espeakVOLUME, prosody.volume, 0)

        var samples = 0
        let box = SinkBox { chunk in
            samples += chunk.count
            return sink(chunk)
        }
        let opaque = Unmanaged.passRetained(box).toOpaque()
        defer { Unmanaged<SinkBox>.fromOpaque(opaque).release() }
        let result: espeak_ERROR = text.withCString { cText in
            let size = strlen(cText) + 1
            let status = espeak_Synth(
                cText, size, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, opaque)
            guard status == EE_OK else { return status }
            // In synchronous mode espeak_Synth has produced everything already; Synchronize
            // flushes whatever is left in its buffer.
            return espeak_Synchronize()
        }
        if box.aborted { throw .aborted }
        guard result == EE_OK else { throw .synthesisFailed(code: Int(result.rawValue)) }
        return samples
    }

    /// One installed espeak-ng voice as `espeak_ListVoices` reports it.
    public struct VoiceEntry: Sendable, Equatable {
        public var name: String
        /// File under espeak-ng-data/voices, e.g. `gmw/en-US`, `sit/cmn`, `!v/f3` for variants.
        public var identifier: String
        /// Language tags with espeak-ng's priority for each (lower is more preferred),
        /// e.g. `[("en-us", 2), ("en", 3)]`.
        public var languages: [(tag: String, priority: Int)]

        public static func == (a: VoiceEntry, b: VoiceEntry) -> Bool {
            a.name == b.name && a.identifier == b.identifier && a.languages.elementsEqual(b.languages) { $0 == $1 }
        }
    }

    /// Installed voices (`variants: false`) or voice variants such as `f3`, `m7` (`variants: true`).
    public func listVoices(variants: Bool = false) -> [VoiceEntry] {
        var spec = espeak_VOICE()
        let list: UnsafeMutablePointer<UnsafePointer<espeak_VOICE>?>? = "variant".withCString { variant in
            if variants {
                spec.languages = variant
                return withUnsafeMutablePointer(to: &spec) { espeak_ListVoices($0) }
            }
            return espeak_ListVoices(nil)
        }
        guard let list else { return [] }
        var entries: [VoiceEntry] = []
        var index = 0
        while let voice = list[index]?.pointee {
            index += 1
            let name = voice.name.map { String(cString: $0) } ?? ""
            let identifier = voice.identifier.map { String(cString: $0) } ?? ""
            entries.append(VoiceEntry(name: name, identifier: identifier, languages: Self.languages(voice.languages)))
        }
        return entries
    }

    /// Decodes espeak's language list: repeated (priority byte, NUL-terminated tag), ending with a 0 byte.
    private static func languages(_ raw: UnsafePointer<CChar>?) -> [(tag: String, priority: Int)] {
        guard var p = raw else { return [] }
        var tags: [(tag: String, priority: Int)] = []
        while p.pointee != 0 {
            let priority = Int(UInt8(bitPattern: p.pointee))
            p += 1
            tags.append((String(cString: p), priority))
            p += strlen(p) + 1
        }
        return tags
    }
}

#if canImport(Glibc)
import Glibc
#endif
