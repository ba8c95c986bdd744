import Foundation

/// JMeter's CSV result format (JTL): the default 5.x header, its column order and quoting.
public enum JTLFormat {
    /// The 17 default columns, in the order JMeter 5.x writes (and its reader requires) them.
    public static let defaultColumns = [
        "timeStamp", "elapsed", "label", "responseCode", "responseMessage", "threadName", "dataType", "success",
        "failureMessage", "bytes", "sentBytes", "grpThreads", "allThreads", "URL", "Latency", "IdleTime", "Connect",
    ]

    /// The TTS figures written as trailing sample-variable columns (dropped by `--jtl-plain`).
    /// The chunk-level ones come after the first six, so files written before them (six columns)
    /// still read, and a JMeter whose `sample_variables` lists only the six still finds those first.
    public static let audioVariables = ["audio_seconds", "ttfa_ms", "max_gap_ms", "underrun_ms", "rtf", "chars",
                                        "audio_ready_ms", "chunk_n_ms", "chunk_gaps_ms"]

    /// The `sample_variables` property JMeter needs to read those columns back.
    public static var sampleVariablesProperty: String { "sample_variables=" + audioVariables.joined(separator: ",") }

    /// The empty fields of a sample without audio: one shared array, not one per row.
    private static let noAudioValues = ["", "", "", "", "", "", "", "", ""]

    /// A sample's values for `audioVariables` (empty fields where there is nothing to say).
    public static func audioValues(_ s: Sample) -> [String] {
        guard let a = s.audio else { return noAudioValues }
        func ms(_ micros: Int64?) -> String { micros.map { String(format: "%.1f", Double($0) / 1_000) } ?? "" }
        return [a.audioSeconds.map { String(format: "%.3f", $0) } ?? "", ms(a.ttfa), ms(a.maxGap), ms(a.underrun),
                a.rtf.map { String(format: "%.4f", $0) } ?? "", a.characters.map(String.init) ?? "",
                ms(a.audioReady), ms(a.nthChunk), gapList(a.chunkGaps)]
    }

    /// `chunk_gaps_ms`: every gap in ms to 0.1 ms, in arrival order, separated by spaces (no comma,
    /// so JMeter and spreadsheets see one field, unquoted). Written digit by digit: a streamed
    /// reply has hundreds of gaps, and `String(format:)` per gap would dominate the row.
    public static func gapList(_ gaps: [Int64]) -> String {
        guard !gaps.isEmpty else { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(gaps.count * 6)
        for (i, g) in gaps.enumerated() {
            if i > 0 { out.append(UInt8(ascii: " ")) }
            let tenths = (Swift.max(g, 0) + 50) / 100
            appendDecimal(tenths / 10, to: &out)
            out.append(UInt8(ascii: "."))
            out.append(UInt8(ascii: "0") + UInt8(tenths % 10))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `chunk_gaps_ms` read back (µs); nil when a part is not a number.
    public static func parseGapList(_ field: UnsafeBufferPointer<UInt8>) -> [Int64]? {
        var out: [Int64] = []
        var start = 0
        var k = 0
        while k <= field.count {
            if k == field.count || field[k] == UInt8(ascii: " ") {
                if k > start {
                    guard let v = FieldBytes.double(UnsafeBufferPointer(rebasing: field[start..<k])), v >= 0, v < 1e12 else { return nil }
                    out.append(Int64((v * 1_000).rounded()))
                }
                start = k + 1
            }
            k += 1
        }
        return out
    }

    /// The header line: default columns, then sample variables as quoted names (how JMeter writes them).
    public static func header(variables: [String] = []) -> String {
        (defaultColumns + variables.map { "\"\($0)\"" }).joined(separator: ",")
    }

    /// Quotes a field the way JMeter's CSVSaveService does: only when it holds the delimiter,
    /// a double quote, CR or LF; inner quotes are doubled.
    public static func quote(_ field: String) -> String {
        var needs = false
        for byte in field.utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needs = true
            break
        }
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Milliseconds for JTL: µs rounded half up (JTL has whole milliseconds; SQLite keeps the µs).
    @inline(__always) public static func ms(_ micros: Int64) -> Int64 { (micros + 500) / 1_000 }

    /// One JTL row (without newline) for `sample`, with `variables` appended as trailing fields.
    public static func row(_ s: Sample, variables: [String] = []) -> String {
        var bytes: [UInt8] = []
        append(s, variables: variables, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one row (without newline) to `out`: the writer's path, with no intermediate strings
    /// for numbers and no field array (it runs once per sample).
    public static func append(_ s: Sample, variables: [String] = [], to out: inout [UInt8]) {
        let comma = UInt8(ascii: ",")
        func number(_ n: Int64) { appendDecimal(n, to: &out) }
        func text(_ t: String) { appendQuoted(t, to: &out) }
        number(s.start / 1_000); out.append(comma)
        number(ms(s.elapsed)); out.append(comma)
        text(s.label); out.append(comma)
        if s.status > 0 { number(Int64(s.status)) } else { text((s.errorClass ?? .other).nonHTTPCode) }
        out.append(comma)
        text(s.responseMessage); out.append(comma)
        if s.agent.isEmpty && !needsQuoting(s.groupName) {
            // `<group> <index>-<user>` written in place: the interpolated String was an allocation per row.
            out.append(contentsOf: s.groupName.utf8)
            out.append(UInt8(ascii: " "))
            number(Int64(s.groupIndex + 1))
            out.append(UInt8(ascii: "-"))
            number(Int64(s.userNumber))
        } else if s.agent.isEmpty {
            text("\(s.groupName) \(s.groupIndex + 1)-\(s.userNumber)")
        } else {
            text(s.threadName)
        }
        out.append(comma)
        let isText = s.contentType.hasPrefix("text") || s.contentType.contains("json") || s.bodyBytes == 0
        out.append(contentsOf: (isText ? "text," : "bin,").utf8)
        out.append(contentsOf: (s.success ? "true," : "false,").utf8)
        text(s.failureMessage); out.append(comma)
        number(s.bytesReceived); out.append(comma)
        number(s.bytesSent); out.append(comma)
        number(Int64(s.groupThreads)); out.append(comma)
        number(Int64(s.allThreads)); out.append(comma)
        text(s.url); out.append(comma)
        number(ms(s.latency)); out.append(contentsOf: ",0,".utf8)
        number(ms(s.connect))
        for value in variables {
            out.append(comma)
            text(value)
        }
    }

    /// Decimal digits of `n` appended without making a String (ten numbers per row, every row).
    static func appendDecimal(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 {
            out.append(UInt8(ascii: "-"))
            if n == Int64.min { out.append(contentsOf: "9223372036854775808".utf8); return }
            appendDecimal(-n, to: &out)
            return
        }
        if n < 10 { out.append(UInt8(ascii: "0") + UInt8(n)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = n
        withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    /// Whether `field` holds a delimiter, a double quote, CR or LF (JMeter then quotes it).
    static func needsQuoting(_ field: String) -> Bool {
        for byte in field.utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            return true
        }
        return false
    }

    /// `quote(field)` written straight into a byte buffer.
    static func appendQuoted(_ field: String, to out: inout [UInt8]) {
        guard needsQuoting(field) else {
            out.append(contentsOf: field.utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in field.utf8 {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
