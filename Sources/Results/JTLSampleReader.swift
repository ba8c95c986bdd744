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
        let (names, first, headerless) = try header(&parser, name: name, columns: columns)
        var pending = first
        let map = try ColumnMap(header: names, name: name)
        var groups = GroupNumbers()
        var warnings: [String] = []
        var count = 0
        while true {
            let next: JTLRecordParser.Record?
            if let waiting = pending { next = waiting } else { next = try parser.next() }
            guard let record = next else { break }
            pending = nil
            if record.fields.count != names.count {
                if !record.terminated {
                    warnings.append("\(name): dropped a torn last line (\(record.fields.count) of \(names.count) fields)")
                    break
                }
                throw JTLReader.Failure.malformed(line: record.line, "\(record.fields.count) fields, the header has \(names.count)")
            }
            try body(try map.sample(record.fields, line: record.line, groups: &groups))
            count += 1
        }
        return StreamInfo(columns: names, headerless: headerless, warnings: warnings, count: count)
    }

    /// The column names: the header line's, or for a headerless file (its first field is a
    /// number) `columns` or the default for its width; then the first data record when it was read.
    static func header(_ parser: inout JTLRecordParser, name: String, columns: [String]?)
        throws(JTLReader.Failure) -> (names: [String], pending: JTLRecordParser.Record?, headerless: Bool) {
        guard let header = try parser.next() else { throw .malformed(line: 1, "\(name) is empty") }
        if let first = header.fields.first, Int64(first) != nil {
            let width = header.fields.count
            guard let names = columns ?? defaultColumns(forWidth: width) else {
                throw .malformed(line: 1, "\(name) has no header and \(width) fields per row; give its column list")
            }
            guard names.count == width else {
                throw .malformed(line: 1, "\(name): \(names.count) column names given, the rows have \(width) fields")
            }
            return (names, header, true)
        }
        let names = header.fields.map { field -> String in
            field.count >= 2 && field.hasPrefix("\"") && field.hasSuffix("\"") ? String(field.dropFirst().dropLast()) : field
        }
        return (names, nil, false)
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
        var earliest = pending.flatMap { at < $0.fields.count ? Int64($0.fields[at]) : nil }
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
        if c.contains("timeout") { return .timeout }
        if c.contains("unknownhost") || c.contains("unresolved") { return .dns }
        if c.contains("ssl") || c.contains("tls") || c.contains("certificate") { return .tls }
        if c.contains("connectexception") || c.contains("refused") || c.contains("noroutetohost") { return .connectRefused }
        if c.contains("closed") || c.contains("reset") || c.contains("nohttpresponse") || c.contains("socketexception")
            || c.contains("truncated") { return .reset }
        return .other
    }
}

/// RFC 4180 records one at a time (JTLReader's rules: quoted fields may hold commas, doubled
/// quotes, CR and LF; a bare quote inside an unquoted field is an error). Field texts seen before
/// are returned as the same string, so a million samples do not hold a million copies of a URL.
///
/// Reads from a byte array, or from a file in chunks (`init(file:)`): then only one chunk and the
/// record being read are in memory, whatever the file's size.
struct JTLRecordParser {
    struct Record {
        var fields: [String]
        var line: Int
        /// False for a last line without its newline.
        var terminated: Bool
    }

    /// The current chunk; `i` is the next byte to read in it.
    var bytes: [UInt8]
    var i = 0
    var line = 1
    var interned: [[UInt8]: String] = [:]
    /// Whether repeated texts are returned as one shared string. Worth it when the samples are
    /// kept; when they are streamed and dropped, hashing every field costs more than it saves.
    var interning = true
    /// The file still to read (nil: `bytes` is all there is).
    private var file: FileHandle?

