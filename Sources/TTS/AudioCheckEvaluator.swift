import Plan

/// Applies a plan's audio checks (`audio: {min_seconds, max_seconds, max_rtf, max_ttfa, max_underrun,
/// non_silent, distinct}`) to one sample's measures.
public enum AudioCheckEvaluator {
    /// RMS at or below this (-60 dBFS) is silence for `non_silent`; dithered silence is ~-90 dBFS.
    public static let silenceFloor = 0.001

    /// The failureMessage of the first failed check (naming the check and the value), or nil.
    ///
    /// A body flagged truncated fails whenever any audio check is set: its audio cannot be trusted.
    /// `distinct` records every sample with audio in `distinct`, even one that fails another check,
    /// so that a later sample is compared against all earlier ones.
    public static func failure(_ checks: AudioChecks, _ m: AudioMeasures, text: String?,
                               distinct: DistinctAudioTracker?) -> String? {
        var failures: [String] = []
        if checks.distinct == true, let text, let distinct, m.audioBytes > 0, m.digest != 0,
           let other = distinct.record(digest: m.digest, text: text) {
            failures.append("distinct: audio identical to that of a different text ('\(other)')")
        }
        guard checks != AudioChecks() else { return nil }
        let why = m.warning.map { " (\($0))" } ?? ""
        if m.truncated {
            return "truncated: \(m.format.rawValue) body ended before the audio its header claims" + why
        }
        if let min = checks.minSeconds {
            guard let s = m.audioSeconds else { return "min_seconds: no audio measured" + why }
            if s < min { return "min_seconds: audio \(fmt(s))s < \(fmt(min))s" }
        }
        if let max = checks.maxSeconds {
            guard let s = m.audioSeconds else { return "max_seconds: no audio measured" + why }
            if s > max { return "max_seconds: audio \(fmt(s))s > \(fmt(max))s" }
        }
        if let max = checks.maxRTF {
            guard let rtf = m.rtf else { return "max_rtf: no RTF without audio" + why }
            if rtf > max { return "max_rtf: rtf \(fmt(rtf)) > \(fmt(max))" }
        }
        if let max = checks.maxTTFA {
            guard let ttfa = m.ttfaMicros else { return "max_ttfa: no audio data received" + why }
            if ttfa > max.microseconds { return "max_ttfa: ttfa \(ms(ttfa)) > \(max)" }
        }
        if let max = checks.maxUnderrun {
            guard m.ttfaMicros != nil else { return "max_underrun: no audio data received" + why }
            if m.underrunMicros > max.microseconds {
                return "max_underrun: underrun \(ms(m.underrunMicros)) in \(m.stalls) stalls > \(max)"
            }
        }
        if checks.nonSilent == true {
            // Compressed audio is not decoded, so only PCM has a level; MP3/Opus must at least hold audio.
            if let rms = m.rms {
                if rms <= silenceFloor { return "non_silent: rms \(fmt(rms)) <= \(fmt(silenceFloor))" }
            } else if (m.audioSeconds ?? 0) <= 0 {
                return "non_silent: no audio" + why
            }
        }
        return failures.first
    }

    private static func fmt(_ x: Double) -> String {
        let r = (x * 1_000).rounded() / 1_000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }

    private static func ms(_ micros: Int64) -> String { "\(fmt(Double(micros) / 1_000))ms" }
}
