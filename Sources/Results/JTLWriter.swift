import Foundation

/// Appends samples to a JTL file as they complete.
///
/// Rows are buffered and written whole, so a killed process leaves at most the final line torn
/// (and readers drop a torn last line). Callers flush at least once per second.
public final class JTLWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    public let variables: [String]
    /// Rows written so far.
    public private(set) var rows = 0

    /// Creates (or truncates) `path` and writes the header.
    public init(path: String, variables: [String] = []) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        self.variables = variables
        buffer.append(contentsOf: (JTLFormat.header(variables: variables) + "\n").utf8)
        buffer.reserveCapacity(1 << 16)
    }

    /// Buffers one row; `values` must match `variables` in count.
    public func append(_ sample: Sample, values: [String] = []) {
        JTLFormat.append(sample, variables: values, to: &buffer)
        buffer.append(10)
        rows += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes the buffered rows through to the file.
    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and syncs to disk.
    public func close() {
        flush()
        try? handle.synchronize()
        try? handle.close()
    }
}
