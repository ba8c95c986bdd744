import Foundation

/// Reads JTL (CSV) files: JMeter's and ours.
///
/// Hand-written rather than a CSV library on purpose: result files reach millions of rows, and this
/// parser works on bytes in one pass with no per-field allocations beyond the field strings.
public struct JTLReader {
    public struct Table: Sendable {
        public var header: [String]
        public var rows: [[String]]
        /// Problems that did not stop reading (a torn last line).
        public var warnings: [String]
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(line: Int, String)
        public var description: String {
            switch self {
            case .unreadable(let m): return m
            case let .malformed(line, m): return "line \(line): \(m)"
            }
        }
    }

    /// Reads a file with a header line. A last line that is incomplete (no newline and fewer fields
    /// than the header, as left by a killed writer) is dropped with a warning.
    public static func read(path: String) throws(Failure) -> Table {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable("\(path): cannot read") }
        return try parse(data, name: path)
    }

    public static func parse(_ data: Data, name: String = "jtl") throws(Failure) -> Table {
        var records = try records(Array(data))
        guard !records.isEmpty else { throw .malformed(line: 1, "\(name) is empty") }
        let header = records.removeFirst().fields.map { field -> String in
            field.count >= 2 && field.hasPrefix("\"") && field.hasSuffix("\"") ? String(field.dropFirst().dropLast()) : field
        }
        var warnings: [String] = []
        if let last = records.last, !last.terminated, last.fields.count != header.count {
            records.removeLast()
            warnings.append("\(name): dropped a torn last line (\(last.fields.count) of \(header.count) fields)")
        }
        for record in records where record.fields.count != header.count {
            throw .malformed(line: record.line, "\(record.fields.count) fields, the header has \(header.count)")
        }
        return Table(header: header, rows: records.map(\.fields), warnings: warnings)
    }

    struct Record {
        var fields: [String]
        var line: Int
        /// False for a last line without its newline.
        var terminated: Bool
    }

    /// RFC 4180 records: quoted fields may hold commas, doubled quotes, CR and LF.
    static func records(_ bytes: [UInt8]) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0, line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 10, cr: UInt8 = 13
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote { field.append(quote); i += 1 } else { inQuotes = false }
                } else {
                    if b == lf { line += 1 }
                    field.append(b)
                }
            } else if b == quote && field.isEmpty && !wasQuoted {
                inQuotes = true
                wasQuoted = true
            } else if b == comma {
                endField()
            } else if b == lf || b == cr {
                if b == cr && i + 1 < bytes.count && bytes[i + 1] == lf { i += 1 }
                endField()
                if !(fields.count == 1 && fields[0].isEmpty) {
                    records.append(Record(fields: fields, line: recordLine, terminated: true))
                }
                fields.removeAll(keepingCapacity: true)
                line += 1
                recordLine = line
            } else if b == quote {
                throw .malformed(line: line, "a bare '\"' inside an unquoted field")
            } else {
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty || inQuotes {
            endField()
            records.append(Record(fields: fields, line: recordLine, terminated: false))
        }
        return records
    }
}
