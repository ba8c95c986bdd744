import Foundation
@testable import Results

/// The record parser as it was before the byte-buffer rewrite (strings per field), kept verbatim
/// as the reference the new one must agree with.
struct ReferenceRecordParser {
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

