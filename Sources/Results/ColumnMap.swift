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

/// Where each known column sits in a row (nil: the file does not have it), and the row -> `Sample`
/// conversion. Numbers are read from the field bytes (`FieldBytes`); strings are made only for
/// the text columns.
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

    /// The parser's current record as a sample; `line` names it in errors. The record must have
    /// as many fields as the header.
    func sample(_ row: inout JTLRecordParser, line: Int, groups: inout GroupNumbers) throws(JTLReader.Failure) -> Sample {
        func text(_ i: Int?) -> String { i.map { row.text($0) } ?? "" }
        func integer(_ i: Int?, _ column: String) throws(JTLReader.Failure) -> Int64 {
            guard let i else { return 0 }
            let f = row.field(i)
            guard !f.isEmpty else { return 0 }
            guard let v = FieldBytes.int64(f) else {
                throw .malformed(line: line, "\(column) '\(String(decoding: f, as: UTF8.self))' is not a whole number")
            }
            return v
        }
        let start = try integer(timeStamp, "timeStamp") * 1_000
        let status = responseCode.flatMap { FieldBytes.int64(row.field($0)) }.map { Int($0) } ?? 0
        let success: Bool
        if let s = self.success {
            success = FieldBytes.isTrue(row.field(s))
        } else {
            // No success column (a trimmed header): judge by the status as JMeter's HTTP sampler would.
            success = (200..<400).contains(status)
        }
        var errorClass: ErrorClass?
        if !success {
            errorClass = status > 0 ? .checkFailed : JTLSampleReader.errorClass(responseCode: text(responseCode)) ?? .other
        }
        let (groupName, groupIndex, user) = thread(&row, groups: &groups)
        let bytesReceived = try integer(bytes, "bytes")
        let isBinary = dataType.map { FieldBytes.equals(row.field($0), "bin") } ?? false
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
    func audioFigures(_ row: JTLRecordParser, line: Int) throws(JTLReader.Failure) -> AudioFigures? {
        guard audio.contains(where: { $0.map { !row.field($0).isEmpty } ?? false }) else { return nil }
        func number(_ k: Int) throws(JTLReader.Failure) -> Double? {
            guard let i = audio[k] else { return nil }
            let f = row.field(i)
            guard !f.isEmpty else { return nil }
            guard let v = FieldBytes.double(f) else {
                throw .malformed(line: line, "\(JTLFormat.audioVariables[k]) '\(String(decoding: f, as: UTF8.self))' is not a number")
            }
            return v
        }
        func micros(_ k: Int) throws(JTLReader.Failure) -> Int64? { try number(k).map { Int64(($0 * 1_000).rounded()) } }
        var gaps: [Int64] = []
        if let i = audio[8], !row.field(i).isEmpty {
            let f = row.field(i)
            guard let list = JTLFormat.parseGapList(f) else {
                throw .malformed(line: line, "chunk_gaps_ms '\(String(decoding: f, as: UTF8.self).prefix(60))' is not a list of numbers")
            }
            gaps = list
        }
        // A file without the chunk columns (written before them, or by JMeter) gives nil and no gaps.
        return AudioFigures(format: "unknown", audioSeconds: try number(0), ttfa: try micros(1), chunks: 0,
                            maxGap: try micros(2) ?? 0, underrun: try micros(3) ?? 0, stalls: 0, rtf: try number(4),
                            characters: try number(5).map { Int($0) }, truncated: false, chunkGaps: gaps,
                            nthChunk: try micros(7), audioReady: try micros(6))
    }

    /// The thread name split as `thread(_:groups:)` does, from the field's bytes: the group name is
    /// the only string made for a `G-U` name.
    func thread(_ row: inout JTLRecordParser, groups: inout GroupNumbers) -> (String, Int, Int) {
        guard let k = threadName else { return Self.thread("", groups: &groups) }
        if let (space, g, u) = Self.groupTail(row.field(k)) {
            return (row.text(k, prefix: space), g - 1, u)
        }
        let name = row.text(k)
        return (name, groups.index(of: name), 1)
    }

    /// For `Group Name 2-7`: where the last space is, and 2 and 7. nil when the name has no such
    /// tail (the rules of `thread(_:groups:)`: the text after the last space split at `-`, empty
    /// parts dropped, must be two whole numbers, the first at least 1).
    static func groupTail(_ name: UnsafeBufferPointer<UInt8>) -> (space: Int, group: Int, user: Int)? {
        guard let space = name.lastIndex(of: UInt8(ascii: " ")) else { return nil }
        var group = 0, user = 0, parts = 0
        var partStart = space + 1
        for k in (space + 1)...name.count where k == name.count || name[k] == UInt8(ascii: "-") {
            if k > partStart {
                parts += 1
                guard parts <= 2,
                      let v = FieldBytes.int64(UnsafeBufferPointer(rebasing: name[partStart..<k])) else { return nil }
                if parts == 1 { group = Int(v) } else { user = Int(v) }
            }
            partStart = k + 1
        }
        guard parts == 2, group >= 1 else { return nil }
        return (space, group, user)
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
