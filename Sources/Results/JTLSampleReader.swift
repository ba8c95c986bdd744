import Foundation

/// Turns JTL rows back into `Sample`s: ttsload's own files (17 columns plus the TTS columns),
/// JMeter's default 17, or any subset of JMeter's columns named in a header; headerless files
/// (JMeter 2.x) with a given column list.
///
/// JTL keeps whole milliseconds, so times come back as multiples of 1,000 µs; it carries no
/// content type, body size, audio format, chunk count or stall count, so those come back as
/// `bin` -> `application/octet-stream` with the body taken as all received bytes, format
/// `unknown`, 0 chunks, 0 stalls. Writing the samples again gives the same rows.
public enum JTLSampleReader {
    /// What reading a file gave: the samples, the columns they came from, and warnings.
    public struct Result: Sendable {
        public var samples: [Sample]
        /// The column names used (the header, or the list given for a headerless file).
        public var columns: [String]
        /// True when the file had no header line.
        public var headerless: Bool
        public var warnings: [String]
    }

    /// The columns of JMeter 2.x's default headerless CSV (JTL.md, "Reading JMeter's own files").
    public static let jmeter2Columns = [
        "timeStamp", "elapsed", "label", "responseCode", "responseMessage", "threadName", "dataType", "success",
        "bytes", "grpThreads", "allThreads", "Latency",
    ]

    /// Reads `path` into an array of samples. A file whose first field is a number has no header:
    /// `columns` names its fields, or, when nil, JMeter's 17 default columns (17 fields) or 2.x's 12
    /// (12 fields). `stream` reads the same files without keeping the samples.
    public static func read(path: String, columns: [String]? = nil) throws(JTLReader.Failure) -> Result {
        var samples: [Sample] = []
        do {
            // Interned: the samples are kept, and repeated texts should be one string each.
            let info = try streamThrowing(path: path, columns: columns, interning: true) { samples.append($0) }
            return Result(samples: samples, columns: info.columns, headerless: info.headerless, warnings: info.warnings)
        } catch let failure as JTLReader.Failure {
            throw failure
        } catch {
            throw .unreadable("\(path): \(error)")
        }
    }

    /// What a streamed read found besides the samples.
    public struct StreamInfo: Sendable {
        /// The column names used (the header, or the list given for a headerless file).
        public var columns: [String]
        public var headerless: Bool
        public var warnings: [String]
        /// Samples handed to the body.
        public var count: Int
    }

    /// Reads `path` a chunk at a time and hands each sample to `body` as its row is parsed, so
    /// memory does not grow with the file. Same rules as `read`.
    @discardableResult
    public static func stream(path: String, columns: [String]? = nil,
                              _ body: (Sample) -> Void) throws(JTLReader.Failure) -> StreamInfo {
        do {
            return try streamThrowing(path: path, columns: columns, body)
        } catch let failure as JTLReader.Failure {
            throw failure
        } catch {
            throw .unreadable("\(path): \(error)")  // not reached: body does not throw
        }
    }

    /// `stream` with a body that may throw (the store's writes); its errors pass through unchanged,
    /// the reader's are `JTLReader.Failure`.
    @discardableResult
    public static func streamThrowing(path: String, columns: [String]? = nil,
                                      _ body: (Sample) throws -> Void) throws -> StreamInfo {
        try streamThrowing(path: path, columns: columns, interning: false, body)
    }

