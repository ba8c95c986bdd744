import Foundation

/// RFC 4180 records one at a time (JTLReader's rules: quoted fields may hold commas, doubled
/// quotes, CR and LF; a bare quote inside an unquoted field is an error).
///
/// The hot path of `ttsload import` and of a streamed report, so it makes no string per field:
/// `advance()` copies the unescaped bytes of all the record's fields into one reusable buffer and
/// notes where each field ends; callers read numbers from the bytes (`FieldBytes`) and make
/// strings only for text columns (`text(_:)`). Hand-written for that: the parser thread of an
/// import of 1M 23-column rows went from ~4 s of CPU to ~1.2 s (perf), the import from 4.25 s to
/// 3.86 s, the store's thread being the limit since (docs/results.md, "Ingest speed").
///
/// Reads from a byte array, or from a file in chunks (`init(file:)`): then only one chunk and the
/// record being read are in memory, whatever the file's size.
struct JTLRecordParser {
    /// The current chunk; `i` is the next byte to read in it.
    private let chunk: ByteBuffer
    private(set) var i = 0
    /// The line the next byte is on.
    private(set) var line = 1
    /// The file still to read (nil: the chunk is all there is).
    private var file: FileHandle?
    /// Bytes read from a file at a time.
    let chunkSize: Int

    /// The current record: its fields' bytes end to end, and where each field ends in them.
    private let fieldBytes = ByteBuffer(capacity: 4_096)
    private var ends: [Int] = []
    /// The line the current record starts on.
    private(set) var recordLine = 0
    /// False when the current record is a last line without its newline.
    private(set) var terminated = true

    /// Whether repeated texts are returned as one shared string. Worth it when the samples are
    /// kept; when they are streamed and dropped, hashing every field costs more than it saves.
    var interning = true
    private var interned: [[UInt8]: String] = [:]
    /// Per field index, the last text made: consecutive rows mostly repeat their label, URL,
    /// message, so one comparison of bytes often saves making (and later freeing) a string.
    private var recent: [RecentText] = []
    private var recentPrefix = RecentText()

