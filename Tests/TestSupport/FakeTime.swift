import Foundation

/// Starting a process with its wall clock shifted, through Debian's libfaketime (package
/// `faketime`), for tests of clock-offset measurement.
///
/// Not the `faketime` wrapper: it forks and waits, so a signal sent to it (kill -9 in a test)
/// leaves the real program running, and it leaves `/dev/shm/faketime_*` behind when killed.
/// `env LD_PRELOAD=... FAKETIME=... PROGRAM` execs instead, so the pid is the program's.
///
/// `FAKETIME_DONT_FAKE_MONOTONIC=1` is required for Swift programs: without it libfaketime also
/// sets CLOCK_MONOTONIC (and BOOTTIME, MONOTONIC_RAW) to the shifted *wall* time, and Dispatch
/// timers (`asyncAfter`, `Task.sleep`) never fire. With it, only the wall clock (Date(),
/// gettimeofday, time, CLOCK_REALTIME) is shifted and durations stay exact.
///
/// `FAKETIME_SHARED` must be present too (libfaketime 0.9.10, Debian 12): without it libfaketime's
/// constructor creates `/dev/shm/faketime_{sem,shm}_PID` and *adds* FAKETIME_SHARED with
/// setenv(), and a Swift program then sees `CommandLine.arguments == []` (ttsload prints its help
/// and exits 0); adding a variable moves `environ`, which Swift's runtime apparently locates argv
/// from. With a placeholder naming no semaphore, libfaketime treats it as stale, creates its own
/// objects and *replaces* the value in place, and the arguments survive (the `faketime` wrapper
/// gets away with it the same way: it sets FAKETIME_SHARED). Those objects are unlinked when the
/// program exits normally; after a kill -9 the lab removes them (`removeFakeTimeObjects`).
/// `FAKETIME_DISABLE_SHM=1` does the same for newer libfaketime versions (0.9.10 ignores it).
extension NetworkLab {
    /// Where Debian (and most distributions) put the preload library, if installed.
    public static let fakeTimeLibrary: String? = {
        var candidates = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                          "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                          "/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1"]
        if let multiarch = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib") {
            candidates += multiarch.map { "/usr/lib/\($0)/faketime/libfaketime.so.1" }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }()

    public struct FakeTimeUnavailable: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "libfaketime not found: apt-get install faketime (./setup does)" }
    }

    /// libfaketime's spec for a relative shift: `+2.500000s`. (Seconds with an `s`; `ms` is not a
    /// unit to it: `+2500ms` would read as 2500 minutes.)
    public static func fakeTimeSpec(shift: Double) -> String {
        String(format: "%+.6fs", shift)
    }

    /// The argument prefix that runs a command with its wall clock `shift` seconds off:
    /// `["env", "LD_PRELOAD=…/libfaketime.so.1", "FAKETIME=+2.500000s", "FAKETIME_DONT_FAKE_MONOTONIC=1",
    /// "FAKETIME_SHARED=…", "FAKETIME_DISABLE_SHM=1"]` (see above for why each is there).
    /// Use as `lab.spawn(host: "agent3", arguments: try NetworkLab.fakeTimeArguments(shift: 2.5) + command)`.
    public static func fakeTimeArguments(shift: Double) throws -> [String] {
        guard let library = fakeTimeLibrary else { throw FakeTimeUnavailable() }
        return ["env", "LD_PRELOAD=\(library)", "FAKETIME=\(fakeTimeSpec(shift: shift))",
                "FAKETIME_DONT_FAKE_MONOTONIC=1",
                "FAKETIME_SHARED=/ttsload-no-faketime-sem /ttsload-no-faketime-shm", "FAKETIME_DISABLE_SHM=1"]
    }

    /// The shared-memory files libfaketime made for process `pid` (`/dev/shm/faketime_shm_PID`,
    /// `/dev/shm/sem.faketime_sem_PID`); call once that process is gone. `close()` does it for
    /// every process the lab started.
    public static func removeFakeTimeObjects(of pid: Int32) {
        for path in ["/dev/shm/faketime_shm_\(pid)", "/dev/shm/sem.faketime_sem_\(pid)"] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
