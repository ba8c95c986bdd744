/// The framing between the server and its `ttsload server-worker` children over pipes.
///
/// Server -> worker (stdin): `[u8 kind][u32 length][payload]`: a batch (JSON `WorkBatch`) or a
/// cancel (u64 job id: the client went away; the worker stops that job's synthesis).
/// Worker -> server (stdout): `[u8 kind][u64 job id][u32 length][payload]`, where kind is
/// ready (once, after espeak-ng initialised), audio (raw PCM as espeak-ng produced it),
/// done (JSON `WorkDone`) or failed (UTF-8 message). Little-endian throughout.
/// Binary frames keep audio out of JSON (no base64) so streaming costs one copy per chunk.
enum WorkerProtocol {
    /// A batch of synthesis jobs sent to one worker together.
    struct WorkBatch: Codable, Sendable {
        var items: [WorkItem]
    }

    struct WorkItem: Codable, Sendable {
        var id: UInt64
        var parameters: SynthesisParameters
        /// Streaming jobs get each espeak-ng chunk as its own frame; the others get their audio
        /// in a few large frames, which saves the server thousands of wake-ups per second.
        var stream: Bool
    }

    /// Audio of a non-streaming job is sent in frames of at most this size.
    static let coalescedFrameBytes = 4 << 20

    /// What the worker reports when one job has finished.
    struct WorkDone: Codable, Sendable {
        var samples: Int
        var synthesisSeconds: Double
    }

    enum Kind: UInt8, Sendable {
        case ready = 1, audio = 2, done = 3, failed = 4
    }

    /// One decoded worker -> server frame.
    struct Frame: Sendable {
        var kind: Kind
        var jobID: UInt64
        var payload: [UInt8]
    }

    static let headerSize = 13
    /// A frame larger than this means the stream is corrupt (a worker never sends more than one
    /// espeak-ng chunk, or a small JSON, per frame).
    static let maxPayload = 16 << 20

    static func header(kind: Kind, jobID: UInt64, length: Int) -> [UInt8] {
        var bytes = [kind.rawValue]
        withUnsafeBytes(of: jobID.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(length).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Reads one worker -> server frame; nil at end of file or on a corrupt stream.
    static func readFrame(_ reader: inout PipeReader) -> Frame? {
        guard let head = reader.read(count: headerSize), let kind = Kind(rawValue: head[0]) else { return nil }
        let id = head[1..<9].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = Int(head[9..<13].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= maxPayload, let payload = reader.read(count: length) else { return nil }
        return Frame(kind: kind, jobID: id, payload: payload)
    }

    /// A server -> worker message.
    enum ServerMessage: Sendable {
        case batch(WorkBatch)
        case cancel(UInt64)
    }

    private static let batchKind: UInt8 = 1
    private static let cancelKind: UInt8 = 2

    /// Reads one server -> worker message; nil at end of file (the server closed our stdin) or
    /// on a corrupt stream.
    static func readServerMessage(_ reader: inout PipeReader) -> ServerMessage? {
        guard let head = reader.read(count: 5) else { return nil }
        let length = Int(head[1..<5].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= maxPayload, let payload = reader.read(count: length) else { return nil }
        switch head[0] {
        case batchKind:
            return (try? JSONCoding.decoder.decode(WorkBatch.self, from: Data(payload))).map { .batch($0) }
        case cancelKind where payload.count == 8:
            return .cancel(payload.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        default:
            return nil
        }
    }

    static func encodeBatch(_ batch: WorkBatch) throws -> [UInt8] {
        serverFrame(batchKind, Array(try JSONCoding.encoder.encode(batch)))
    }

    static func encodeCancel(_ jobID: UInt64) -> [UInt8] {
        serverFrame(cancelKind, withUnsafeBytes(of: jobID.littleEndian) { Array($0) })
    }

    private static func serverFrame(_ kind: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var bytes = [kind]
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: payload)
        return bytes
    }
}

import Foundation

/// Shared JSON coders (both are thread-safe for concurrent use).
enum JSONCoding {
    static let encoder = JSONEncoder()
    static let decoder = JSONDecoder()
}
