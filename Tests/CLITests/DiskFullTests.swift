import Foundation
import Testing
import TestSupport
@testable import Results

/// `ttsload run` writing its run folder onto a disk that fills up mid-run (a real tmpfs, the
/// kernel's own ENOSPC) against a real target on loopback.
@Suite(.serialized, .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
struct DiskFullTests {
    @Test func aRunOnAFullDiskStopsWithExit3AndKeepsItsRows() throws {
        let target = try ListeningProcess(fixture: "target.py")
        // 512 KiB holds a few thousand rows; 8 users on a 2 ms target write that in seconds, far
        // sooner than the plan's 60 s, so the run ends because the disk is full, not by its schedule.
        let disk = try SmallDisk(bytes: 512 * 1024)
        defer { disk.unmount() }
        let plan = try temporaryFile("""
        name: diskfull
        target: { url: "\(target.address)", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: /delay/2 }, load: { users: 8, duration: 60s } }
        """)
        let out = disk.path + "/run"
        let started = Date()
        let run = try RunningTTSLoad(["run", plan, "--out", out, "--quiet", "--no-store"])
        let result = try #require(run.wait(timeout: 50), "the run did not stop on the full disk within 50 s (plan: 60 s)")
        let error = result.stderr
        #expect(Date().timeIntervalSince(started) < 50)
        #expect(result.status == 3, "(128+n: ended by signal n, e.g. a trap on the write)\n\(error)\n\(result.stdout)")
        #expect(error.contains("\(out)/results.jtl: No space left on device"), "\(error)")

        // Every row that reached the file is whole: the file ends with a line break, Python's csv
        // module reads the same width on every row, and the project's reader warns of nothing.
        let jtl = out + "/results.jtl"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: jtl))
        #expect(bytes.last == 10)
        let read = try JTLSampleReader.read(path: jtl)
        #expect(read.warnings.isEmpty, "\(read.warnings)")
        #expect(read.samples.count > 1_000, "\(read.samples.count) rows")
        #expect(read.samples.allSatisfy { $0.status == 200 })
        let check = try runCommand(["python3", "-c", """
            import csv, sys
            rows = list(csv.reader(open(sys.argv[1], newline='')))
            widths = {len(r) for r in rows}
            print(len(rows) - 1, len(rows[0]), sorted(widths))
            """, jtl])
        #expect(check.stdout == "\(read.samples.count) 26 [26]\n", "\(check.stdout)\(check.stderr)")
        // The message says how many rows were kept, and that is what the file holds.
        #expect(error.contains("the \(read.samples.count) rows written before are intact"), "\(error)")
    }
}
