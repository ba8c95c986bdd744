import Foundation
import TestSupport

/// Debian's JMeter 2.13 (packages jmeter, jmeter-http; ./setup installs them) started through
/// Tests/Fixtures/jmeter-2.13/PermissiveJMeter.java, which lets Debian's newer XStream load .jmx
/// files (that folder's README says why). Non-GUI, bounded in time, output in files.
enum JMeterProcess {
    static let home = "/usr/share/jmeter"

    struct Missing: Error, CustomStringConvertible {
        var description: String { "JMeter is not installed (./setup installs Debian's jmeter and jmeter-http)" }
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `jmeter -n -t plan -l jtl` with `properties` (-Jname=value) and the JTL's field names
    /// on its first line; fails when JMeter exits non-zero, writes no JTL or outlives `timeout` s.
    static func run(plan: String, jtl: String, properties: [String: String], folder: String, timeout: Double = 120) throws {
        guard FileManager.default.fileExists(atPath: home + "/bin/ApacheJMeter.jar"),
              FileManager.default.fileExists(atPath: home + "/lib/ext/ApacheJMeter_http.jar") else { throw Missing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["java", "-Djmeter.home=\(home)", "-cp", "\(home)/bin/ApacheJMeter.jar",
                             repositoryRoot + "/Tests/Fixtures/jmeter-2.13/PermissiveJMeter.java",
                             "-n", "-t", plan, "-l", jtl, "-j", folder + "/jmeter.log",
                             "-Jjmeter.save.saveservice.print_field_names=true"]
            + properties.sorted { $0.key < $1.key }.map { "-J\($0.key)=\($0.value)" }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        FileManager.default.createFile(atPath: folder + "/jmeter.out", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/jmeter.out"))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = done.wait(timeout: .now() + 10)
            throw Failed(description: "JMeter still running after \(Int(timeout)) s (output in \(folder)/jmeter.out)")
        }
        let printed = (try? String(contentsOfFile: folder + "/jmeter.out", encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: jtl) else {
            throw Failed(description: "JMeter exited \(process.terminationStatus) without \(jtl):\n\(printed.suffix(2000))")
        }
    }
}