    /// Bytes read from a file at a time.
    let chunkSize: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        chunkSize = 0
    }

    /// Reads `file` `chunkSize` bytes at a time (1 MiB; tests use tiny chunks to cross every boundary).
    init(file: FileHandle, chunkSize: Int = 1 << 20) {
        self.bytes = []
        self.file = file
        self.chunkSize = chunkSize
    }

    /// True when a byte is left to read, fetching the next chunk when this one is used up.
    @inline(__always) private mutating func hasByte() -> Bool {
        if i < bytes.count { return true }
        return refill()
    }

    private mutating func refill() -> Bool {
        guard let file else { return false }
        let chunk = (try? file.read(upToCount: chunkSize)) ?? nil
        guard let chunk, !chunk.isEmpty else {
            self.file = nil
            return false
        }
        bytes = [UInt8](chunk)
        i = 0
        return true
    }

    /// Fields of the last record, to size the next one's array.
    private var lastFieldCount = 0

    /// The next record. A field is taken as one slice of the chunk when it can be (the usual
    /// case); only a field with a doubled quote, text after its closing quote, or one that
    /// crosses a chunk boundary is copied byte by byte.
    mutating func next() throws(JTLReader.Failure) -> Record? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 10, cr: UInt8 = 13
        var fields: [String] = []
        fields.reserveCapacity(lastFieldCount)
        // The current field: bytes[fieldStart..<contentEnd] while it is one slice, else `carry`.
        var fieldStart = i, contentEnd = i
        var carry: [UInt8] = []
        var copying = false
        var inQuotes = false, wasQuoted = false, empty = true
        let recordLine = line
        var skippedLines = 0

        func append(_ b: UInt8, at index: Int) {
            if copying {
                carry.append(b)
            } else if index == contentEnd {
                contentEnd += 1
            } else {
                carry.append(contentsOf: bytes[fieldStart..<contentEnd])
                carry.append(b)
                copying = true
            }
        }
        /// True when a byte is left; before the chunk is replaced, the field so far is copied out.
        func available() -> Bool {
            if i < bytes.count { return true }
            if !copying {
                carry.append(contentsOf: bytes[fieldStart..<contentEnd])
                copying = true
            }
            return refill()
        }
        func endField() {
            if copying {
                fields.append(intern(carry[...]))
                carry.removeAll(keepingCapacity: true)
                copying = false
            } else {
                fields.append(intern(bytes[fieldStart..<contentEnd]))
            }
            fieldStart = i
            contentEnd = i
            wasQuoted = false
        }

        while available() {
            let b = bytes[i]
            i += 1
            if inQuotes {
                if b == quote {
                    if available() && bytes[i] == quote {
                        i += 1
                        append(quote, at: i - 1)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == lf { line += 1 }
                    append(b, at: i - 1)
                }
            } else if b == quote && !wasQuoted && (copying ? carry.isEmpty : contentEnd == fieldStart) {
                inQuotes = true
                wasQuoted = true
                empty = false
                fieldStart = i
                contentEnd = i
            } else if b == comma {
                empty = false
                endField()
            } else if b == lf || b == cr {
                if b == cr && available() && bytes[i] == lf { i += 1 }
                line += 1
                if empty && fields.isEmpty && (copying ? carry.isEmpty : contentEnd == fieldStart) {
                    // A blank line: skip it.
                    skippedLines += 1
                    carry.removeAll(keepingCapacity: true)
                    copying = false
                    fieldStart = i
                    contentEnd = i
                    continue
                }
                endField()
                lastFieldCount = fields.count
                return Record(fields: fields, line: recordLine + skippedLines, terminated: true)
            } else if b == quote {
                throw .malformed(line: line, "a bare '\"' inside an unquoted field")
            } else {
                empty = false
                append(b, at: i - 1)
            }
        }
        guard !empty || !fields.isEmpty || inQuotes || (copying && !carry.isEmpty) else { return nil }
        endField()
        return Record(fields: fields, line: recordLine + skippedLines, terminated: false)
    }

    /// Reads one record without making strings and returns field `k` as a whole number: `.some(nil)`
    /// when that field is missing or not a number, nil at the end of the input. For quick passes.
    mutating func skim(numberAt k: Int) -> Int64?? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 10, cr: UInt8 = 13
        var field = 0, inQuotes = false, any = false
        var value: Int64 = 0, digits = 0, valid = true
        while hasByte() {
            let b = bytes[i]
            i += 1
            if inQuotes {
                if b == quote {
                    if hasByte() && bytes[i] == quote { i += 1 } else { inQuotes = false }
                } else if b == lf { line += 1 }
                if field == k { valid = false }
                continue
            }
            if b == quote {
                inQuotes = true
                any = true
            } else if b == comma {
                field += 1
                any = true
            } else if b == lf || b == cr {
                if b == cr && hasByte() && bytes[i] == lf { i += 1 }
                line += 1
                if !any { continue }  // a blank line
                return .some(valid && digits > 0 && field >= k ? value : nil)
            } else {
                any = true
                if field == k {
                    if b >= 48 && b <= 57 && digits < 18 {
                        value = value * 10 + Int64(b - 48)
                        digits += 1
                    } else {
                        valid = false
                    }
                }
            }
        }
        guard any else { return nil }
        return .some(valid && digits > 0 && field >= k ? value : nil)
    }

    /// Short texts repeat (labels, codes, thread names, URLs); numbers mostly do not, so only
    /// fields that do not start with a digit are interned.
    private mutating func intern(_ field: ArraySlice<UInt8>) -> String {
        guard interning, let first = field.first, !(first >= 48 && first <= 57), field.count <= 256 else {
            return String(decoding: field, as: UTF8.self)
        }
        let key = Array(field)
        if let s = interned[key] { return s }
        let s = String(decoding: field, as: UTF8.self)
        if interned.count < 100_000 { interned[key] = s }
        return s
    }
}

/// Plan group names -> 0-based index for thread names that carry no `G-U` part.
struct GroupNumbers {
    var indices: [String: Int] = [:]
    mutating func index(of name: String) -> Int {
        if let i = indices[name] { return i }
        let i = indices.count
        indices[name] = i
        return i
    }
}

