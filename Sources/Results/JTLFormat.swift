/// JMeter's CSV result format (JTL): the default 5.x header, its column order and quoting.
public enum JTLFormat {
    /// The 17 default columns, in the order JMeter 5.x writes (and its reader requires) them.
    public static let defaultColumns = [
        "timeStamp", "elapsed", "label", "responseCode", "responseMessage", "threadName", "dataType", "success",
        "failureMessage", "bytes", "sentBytes", "grpThreads", "allThreads", "URL", "Latency", "IdleTime", "Connect",
    ]

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
        let code = s.status > 0 ? String(s.status) : (s.errorClass ?? .other).nonHTTPCode
        var fields: [String] = [
            String(s.start / 1_000), String(ms(s.elapsed)), quote(s.label), quote(code), quote(s.responseMessage),
            quote(s.threadName), s.contentType.hasPrefix("text") || s.contentType.contains("json") || s.bodyBytes == 0 ? "text" : "bin",
            s.success ? "true" : "false", quote(s.failureMessage), String(s.bytesReceived), String(s.bytesSent),
            String(s.groupThreads), String(s.allThreads), quote(s.url), String(ms(s.latency)), "0", String(ms(s.connect)),
        ]
        fields.append(contentsOf: variables.map(quote))
        return fields.joined(separator: ",")
    }
}