    init(bytes: [UInt8]) {
        let chunk = ByteBuffer(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { chunk.append($0.baseAddress, $0.count) }
        self.chunk = chunk
        chunkSize = 0
    }

    /// Reads `file` `chunkSize` bytes at a time (1 MiB; tests use tiny chunks to cross every boundary).
    init(file: FileHandle, chunkSize: Int = 1 << 20) {
        chunk = ByteBuffer(capacity: chunkSize)
        self.file = file
        self.chunkSize = chunkSize
    }

    /// Fields in the current record.
    var fieldCount: Int { ends.count }

    /// Field `k`'s unescaped bytes; valid until the next `advance()`.
    func field(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        let start = k == 0 ? 0 : ends[k - 1]
        return UnsafeBufferPointer(start: fieldBytes.base + start, count: ends[k] - start)
    }

    /// Field `k` as a string. Texts seen before are returned as the same string when `interning`
    /// (only fields that do not start with a digit: short texts repeat, numbers mostly do not).
    mutating func text(_ k: Int) -> String {
        while recent.count <= k { recent.append(RecentText()) }
        return Self.string(field(k), recent: &recent[k], interning: interning, interned: &interned)
    }

    /// The first `count` bytes of field `k` as a string (a thread name's group).
    mutating func text(_ k: Int, prefix count: Int) -> String {
        let f = UnsafeBufferPointer(rebasing: field(k)[..<count])
        return Self.string(f, recent: &recentPrefix, interning: interning, interned: &interned)
    }

    private static func string(_ f: UnsafeBufferPointer<UInt8>, recent: inout RecentText, interning: Bool,
                               interned: inout [[UInt8]: String]) -> String {
        guard let first = f.first else { return "" }
        if let same = recent.string(ifSameAs: f) { return same }
        let s: String
        if interning, !(first >= 48 && first <= 57), f.count <= 256 {
            let key = Array(f)
            if let known = interned[key] {
                s = known
            } else {
                s = String(decoding: f, as: UTF8.self)
                if interned.count < 100_000 { interned[key] = s }
            }
        } else {
            s = String(decoding: f, as: UTF8.self)
        }
        recent.remember(f, as: s)
        return s
    }

    /// The current record's fields as strings (the header; tests).
    mutating func texts() -> [String] { (0..<fieldCount).map { text($0) } }

    /// True when a byte is left to read, fetching the next chunk when this one is used up.
    @inline(__always) private mutating func hasByte() -> Bool {
        if i < chunk.count { return true }
        return refill()
    }

    private mutating func refill() -> Bool {
        guard let file else { return false }
        let data = (try? file.read(upToCount: chunkSize)) ?? nil
        guard let data, !data.isEmpty else {
            self.file = nil
            return false
        }
        chunk.count = 0
        data.withUnsafeBytes { chunk.append($0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
        i = 0
        return true
    }

    /// Reads the next record (blank lines skipped) into `field(_:)`; false at the end of the input.
    /// Runs of plain bytes are copied as one block; only quotes, commas and line ends are looked
    /// at one by one.
    mutating func advance() throws(JTLReader.Failure) -> Bool {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 10, cr: UInt8 = 13
        let out = fieldBytes
        out.count = 0
        ends.removeAll(keepingCapacity: true)
        var inQuotes = false, wasQuoted = false, empty = true
        var fieldStart = 0
        recordLine = line
        while hasByte() {
            let p = chunk.base, n = chunk.count
            var j = i
            if inQuotes {
                while j < n && p[j] != quote {
                    if p[j] == lf { line += 1 }
                    j += 1
                }
                out.append(p + i, j - i)
                i = j
                if j == n { continue }
                i += 1
                if hasByte() && chunk.base[i] == quote {
                    i += 1
                    out.append(quote)
                } else {
                    inQuotes = false
                }
                continue
            }
            while j < n {
                let b = p[j]
                if b == comma || b == quote || b == lf || b == cr { break }
                j += 1
            }
            if j > i {
                out.append(p + i, j - i)
                empty = false
                i = j
            }
            if j == n { continue }
            let b = p[j]
            i += 1
            if b == comma {
                empty = false
                ends.append(out.count)
                fieldStart = out.count
                wasQuoted = false
            } else if b == quote {
                guard !wasQuoted && out.count == fieldStart else {
                    throw .malformed(line: line, "a bare '\"' inside an unquoted field")
                }
                inQuotes = true
                wasQuoted = true
                empty = false
            } else {
                if b == cr && hasByte() && chunk.base[i] == lf { i += 1 }
                line += 1
                if empty {  // a blank line: skip it
                    recordLine = line
                    continue
                }
                ends.append(out.count)
                terminated = true
                return true
            }
        }
        guard !empty else { return false }
        ends.append(out.count)
        terminated = false
        return true
    }

    /// Reads one record without making strings and returns field `k` as a whole number: `.some(nil)`
    /// when that field is missing or not a number, nil at the end of the input. For quick passes.
    mutating func skim(numberAt k: Int) -> Int64?? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 10, cr: UInt8 = 13
        var field = 0, inQuotes = false, any = false
        var value: Int64 = 0, digits = 0, valid = true
        while hasByte() {
            let b = chunk.base[i]
            i += 1
            if inQuotes {
                if b == quote {
                    if hasByte() && chunk.base[i] == quote { i += 1 } else { inQuotes = false }
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
                if b == cr && hasByte() && chunk.base[i] == lf { i += 1 }
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
}

/// A growable block of bytes in raw memory: the parser's chunk and record buffer, read and copied
/// in its inner loop without the bounds and uniqueness checks of an array.
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes in use, from `base`.
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always) func append(_ bytes: UnsafePointer<UInt8>?, _ n: Int) {
        guard let bytes, n > 0 else { return }
        if count + n > capacity { grow(to: count + n) }
        (base + count).update(from: bytes, count: n)
        count += n
    }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    private func grow(to needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }
}

/// The last string made from one field index, with its bytes, to hand out again for equal bytes.
struct RecentText {
    private var bytes: [UInt8] = []
    private var string: String?

    func string(ifSameAs f: UnsafeBufferPointer<UInt8>) -> String? {
        guard let string, bytes.count == f.count else { return nil }
        let same = bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, f.baseAddress!, f.count) == 0 }
        return same ? string : nil
    }

    mutating func remember(_ f: UnsafeBufferPointer<UInt8>, as s: String) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: f)
        string = s
    }
}