/// Where each known column sits in a row (nil: the file does not have it).
struct ColumnMap {
    let timeStamp: Int, elapsed: Int
    let label: Int?, responseCode: Int?, responseMessage: Int?, threadName: Int?, dataType: Int?, success: Int?
    let failureMessage: Int?, bytes: Int?, sentBytes: Int?, grpThreads: Int?, allThreads: Int?, url: Int?
    let latency: Int?, connect: Int?
    /// The TTS sample-variable columns (`JTLFormat.audioVariables`), in that order.
    let audio: [Int?]

    init(header: [String], name: String) throws(JTLReader.Failure) {
        func at(_ column: String) -> Int? { header.firstIndex(of: column) }
        guard let t = at("timeStamp"), let e = at("elapsed") else {
            throw .malformed(line: 1, "\(name): the header needs at least timeStamp and elapsed (got \(header.prefix(4).joined(separator: ","))...)")
        }
        timeStamp = t
        elapsed = e
        label = at("label"); responseCode = at("responseCode"); responseMessage = at("responseMessage")
        threadName = at("threadName"); dataType = at("dataType"); success = at("success")
        failureMessage = at("failureMessage"); bytes = at("bytes"); sentBytes = at("sentBytes")
        grpThreads = at("grpThreads"); allThreads = at("allThreads"); url = at("URL")
        latency = at("Latency"); connect = at("Connect")
        audio = JTLFormat.audioVariables.map { at($0) }
    }

    func sample(_ row: [String], line: Int, groups: inout GroupNumbers) throws(JTLReader.Failure) -> Sample {
        func text(_ i: Int?) -> String { i.map { row[$0] } ?? "" }
        func integer(_ i: Int?, _ column: String) throws(JTLReader.Failure) -> Int64 {
            guard let i, !row[i].isEmpty else { return 0 }
            guard let v = Int64(row[i]) else { throw .malformed(line: line, "\(column) '\(row[i])' is not a whole number") }
            return v
        }
        let start = try integer(timeStamp, "timeStamp") * 1_000
        let code = text(responseCode)
        let status = Int(code) ?? 0
        let success: Bool
        if let s = self.success {
            success = row[s].lowercased() == "true"
        } else {
            // No success column (a trimmed header): judge by the status as JMeter's HTTP sampler would.
            success = (200..<400).contains(status)
        }
        var errorClass: ErrorClass?
        if !success { errorClass = status > 0 ? .checkFailed : JTLSampleReader.errorClass(responseCode: code) ?? .other }
        let (groupName, groupIndex, user) = Self.thread(text(threadName), groups: &groups)
        let bytesReceived = try integer(bytes, "bytes")
        let isBinary = text(dataType) == "bin"
        return Sample(
            start: start, elapsed: try integer(elapsed, "elapsed") * 1_000, latency: try integer(latency, "Latency") * 1_000,
            connect: try integer(connect, "Connect") * 1_000, bytesReceived: bytesReceived,
            bytesSent: try integer(sentBytes, "sentBytes"), bodyBytes: isBinary ? bytesReceived : 0, status: status,
            responseMessage: text(responseMessage), contentType: isBinary ? "application/octet-stream" : "text/plain",
            success: success, failureMessage: text(failureMessage), errorClass: errorClass, label: text(label),
            groupIndex: groupIndex, groupName: groupName, userNumber: user,
            groupThreads: Int(try integer(grpThreads, "grpThreads")), allThreads: Int(try integer(allThreads, "allThreads")),
            url: text(url), audio: try audioFigures(row, line: line))
    }

    /// The TTS columns as `AudioFigures`, or nil when the row has none of them filled.
    func audioFigures(_ row: [String], line: Int) throws(JTLReader.Failure) -> AudioFigures? {
        let values = audio.map { $0.map { row[$0] } ?? "" }
        guard values.contains(where: { !$0.isEmpty }) else { return nil }
        func number(_ k: Int) throws(JTLReader.Failure) -> Double? {
            guard !values[k].isEmpty else { return nil }
            guard let v = Double(values[k]) else {
                throw .malformed(line: line, "\(JTLFormat.audioVariables[k]) '\(values[k])' is not a number")
            }
            return v
        }
        func micros(_ k: Int) throws(JTLReader.Failure) -> Int64? { try number(k).map { Int64(($0 * 1_000).rounded()) } }
        return AudioFigures(format: "unknown", audioSeconds: try number(0), ttfa: try micros(1), chunks: 0,
                            maxGap: try micros(2) ?? 0, underrun: try micros(3) ?? 0, stalls: 0, rtf: try number(4),
                            characters: try number(5).map { Int($0) }, truncated: false)
    }

    /// `Group Name 2-7` -> ("Group Name", 1, 7). A name without the `G-U` tail is a group of its own.
    static func thread(_ name: String, groups: inout GroupNumbers) -> (String, Int, Int) {
        if let space = name.lastIndex(of: " ") {
            let tail = name[name.index(after: space)...].split(separator: "-")
            if tail.count == 2, let g = Int(tail[0]), let u = Int(tail[1]), g >= 1 {
                return (String(name[..<space]), g - 1, u)
            }
        }
        return (name, groups.index(of: name), 1)
    }
}
