import Foundation
import Testing
@testable import Monitors

/// The /proc readers against fixed text in the kernel's formats, and against this machine.
@Suite struct HostSamplerTests {
    @Test func cpuLineLeavesGuestColumnsOut() {
        let stat = "cpu  100 5 30 800 10 1 2 7 50 0\ncpu0 50 2 15 400 5 0 1 3 25 0\nintr 1 2\n"
        #expect(HostSampler.cpuTimes(stat) == [100, 5, 30, 800, 10, 1, 2, 7])
    }

    @Test func memoryIsTotalLessAvailable() throws {
        let info = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\n"
        let m = try #require(HostSampler.memory(info))
        #expect(m.used == 10_000_000 * 1024 && m.available == 6_000_000 * 1024)
    }

    @Test func networkSkipsLoopback() throws {
        let dev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo: 9999999    100    0    0    0     0          0         0  9999999     100    0    0    0     0       0          0
          eth0:    1000     10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
          eth1:     500      5    0    0    0     0          0         0      700       7    0    0    0     0       0          0
        """
        let n = try #require(HostSampler.networkBytes(dev))
        #expect(n.rx == 1500 && n.tx == 2700)
    }

    /// Two reads a moment apart on this machine: shares within 0...100 that add up to at most 100.
    @Test func realReadsGiveSaneShares() throws {
        var sampler = HostSampler()
        let t0 = Int64(Date().timeIntervalSince1970 * 1_000_000)
        _ = sampler.sample(atMicros: t0)
        var x = 0.0
        for i in 0..<3_000_000 { x += Double(i).squareRoot() }  // some CPU time between the reads
        #expect(x > 0)
        let points = Dictionary(uniqueKeysWithValues: sampler.sample(atMicros: t0 + 200_000))
        let user = try #require(points["host:cpu_user_percent"]), system = try #require(points["host:cpu_system_percent"])
        #expect((0...100).contains(user) && (0...100).contains(system) && user + system <= 100.001)
        #expect(try #require(points["host:memory_used_bytes"]) > 0)
    }
}

/// nvidia-smi's CSV (as `--query-gpu=index,utilization.gpu,memory.used,temperature.gpu,power.draw
/// --format=csv,noheader,nounits` prints it), and its absence.
@Suite struct GPUSamplerTests {
    @Test func csvRowsBecomeLabelledSeries() {
        let points = Dictionary(uniqueKeysWithValues: GPUSampler.parse("0, 87, 10240, 71, 245.31\n1, 3, 512, 40, [N/A]\n"))
        #expect(points["gpu:utilization_percent{gpu=\"0\"}"] == 87)
        #expect(points["gpu:memory_used_bytes{gpu=\"0\"}"] == Double(10240 * 1_048_576))
        #expect(points["gpu:temperature_celsius{gpu=\"1\"}"] == 40)
        #expect(points["gpu:power_watts{gpu=\"0\"}"] == 245.31 && points["gpu:power_watts{gpu=\"1\"}"] == nil)
    }

    @Test func aMissingToolIsAProblemNotACrash() {
        guard case .failure(let problem) = GPUSampler.sample(executable: "nvidia-smi-not-here-\(UUID().uuidString)") else {
            Issue.record("a missing executable gave readings")
            return
        }
        #expect(problem.description.contains("not installed"))
    }
}