    static func streamThrowing(path: String, columns: [String]?, interning: Bool,
                               _ body: (Sample) throws -> Void) throws -> StreamInfo {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw JTLReader.Failure.unreadable("\(path): cannot read") }
        defer { try? handle.close() }
        var parser = JTLRecordParser(file: handle)
        parser.interning = interning
        return try scan(&parser, name: path, columns: columns, body)
    }

    /// Reads JTL bytes; `name` only names the source in messages.
    ///
    /// Rows become samples as they are parsed (no table of strings in between), and repeated texts
    /// (labels, URLs, messages, thread names) share one string: a million-row file stays within a
    /// few hundred MB.
    public static func parse(_ data: Data, name: String = "jtl", columns: [String]? = nil) throws(JTLReader.Failure) -> Result {
        var parser = JTLRecordParser(bytes: [UInt8](data))
        var samples: [Sample] = []
        do {
            let info = try scan(&parser, name: name, columns: columns) { samples.append($0) }
            return Result(samples: samples, columns: info.columns, headerless: info.headerless, warnings: info.warnings)
        } catch let failure as JTLReader.Failure {
            throw failure
        } catch {
            throw .unreadable("\(name): \(error)")
        }
    }

    static func scan(_ parser: inout JTLRecordParser, name: String, columns: [String]?,
                     _ body: (Sample) throws -> Void) throws -> StreamInfo {
        let (names, pending, headerless) = try header(&parser, name: name, columns: columns)
        // A headerless file's first record is already in the parser.
        var waiting = pending
        let map = try ColumnMap(header: names, name: name)
        var groups = GroupNumbers()
        var warnings: [String] = []
        var count = 0
        while try waiting || parser.advance() {
            waiting = false
            if parser.fieldCount != names.count {
                if !parser.terminated {
                    warnings.append("\(name): dropped a torn last line (\(parser.fieldCount) of \(names.count) fields)")
                    break
                }
                throw JTLReader.Failure.malformed(line: parser.recordLine, "\(parser.fieldCount) fields, the header has \(names.count)")
            }
            try body(try map.sample(&parser, line: parser.recordLine, groups: &groups))
            count += 1
        }
        return StreamInfo(columns: names, headerless: headerless, warnings: warnings, count: count)
    }

    /// The column names: the header line's, or for a headerless file (its first field is a
    /// number) `columns` or the default for its width; then whether the parser holds the first
    /// data record (read while looking for the header).
    static func header(_ parser: inout JTLRecordParser, name: String, columns: [String]?)
        throws(JTLReader.Failure) -> (names: [String], pending: Bool, headerless: Bool) {
        guard try parser.advance() else { throw .malformed(line: 1, "\(name) is empty") }
        if FieldBytes.int64(parser.field(0)) != nil {
            let width = parser.fieldCount
            guard let names = columns ?? defaultColumns(forWidth: width) else {
                throw .malformed(line: 1, "\(name) has no header and \(width) fields per row; give its column list")
            }
            guard names.count == width else {
                throw .malformed(line: 1, "\(name): \(names.count) column names given, the rows have \(width) fields")
            }
            return (names, true, true)
        }
        let names = parser.texts().map { field -> String in
            field.count >= 2 && field.hasPrefix("\"") && field.hasSuffix("\"") ? String(field.dropFirst().dropLast()) : field
        }
        return (names, false, false)
    }

    /// The earliest timeStamp of the file in µs (nil: no rows), found by a quick pass that makes no
    /// strings: a report needs time 0 before it can place samples in seconds and steps, and JMeter
    /// writes rows when samples END, so the first row is not always the earliest start. Rows that
    /// are not well formed are skipped here; `stream` reports them.
    public static func earliestStart(path: String, columns: [String]? = nil) throws(JTLReader.Failure) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable("\(path): cannot read") }
        defer { try? handle.close() }
        var parser = JTLRecordParser(file: handle)
        let (names, pending, _) = try header(&parser, name: path, columns: columns)
        guard let at = names.firstIndex(of: "timeStamp") else { return nil }
        var earliest = pending && at < parser.fieldCount ? FieldBytes.int64(parser.field(at)) : nil
        while let value = parser.skim(numberAt: at) {
            if let v = value { earliest = min(earliest ?? v, v) }
        }
        return earliest.map { $0 * 1_000 }
    }

    static func defaultColumns(forWidth width: Int) -> [String]? {
        switch width {
        case JTLFormat.defaultColumns.count: return JTLFormat.defaultColumns
        case jmeter2Columns.count: return jmeter2Columns
        default: return nil
        }
    }

    /// The error class a JTL responseCode names; nil for an HTTP status.
    ///
    /// JMeter writes the Java exception (`Non HTTP response code: java.net.SocketTimeoutException`);
    /// ttsload writes the short names in `ErrorClass.nonHTTPCode`. Both map back here.
    public static func errorClass(responseCode code: String) -> ErrorClass? {
        guard Int(code) == nil else { return nil }
        let c = code.lowercased()
        // ttsload's stream classes first: their names must not be read as the generic ones below.
        if c.contains("badbase64") { return .badBase64 }
        if c.contains("malformedevent") { return .malformedEvent }
        if c.contains("erroreventexception") { return .errorEvent }
        if c.contains("nodoneevent") { return .noDoneEvent }
        if c.contains("closedmidaudio") { return .closedMidAudio }
        if c.contains("websocketclose") { return .closeError }
        if c.contains("timeout") { return .timeout }
        if c.contains("unknownhost") || c.contains("unresolved") { return .dns }
        if c.contains("ssl") || c.contains("tls") || c.contains("certificate") { return .tls }
        if c.contains("connectexception") || c.contains("refused") || c.contains("noroutetohost") { return .connectRefused }
        if c.contains("closed") || c.contains("reset") || c.contains("nohttpresponse") || c.contains("socketexception")
            || c.contains("truncated") { return .reset }
        return .other
    }
}
