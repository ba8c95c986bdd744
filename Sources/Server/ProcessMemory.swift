import Foundation

/// Resident memory of a process, read from /proc (Linux).
public enum ProcessMemory {
    /// Resident set size in bytes of `pid` (default: this process), 0 if unreadable.
    public static func residentBytes(pid: Int32? = nil) -> Int {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
