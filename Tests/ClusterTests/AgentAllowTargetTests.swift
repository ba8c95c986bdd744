import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// `ttsload agent --allow-target`: a prepare aimed anywhere else is refused before any request
/// (the target, which counts what it serves, sees not even the probe).
struct AgentAllowTargetTests {
    let token = "allow-test-token-0123456789abcdef"

    func prepare(agent allow: [String], target: ListeningProcess, extra: String = "", top: String = "",
                 files: [AgentProtocol.File] = []) throws -> HTTPCall.Reply {
        let spool = NSTemporaryDirectory() + "ttsload-allow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--name", "allow",
                                          "--spool-dir", spool] + allow.flatMap { ["--allow-target", $0] })
        let plan = """
            name: allow
            target: { url: "\(target.address)", api: raw\(extra) }
            \(top)
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/1 }, load: { users: 1, duration: 1s } }
            """
        let body = AgentProtocol.encode(AgentProtocol.Prepare(runID: "r1", agentName: "a", slot: .whole, threads: 1, seed: 1, planName: "allow",
                                                              planYAML: plan, files: files, controllerTimeout: 10))
        return try HTTPCall.perform(method: "POST", url: agent.address + "/v1/prepare", headers: [("Authorization", "Bearer " + token)], body: body)
    }

    func requests(_ target: ListeningProcess) throws -> Int {
        let stats = try JSONSerialization.jsonObject(with: Data(HTTPCall.perform(url: target.address + "/stats").body)) as? [String: Int]
        return try #require(stats?["requests"])
    }

    @Test func targetsOutsideTheListAreRefusedBeforeAnyRequest() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let port = try #require(target.address.split(separator: ":").last.map(String.init))
        for allow in [["127.0.0.1:1"], ["10.0.0.0/8"], ["localhost"], ["127.0.0.2"]] {
            let reply = try prepare(agent: allow, target: target)
            #expect(reply.status == 400 && reply.text.contains("not allowed by this agent's --allow-target"), "\(allow): \(reply.status) \(reply.text)")
        }
        // A proxy outside the list is refused too, though the target is allowed.
        let viaProxy = try prepare(agent: ["127.0.0.1:\(port)"], target: target, extra: ", proxy: \"http://10.1.2.3:3128\"")
        #expect(viaProxy.status == 400 && viaProxy.text.contains("target.proxy"), "\(viaProxy.text)")
        #expect(try requests(target) == 0)

        for allow in [["127.0.0.1:\(port)"], ["127.0.0.0/8"], ["10.0.0.0/8", "127.0.0.1"]] {
            let reply = try prepare(agent: allow, target: target)
            #expect(reply.status == 200, "\(allow): \(reply.text)")
        }
        #expect(try requests(target) == 3)  // one probe per accepted prepare
    }

    /// An agent opens no file the controller names: a data set at an absolute path is refused
    /// at prepare; the controller ships such a file instead, and the run reads it.
    @Test func dataFilesTravelWithThePlan() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let named = try prepare(agent: [], target: target, top: "data: { t: { file: /etc/hostname, format: lines } }")
        #expect(named.status == 400 && named.text.contains("an agent reads only files shipped with the plan"), "\(named.text)")
        #expect(try requests(target) == 0)

        // A controller run whose data file lies outside the plan's folder, by absolute path.
        let csv = try temporaryFile("voice\nalpha-voice\nbeta-voice\n", name: "voices.csv")
        let plan = try temporaryFile("""
            name: shipped
            target: { url: "\(target.address)", api: raw }
            data: { voices: "\(csv)" }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/1, label: "${voice}" }, load: { users: 2, duration: 1s } }
            """)
        let spool = NSTemporaryDirectory() + "ttsload-ship-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--name", "ship",
                                          "--spool-dir", spool])
        let out = NSTemporaryDirectory() + "ttsload-ship-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try runTTSLoad(["run", plan, "--agents", "a1=" + agent.address,
                                  "--token-file", tokenFile, "--out", out])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let jtl = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8)
        #expect(jtl.contains(",alpha-voice,") && jtl.contains(",beta-voice,"), "\(jtl.prefix(300))")
    }

    /// The agent caps what a prepare ships, whatever the controller checked: files over 64 MiB in
    /// all are refused before any is written or the target probed, and a body larger than those
    /// could encode to is refused without being decoded.
    @Test func shippedFilesAreCappedByTheAgent() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let quarter = String(repeating: "A", count: 24 * 1_048_576)  // base64 of 18 MiB
        let over = try prepare(agent: [], target: target, files: (1...4).map { AgentProtocol.File(path: "d\($0).bin", base64: quarter) })
        #expect(over.status == 400 && over.text.contains("more than the 64 MiB an agent takes"), "\(over.status) \(over.text.prefix(300))")
        let huge = AgentProtocol.File(path: "big.bin", base64: String(repeating: "A", count: AgentProtocol.maxBodyBytes))
        let unread = try prepare(agent: [], target: target, files: [huge])
        #expect(unread.status == 400 && unread.text.contains("body: larger than"), "\(unread.status) \(unread.text.prefix(300))")
        #expect(try requests(target) == 0)
    }

    @Test func rulesParseAndNetworksMatch() throws {
        #expect(TargetAllowList.rule("tts.internal") == .host("tts.internal", port: nil))
        #expect(TargetAllowList.rule("TTS.internal:8443") == .host("tts.internal", port: 8443))
        #expect(TargetAllowList.rule("[::1]:7070") == .host("::1", port: 7070))
        #expect(TargetAllowList.rule("10.0.0.0/33") == nil && TargetAllowList.rule("host:0") == nil && TargetAllowList.rule("a b") == nil)
        let list = TargetAllowList(rules: ["192.168.0.0/16", "fd00::/8", "api.example.com:443"].compactMap(TargetAllowList.rule))
        #expect(list.refusal("http://192.168.40.2:8080/v1") == nil)
        #expect(list.refusal("http://192.169.0.1/") != nil)
        #expect(list.refusal("https://[fd12::5]/") == nil)
        #expect(list.refusal("https://api.example.com/v1") == nil)
        #expect(list.refusal("http://api.example.com/v1") != nil)  // port 80, not 443
    }
}

