import Foundation
import Results

/// Writes every sample to a JTL file as it is drained (the run folder's `results.jtl`, an agent's
/// spool), flushed at least every half second, so a killed run keeps all but its last moments.
public final class JTLOutput: RunOutput {
    public let path: String
    /// Whether rows carry the TTS columns (`JTLFormat.audioVariables`); `--jtl-plain` turns them off.
    public let audioColumns: Bool
    private var writer: JTLWriter?
    private var lastFlush = Date()

    public init(path: String, audioColumns: Bool = true) {
        self.path = path
        self.audioColumns = audioColumns
    }

    /// Complete rows in the file (after `finish`, all of them).
    public private(set) var rowsOnDisk = 0

    public func begin(_ run: RunContext) throws {
        let writer = try JTLWriter(path: path, variables: audioColumns ? JTLFormat.audioVariables : [])
        try writer.flush()
        self.writer = writer
    }

    public func add(_ batch: [Sample]) throws {
        guard let writer else { return }
        do {
            for sample in batch { try writer.append(sample, values: audioColumns ? JTLFormat.audioValues(sample) : []) }
            if Date().timeIntervalSince(lastFlush) >= 0.5 {
                try writer.flush()
                lastFlush = Date()
            }
        } catch {
            throw Failure(writer, error)
        }
    }

    public func finish(_ end: inout RunEnd) throws {
        guard writer != nil else { return }
        end.files.append(("results", path))
        try close()
    }

    /// Writes what is buffered and closes the file (what `finish` does, for a writer that spans
    /// several runs, as a capacity search's levels).
    public func close() throws {
        guard let writer else { return }
        self.writer = nil
        defer { rowsOnDisk = writer.rowsOnDisk }
        do { try writer.close() } catch { throw Failure(writer, error) }
    }

    /// A write that failed (the writer keeps the file ending on a complete row and refuses more).
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ writer: JTLWriter, _ error: Error) {
            description = "cannot write \(error): the run was stopped; the \(writer.rowsOnDisk) rows written before are intact"
        }
    }
}
