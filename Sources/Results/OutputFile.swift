import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A write to a results file that failed (disk full, EIO, ...): names the file and the cause, e.g.
/// `reports/run/results.jtl: No space left on device`.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    /// The file as the user knows it (the final name, also when a temporary file beside it failed).
    public let path: String
    /// The C library's error number (`ENOSPC`, `EIO`, ...).
    public let code: Int32
    /// Bytes of the failed call that did reach the file before the error (a partial write).
    public let written: Int

    public init(path: String, code: Int32, written: Int = 0) {
        self.path = path
        self.code = code
        self.written = written
    }

    public var description: String { "\(path): \(String(cString: strerror(code)))" }
}

/// A file written with POSIX calls, so that every failure becomes a thrown `FileWriteError`.
///
/// Foundation's `FileHandle.write(_:)` traps on Linux when the write fails (a full disk killed the
/// whole run, results and all); `write(2)` returns the error instead, and partial writes are
/// continued here, since a full disk often takes part of a buffer first.
public final class OutputFile {
    /// The name used in errors.
    public let path: String
    private var fd: Int32
    /// Bytes written so far (the file's length: it is created empty and only appended to).
    public private(set) var length: Int64 = 0

    /// Creates (or truncates) `file`; errors name `reportedAs` (default `file`).
    public init(creating file: String, reportedAs: String? = nil) throws {
        path = reportedAs ?? file
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw FileWriteError(path: path, code: errno) }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    /// Appends `bytes`; on failure throws with `written` set to the bytes of this call that made it.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                length += Int64(done)
                throw FileWriteError(path: path, code: code, written: done)
            }
            if n == 0 {  // write(2) never returns 0 for a regular file with count > 0; do not spin if it does
                length += Int64(done)
                throw FileWriteError(path: path, code: EIO, written: done)
            }
            done += n
        }
        length += Int64(done)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Cuts the file back to `size` bytes (drops a row a full disk took only part of).
    public func truncate(to size: Int64) throws {
        if ftruncate(fd, off_t(size)) != 0 { throw FileWriteError(path: path, code: errno) }
        if lseek(fd, off_t(size), SEEK_SET) < 0 { throw FileWriteError(path: path, code: errno) }
        length = size
    }

    /// Asks the kernel to put the file on disk; EIO of earlier buffered writes surfaces here.
    public func sync() throws {
        if fsync(fd) != 0 { throw FileWriteError(path: path, code: errno) }
    }

    /// Closes the file (idempotent); NFS and some disks report write errors only here.
    public func close() throws {
        guard fd >= 0 else { return }
        let result = Glibc.close(fd)
        fd = -1
        if result != 0 { throw FileWriteError(path: path, code: errno) }
    }

    /// A temporary name beside `path` (same folder, so `rename(2)` onto `path` is atomic).
    public static func temporaryPath(beside path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let name = ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Replaces `path` with `file` in one step: a reader sees the old content or the new, never a
    /// half-written file, and a failure before this leaves the old one as it was.
    public static func rename(_ file: String, onto path: String) throws {
        if Glibc.rename(file, path) != 0 { throw FileWriteError(path: path, code: errno) }
    }

    /// Writes `bytes` to `path` through a temporary file beside it, synced, then renamed onto it.
    /// On failure the temporary file is removed and `path` keeps what it held.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = temporaryPath(beside: path)
        do {
            let file = try OutputFile(creating: temporary, reportedAs: path)
            try file.write(bytes)
            try file.sync()
            try file.close()
            try rename(temporary, onto: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