/// `--allow-target` across hosts: an agent on its own network host, allowed only the server host
/// (198.18.0.10 in the namespace lab), is aimed by the controller at another host that answers;
/// that host sees not one request, and the allowed server gets the run.
@Suite(.serialized) struct AgentAllowTargetLabTests {
    @Test func anAgentAllowedOneHostSendsNothingToAnother() throws {
        let lab = try NetworkLab(hosts: ["server", "other", "controller", "agent1"])
        defer { lab.close() }
        print("allow-target lab: \(lab.description)")
        if lab.isolated { #expect(lab.address(of: "server") == "198.18.0.10") }
        try lab.checkRoutes(from: "agent1", to: [lab.address(of: "server"), lab.address(of: "other")])
        let work = NSTemporaryDirectory() + "ttsload-allow-lab-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tokenFile = work + "/token"
        try "allow-lab-token-0123456789abcdef".write(toFile: tokenFile, atomically: true, encoding: .utf8)

        var targets: [String: (process: LabProcess, url: String)] = [:]
        for host in ["server", "other"] {
            let process = try lab.spawn(host: host, arguments: ["python3", "-u", repositoryRoot + "/Tests/Fixtures/target.py", "0", lab.address(of: host)])
            targets[host] = (process, try process.waitForLine(startingWith: "listening on "))
        }
        let certificates = try AgentCertificates(hosts: [lab.address(of: "agent1")], in: work + "/certs")
        let agent = try lab.spawn(host: "agent1", arguments: [ttsloadBinary, "agent", "--listen", lab.address(of: "agent1") + ":0",
                                                               "--token-file", tokenFile, "--spool-dir", work + "/spool",
                                                               "--allow-target", lab.address(of: "server")] + certificates.agentArguments)
        let agentURL = try agent.waitForLine(startingWith: "listening on ", timeout: 60)

        /// What the target on `host` served, asked from the controller's host.
        func served(_ host: String) throws -> Int {
            let result = try runCommand((lab.namespace(of: "controller").map { ["ip", "netns", "exec", $0] } ?? [])
                                        + ["curl", "-fsS", targets[host]!.url + "/stats"])
            let stats = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Int]
            return try #require(stats?["requests"], "\(result.stderr)")
        }
        func run(at host: String, out: String) throws -> LabProcess {
            let plan = work + "/\(host).yaml"
            try """
                name: allow-\(host)
                target: { url: "\(targets[host]!.url)", api: raw }
                thread_groups:
                  - { name: g, request: { method: GET, path: /delay/5 }, load: { users: 2, duration: 2s } }
                """.write(toFile: plan, atomically: true, encoding: .utf8)
            let controller = try lab.spawn(host: "controller", arguments: [ttsloadBinary, "run", plan, "--agents", "a1=" + agentURL,
                                                                            "--token-file", tokenFile, "--ca", certificates.ca,
                                                                            "--out", out, "--no-store", "--no-report"])
            #expect(controller.waitForExit(timeout: 60), "controller still running")
            return controller
        }

        let refused = try run(at: "other", out: work + "/r1")
        #expect(refused.exitStatus == 3, "\(refused.errors)")
        #expect(refused.errors.contains("not allowed by this agent's --allow-target"), "\(refused.errors)")
        #expect(try served("other") == 0)

        let allowed = try run(at: "server", out: work + "/r2")
        #expect(allowed.exitStatus == 0, "\(allowed.errors)")
        let rows = try JTLSampleReader.read(path: work + "/r2/results.jtl").samples.count
        #expect(rows > 20)
        #expect(try served("server") == rows + 1)  // plus the agent's probe
        #expect(try served("other") == 0)
    }
}
