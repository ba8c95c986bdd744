import Foundation
import Testing
import TestSupport
import Results

/// libfaketime through `NetworkLab.fakeTimeArguments`: the shift is what the program sees, inside a
/// lab namespace, and a Swift program (ttsload itself) keeps working timers under it.
@Suite struct FakeTimeTests {
    /// The clock fixture's wall and monotonic clocks minus ours, from the exchange with the
    /// shortest round trip (NTP-style: the reply was read at most half a round trip from the midpoint).
    func measuredOffset(_ clock: LabProcess) throws -> (offset: Double, monotonic: Double, roundTrip: Double) {
        var best = (offset: 0.0, monotonic: 0.0, roundTrip: Double.infinity)
        for index in 1...10 {
            let sent = Date().timeIntervalSince1970, sentMonotonic = monotonicNow()
            try clock.send("t")
            let reply = try clock.line(index, timeout: 10).split(separator: " ").compactMap { Double($0) }
            let received = Date().timeIntervalSince1970, receivedMonotonic = monotonicNow()
            try #require(reply.count == 2)
            if received - sent < best.roundTrip {
                best = (reply[0] - (sent + received) / 2, reply[1] - (sentMonotonic + receivedMonotonic) / 2, received - sent)
            }
        }
        return best
    }

    func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @Test func shiftIsSeenWithin50Milliseconds() throws {
        let lab = try NetworkLab(hosts: ["agent1", "agent2"])
        print(lab.description)
        let fixture = repositoryRoot + "/Tests/Fixtures/clock.py"
        let shifted = try lab.spawn(host: "agent1", arguments: try NetworkLab.fakeTimeArguments(shift: 2.5) + ["python3", fixture])
        let plain = try lab.spawn(host: "agent2", arguments: ["python3", fixture])
        // `env` execs too: the pid the program reports is the one a kill -9 would reach.
        #expect(try shifted.waitForLine(startingWith: "listening on stdin ") == "\(shifted.pid)")
        try plain.waitForLine(startingWith: "listening on stdin ")

        let withShift = try measuredOffset(shifted), without = try measuredOffset(plain)
        print("faketime +2.5 s: measured \(withShift.offset) s (round trip \(withShift.roundTrip) s); unshifted: \(without.offset) s")
        #expect(abs(withShift.offset - 2.5) < 0.05)
        #expect(abs(without.offset) < 0.05)
        #expect(withShift.roundTrip < 0.05)
        // CLOCK_MONOTONIC untouched (FAKETIME_DONT_FAKE_MONOTONIC): Dispatch timers and Task.sleep
        // rely on it; faked, it jumps to the shifted wall time and they never fire.
        #expect(abs(withShift.monotonic) < 0.05, "monotonic clock moved by \(withShift.monotonic) s")
        #expect(abs(without.monotonic) < 0.05)

        let negative = try lab.spawn(host: "agent2", arguments: try NetworkLab.fakeTimeArguments(shift: -1.25) + ["python3", fixture])
        try negative.waitForLine(startingWith: "listening on stdin ")
        #expect(abs(try measuredOffset(negative).offset + 1.25) < 0.05)

        // kill -9 reaches the program under faketime, and closing the lab removes the shared
        // memory libfaketime could not unlink.
        try shifted.kill()
        #expect(shifted.endedBySignal && shifted.exitStatus == SIGKILL)
        lab.close()
        for pid in [shifted.pid, negative.pid] {
            #expect(!FileManager.default.fileExists(atPath: "/dev/shm/faketime_shm_\(pid)"))
            #expect(!FileManager.default.fileExists(atPath: "/dev/shm/sem.faketime_sem_\(pid)"))
        }
    }

    /// A Swift program under the prefix keeps its arguments (libfaketime 0.9.10 empties
    /// CommandLine.arguments unless FAKETIME_SHARED is already set) and sees the shifted clock.
    @Test func swiftProgramKeepsItsArguments() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
        let lab = try NetworkLab(hosts: ["agent1"])
        let version = try lab.spawn(host: "agent1", arguments: try NetworkLab.fakeTimeArguments(shift: 2.5) + [ttsloadBinary, "--version"])
        let output = try version.allOutput(timeout: 30)
        #expect(version.waitForExit(timeout: 10) && version.exitStatus == 0)
        // `--version` prints one version line; lost arguments print the whole usage text instead.
        #expect(output.count == 1 && !output.joined().contains("USAGE"), "\(output)")
    }

    /// ttsload (Swift, libcurl) under the prefix in a lab namespace: a 1 s run ends normally and
    /// every JTL timeStamp is 2.5 s ahead of our clock.
    @Test func ttsloadRunUnderFakeTimeStampsShiftedSamples() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
        let lab = try NetworkLab(hosts: ["agent1"])
        print(lab.description)
        // The target listens on 127.0.0.1 of agent1's own namespace (lo is up there), or the
        // machine's loopback in the fallback.
        let target = try lab.spawn(host: "agent1", arguments: ["python3", repositoryRoot + "/Tests/Fixtures/target.py"])
        let base = try target.waitForLine(startingWith: "listening on ")
        try lab.checkRoutes(from: "agent1", to: [try #require(URL(string: base)?.host)])
        let plan = try temporaryFile("""
        name: faketime
        target: { url: "\(base)", api: raw }
        thread_groups:
          - { name: g, request: { method: GET, path: /delay/5 }, load: { users: 2, duration: 1s } }
        """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-faketime-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: (plan as NSString).deletingLastPathComponent)
        }
        let started = Date().timeIntervalSince1970
        let run = try lab.spawn(host: "agent1", arguments: try NetworkLab.fakeTimeArguments(shift: 2.5)
            + [ttsloadBinary, "run", plan, "--out", out, "--quiet", "--no-store", "--no-report"])
        let ended = run.waitForExit(timeout: 30)
        let finished = Date().timeIntervalSince1970
        #expect(ended, "a 1 s run under faketime did not end in 30 s")
        try #require(run.exitStatus == 0, "ttsload run failed: \(run.errors)")
        let table = try JTLReader.read(path: out + "/results.jtl")
        let stamps = try table.rows.map { try #require(Double($0[0])) / 1000 }
        #expect(stamps.count > 10)
        let early = stamps.filter { $0 < started + 2.5 - 0.01 }, late = stamps.filter { $0 > finished + 2.5 + 0.01 }
        #expect(early.isEmpty && late.isEmpty,
                "timeStamps outside [start+2.5 s, end+2.5 s] = [\(started + 2.5), \(finished + 2.5)]: \(early.prefix(3)) \(late.prefix(3))")
    }
}
