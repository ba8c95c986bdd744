import Foundation
import Testing
import TestSupport

/// An agent starved of CPU (pinned to one core beside a busy loop on the same core) is flagged as
/// saturated on the controller: live, in summary.json and in the figures behind it. The target is
/// nginx on the other core, fast enough that the agent's engine thread, not the target, is what
/// limits the load. Named *TimingTests: `make test` runs it alone, since it pins a busy loop to a core.
@Suite(.serialized) struct GeneratorSaturationTimingTests {
    static let token = "saturation-test-token-0123456789abcdef"

    /// nginx serving one small file on a free loopback port, pinned to core 1.
    final class Nginx {
        let process = Process()
        let dir: String
        let port = closedPort()

        init() throws {
            dir = NSTemporaryDirectory() + "ttsload-sat-nginx-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir + "/www", withIntermediateDirectories: true)
            try Data(repeating: 65, count: 512).write(to: URL(fileURLWithPath: dir + "/www/a.bin"))
            for (path, mode) in [(dir, 0o755), (dir + "/www", 0o755), (dir + "/www/a.bin", 0o644)] {
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            }
            try """
                worker_processes 1; daemon off; pid \(dir)/pid; error_log \(dir)/error.log;
                events { worker_connections 512; }
                http {
                  access_log off;
                  client_body_temp_path \(dir); proxy_temp_path \(dir); fastcgi_temp_path \(dir); uwsgi_temp_path \(dir); scgi_temp_path \(dir);
                  server { listen 127.0.0.1:\(port); root \(dir)/www; keepalive_requests 1000000; }
                }
                """.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", "1", "/usr/sbin/nginx", "-c", dir + "/nginx.conf", "-p", dir]
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, (try? HTTPProbe.status("http://127.0.0.1:\(port)/a.bin")) != 200 { usleep(20_000) }
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    @Test func anAgentStarvedOfCPUIsFlaggedSaturated() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
        try #require(ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two cores: one for the target, one for the starved agent")
        let nginx = try Nginx()
        let work = NSTemporaryDirectory() + "ttsload-saturation-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tokenFile = work + "/token"
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        // The busy neighbour: ends by itself after 60 s, and is killed at the end of the test (with
        // SIGKILL: a child of the test process may inherit SIGTERM ignored).
        let hog = Process()
        hog.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        hog.arguments = ["-c", "0", "python3", "-c", "import time\nend = time.time() + 60\nwhile time.time() < end: pass"]
        try hog.run()
        defer {
            kill(hog.processIdentifier, SIGKILL)
            hog.waitUntilExit()
        }
        let agent = try ListeningProcess(["taskset", "-c", "0", ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--name", "agent1", "--spool-dir", work + "/spool"])
        let plan = work + "/plan.yaml"
        try """
            name: starved
            target: { url: "http://127.0.0.1:\(nginx.port)", api: raw }
            defaults: { checks: { status: 200 } }
            thread_groups:
              - { name: g, request: { method: GET, path: /a.bin }, load: { users: 40, duration: 6s } }
            """.write(toFile: plan, atomically: true, encoding: .utf8)
        let out = work + "/run"
        let run = try runTTSLoad(["run", plan, "--agents", "agent1=" + agent.address, "--token-file", tokenFile, "--out", out,
                                  "--threads", "1", "--no-report"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let monitors = try #require(summary["monitors"] as? [String: Any])
        #expect(monitors["generator_saturated"] as? Bool == true)
        let figures = try #require((monitors["agents"] as? [String: Any])?["agent1"] as? [String: Any])
        let saturatedSeconds = try #require(figures["saturated_seconds"] as? Int)
        #expect(saturatedSeconds >= 2, "\(figures)")
        // Starved, not merely busy: it wanted a whole core and got about half of one beside the loop.
        #expect(try #require(figures["max_demand"] as? Double) >= 0.9 || (figures["max_wait_ms"] as? Double ?? 0) >= 2)
        #expect(try #require(figures["max_cpu_cores"] as? Double) <= 0.8, "\(figures)")
        #expect(run.stdout.contains("GENERATOR SATURATED: agent agent1"))
        #expect(run.stdout.contains("agent agent1: load generator SATURATED"))
        let series = try #require(monitors["series"] as? [String: Any])
        #expect(series["ttsload:engine_demand_percent{agent=\"agent1\"}"] != nil)

        // Compared with anything, this run's changes are not verdicts: it says why, for the side it is.
        let compared = try runTTSLoad(["compare", out, out, "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as? [String: Any], "\(compared.stderr)")
        let noisy = try #require(document["noisy"] as? [String])
        #expect(noisy == ["base: agent agent1's load generator was saturated in \(saturatedSeconds) of \(figures["seconds"] as? Int ?? -1) s",
                          "candidate: agent agent1's load generator was saturated in \(saturatedSeconds) of \(figures["seconds"] as? Int ?? -1) s"],
                "\(noisy)")
    }
}

/// The status of one GET (libcurl through the tool's own control-call client is not used here:
/// a plain socket read through curl keeps the probe independent of the tool under test).
enum HTTPProbe {
    static func status(_ url: String) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self)) ?? 0
    }
}
