import Foundation
import Monitors
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Parses what a real node_exporter serves, when Debian's prometheus-node-exporter is installed.
final class NodeExporterTests: XCTestCase {
    private let binary = "/usr/bin/prometheus-node-exporter"

    func testRealNodeExporterOutputParses() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("\(binary) is not installed (apt-get install prometheus-node-exporter)")
        }
        let port = try freeLoopbackPort()
        let exporter = Process()
        exporter.executableURL = URL(fileURLWithPath: binary)
        exporter.arguments = ["--web.listen-address=127.0.0.1:\(port)"]
        let log = Pipe()
        exporter.standardOutput = FileHandle.nullDevice
        exporter.standardError = log
        try exporter.run()
        defer {
            if exporter.isRunning { exporter.terminate() }
            exporter.waitUntilExit()
        }

        // Poll until the port answers: each attempt is a curl run, bounded in count and in time.
        var body: String?
        for _ in 0..<100 where body == nil {
            guard exporter.isRunning else {
                let stderr = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                return XCTFail("node_exporter exited early: \(stderr.suffix(2_000))")
            }
            body = try curl("http://127.0.0.1:\(port)/metrics")
            if body == nil { usleep(50_000) } // poll interval, not a wait for readiness
        }
        let text = try XCTUnwrap(body, "node_exporter did not answer on port \(port)")

        let start = ContinuousClock.now
        let families = try PrometheusText.parse(text)
        let elapsed = ContinuousClock.now - start
        let samples = families.reduce(0) { $0 + $1.samples.count }
        print("node_exporter: \(text.utf8.count) bytes, \(families.count) families, \(samples) samples, parsed in \(elapsed)")

        let cpu = try XCTUnwrap(families.first { $0.name == "node_cpu_seconds_total" })
        XCTAssertEqual(cpu.type, .counter)
        XCTAssertFalse(cpu.samples.isEmpty)
        for sample in cpu.samples {
            XCTAssertEqual(sample.name, "node_cpu_seconds_total")
            XCTAssertTrue(sample.labels.contains { $0.name == "cpu" }, "\(sample)")
            XCTAssertTrue(sample.labels.contains { $0.name == "mode" }, "\(sample)")
        }

        // A second scrape derives rates from the real counters.
        var deriver = ScrapeDeriver(prefix: "node", match: ["node_cpu_seconds_total"])
        _ = deriver.add(families, atMicros: 0)
        let again = try XCTUnwrap(try curl("http://127.0.0.1:\(port)/metrics"))
        let points = deriver.add(try PrometheusText.parse(again), atMicros: 1_000_000)
        XCTAssertEqual(points.count, cpu.samples.count)
        XCTAssertTrue(points.allSatisfy { $0.series.hasPrefix("node:rate(node_cpu_seconds_total{cpu=\"") && $0.value >= 0 })
    }

    /// The body of `url`, or nil while nothing listens there.
    private func curl(_ url: String) throws -> String? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-f", "--max-time", "5", url]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return curl.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// A port the kernel just handed out on 127.0.0.1, free again once the socket closes.
    private func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw XCTSkip("cannot bind 127.0.0.1:0: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
