#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking whole-buffer reads and writes on a pipe file descriptor, retrying on EINTR.
/// Used by the worker protocol on both ends; each end reads from exactly one thread.
enum PipeIO {
    /// Reads exactly `count` bytes; returns nil at end of file (the other side closed or died).
    static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        if count == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(fd, base + filled, count - filled)
            }
            if n > 0 {
                filled += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return buffer
    }

    /// Writes all bytes; returns false if the other side is gone (EPIPE) or another error occurs.
    @discardableResult
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, base + written, bytes.count - written)
            if n >= 0 {
                written += n
            } else if errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    @discardableResult
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write(fd, $0) }
    }
}

/// Reads a pipe through a 64 KB buffer, so many small frames cost one system call.
struct PipeReader {
    let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0

    init(fd: Int32) {
        self.fd = fd
    }

    /// Exactly `count` bytes; nil at end of file.
    mutating func read(count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if start == end {
                // Large remainders bypass the buffer.
                if count - out.count >= buffer.count {
                    guard let rest = PipeIO.read(fd, count: count - out.count) else { return nil }
                    out.append(contentsOf: rest)
                    break
                }
                guard fill() else { return nil }
            }
            let take = min(end - start, count - out.count)
            out.append(contentsOf: buffer[start..<start + take])
            start += take
        }
        return out
    }

    private mutating func fill() -> Bool {
        start = 0
        end = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(fd, base, raw.count)
            }
            if n > 0 {
                end = n
                return true
            }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }
}
