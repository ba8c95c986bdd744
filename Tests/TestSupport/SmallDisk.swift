import Foundation

/// A real, small file system for "disk full" tests: a tmpfs of `bytes` mounted on a new temporary
/// folder. Writes past its size fail with ENOSPC exactly as on a full disk. Unmounted (and the
/// folder removed) by `unmount()` or when the object goes away.
///
/// Mounting needs root (CAP_SYS_ADMIN); tests check `SmallDisk.canMount` and say why they skip.
public final class SmallDisk: @unchecked Sendable {
    /// The mount point.
    public let path: String
    private var mounted = true

    public struct MountFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether this process may mount file systems (tests run as root on the project's machines).
    public static var canMount: Bool { getuid() == 0 }

    public init(bytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-smalldisk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try runCommand(["mount", "-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path])
        guard result.succeeded else {
            try? FileManager.default.removeItem(atPath: path)
            mounted = false
            throw MountFailed(description: "mount -t tmpfs on \(path) failed: \(result.stderr)")
        }
    }

    /// Free bytes left on it.
    public var freeBytes: Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Unmounts (lazily, so a file a crashed child still holds open cannot keep it mounted) and removes the folder.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = try? runCommand(["umount", "-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { unmount() }
}
