import Foundation

/// Appends samples to a JTL file as they complete.
///
/// Rows are buffered and written whole, so a killed process leaves at most the final line torn
/// (and readers drop a torn last line). Callers flush at least once per second.
///
/// Writes throw `FileWriteError` (disk full, EIO) naming the file. When a write fails, the part of
/// a row that did reach the disk is cut off again, so the file ends with the last complete row and
/// every row before the failure stays readable; the writer then refuses further rows.
public final class JTLWriter {
    private let file: OutputFile
    private var buffer: [UInt8] = []
    public let variables: [String]
    /// Rows appended so far (buffered or written).
    public private(set) var rows = 0
    /// Rows in the file as complete lines (after a failure: the rows kept).
    public private(set) var rowsOnDisk = 0
    /// Rows in `buffer`, not yet written.
    private var rowsBuffered = 0
    /// Whether `buffer` still starts with the header line (it is written with the first flush).
    private var headerBuffered = true
    /// The first write failure; after it every call throws it again.
    public private(set) var failure: FileWriteError?

    /// Creates (or truncates) `path` and buffers the header; errors name `reportedAs` (default `path`),
    /// which lets a caller write a temporary file under the name the user knows.
    public init(path: String, variables: [String] = [], reportedAs: String? = nil) throws {
        file = try OutputFile(creating: path, reportedAs: reportedAs)
        self.variables = variables
        buffer.append(contentsOf: (JTLFormat.header(variables: variables) + "\n").utf8)
        buffer.reserveCapacity(1 << 16)
    }

    /// The file's name as errors give it.
    public var path: String { file.path }

    /// Buffers one row; `values` must match `variables` in count. Writes the buffer when it
    /// reaches 64 KiB, which is where a write error can surface.
    public func append(_ sample: Sample, values: [String] = []) throws {
        if let failure { throw failure }
        JTLFormat.append(sample, variables: values, to: &buffer)
        buffer.append(10)
        rows += 1
        rowsBuffered += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes the buffered rows through to the file.
    public func flush() throws {
        if let failure { throw failure }
        guard !buffer.isEmpty else { return }
        let before = file.length
        do {
            try file.write(buffer)
        } catch let error as FileWriteError {
            failure = error
            keepCompleteRows(writtenFrom: before, count: error.written)
            buffer.removeAll()
            throw error
        }
        rowsOnDisk += rowsBuffered
        rowsBuffered = 0
        headerBuffered = false
        buffer.removeAll(keepingCapacity: true)
    }

    /// After a partial write of `count` bytes of `buffer` at offset `start`: truncates the file to
    /// the end of the last whole line among them and counts the rows that made it.
    private func keepCompleteRows(writtenFrom start: Int64, count: Int) {
        var end = count
        while end > 0 && buffer[end - 1] != 10 { end -= 1 }
        var lines = buffer[..<end].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        if headerBuffered && lines > 0 { lines -= 1 }
        rowsOnDisk += lines
        // Shrinking a file needs no space; if even this fails the reader drops the torn last line.
        try? file.truncate(to: start + Int64(end))
    }

    /// Flushes, syncs to disk and closes. The file is closed even when this throws.
    public func close() throws {
        defer { try? file.close() }
        try flush()
        do {
            try file.sync()
            try file.close()
        } catch let error as FileWriteError {
            failure = error
            throw error
        }
    }
}
