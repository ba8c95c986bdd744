import Foundation

/// An agent's exclusive hold on its spool directory: `flock` on `<spool>/agent.lock`, kept for
/// the daemon's life. Three agents started from one folder with the default `--spool-dir` once
/// wrote one spool between them (one agent's samples merged three times, others' lost, the run
/// `ok`); with the lock the second agent refuses to start instead.
///
/// flock, not a pid file: the kernel drops the lock when the process dies however it dies
/// (kill -9 included), so a stale lock never blocks a restarted agent.
public final class SpoolLock: @unchecked Sendable {
    public let directory: String
    private let fd: Int32

    public struct Busy: Error, CustomStringConvertible {
        public var directory: String
        /// What the holder wrote in the lock file (its pid and address), when readable.
        public var holder: String
        public var description: String {
            "--spool-dir \(directory): another ttsload agent is using it (\(holder.isEmpty ? "holder unknown" : holder)); give each agent its own --spool-dir"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public var lockPath: String { directory + "/agent.lock" }

    /// Takes the lock without waiting and writes `holder` (e.g. "pid 123, listening on ...") into
    /// the lock file for the message a second agent prints; throws `Busy` when another process holds it.
    public init(directory: String, holder: String) throws {
        self.directory = directory
        let path = directory + "/agent.lock"
        // No O_TRUNC: a refused agent must not wipe what the holder wrote.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "--spool-dir \(directory): cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            var text = [UInt8](repeating: 0, count: 512)
            let count = pread(fd, &text, text.count, 0)
            close(fd)
            if busy {
                let holderText = String(decoding: text.prefix(max(count, 0)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw Busy(directory: directory, holder: holderText)
            }
            throw Failure(description: "--spool-dir \(directory): cannot lock \(path): \(reason)")
        }
        self.fd = fd
        _ = ftruncate(fd, 0)
        let line = Array((holder + "\n").utf8)
        _ = line.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Updates what the lock file says about its holder (e.g. the address once listening).
    public func describe(_ holder: String) {
        _ = ftruncate(fd, 0)
        let line = Array((holder + "\n").utf8)
        _ = line.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        // Closing the descriptor releases the lock; the file stays (removing it would race with
        // an agent that has just opened it).
        close(fd)
    }
}
