import Foundation
import Results
import Testing
import TestSupport
@testable import Cluster
@testable import Engine

/// The control channel is TLS unless plain HTTP is asked for: an agent without a certificate
/// refuses to start, `ttsload agent-cert` makes a CA and a pair that openssl itself verifies,
/// the controller reaches bare addresses over HTTPS and trusts only the CA it is given. Every
/// refusal happens before any load: measured at the target, which counts what it serves.
struct AgentTLSTests {
    let token = "tls-test-token-0123456789abcdef"

    func targetRequests(_ target: ListeningProcess) throws -> Int {
        let stats = try JSONSerialization.jsonObject(with: Data(HTTPCall.perform(url: target.address + "/stats").body)) as? [String: Int]
        return try #require(stats?["requests"])
    }

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "ttsload-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func plan(_ target: ListeningProcess) throws -> String {
        try temporaryFile("""
            name: tls
            target: { url: "\(target.address)", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: /delay/1 }, load: { users: 2, duration: 2s } }
            """)
    }

    @Test func anAgentWithoutCertificateOrPlainHTTPFlagRefusesToStart() throws {
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tokenFile = try temporaryFile(token, name: "token")
        let refused = try runTTSLoad(["agent", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--spool-dir", work + "/spool"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("ttsload agent-cert") && refused.stderr.contains("--plain-http"), "\(refused.stderr)")
        let both = try runTTSLoad(["agent", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--plain-http",
                                   "--tls-cert", "/nonexistent", "--tls-key", "/nonexistent"])
        #expect(both.status == 2 && both.stderr.contains("choose one"), "\(both.stderr)")
    }

    @Test func agentCertMakesAPairOpenSSLVerifiesAndKeepsWhatExists() throws {
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let first = try AgentCertificates(hosts: ["load-1.example", "10.0.0.5", "::1"], in: work)
        for key in [first.key, work + "/ca-key.pem"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(key): mode \(String(mode, radix: 8))")
        }
        let verified = try runCommand(["openssl", "verify", "-purpose", "sslserver", "-CAfile", first.ca, first.certificate])
        #expect(verified.succeeded && verified.stdout.contains(": OK"), "\(verified.stdout) \(verified.stderr)")
        let names = try runCommand(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", first.certificate]).stdout
        #expect(names.contains("DNS:load-1.example") && names.contains("IP Address:10.0.0.5") && names.contains("IP Address:0:0:0:0:0:0:0:1"), "\(names)")
        let caBefore = try Data(contentsOf: URL(fileURLWithPath: first.ca))

        // A second agent: the same CA signs it (the controller keeps one --ca).
        let second = try AgentCertificates(hosts: ["load-2.example"], in: work)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second.ca)) == caBefore)
        #expect(try runCommand(["openssl", "verify", "-CAfile", first.ca, second.certificate]).succeeded)
        // An existing pair is never overwritten; a host that is no name is refused.
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: second.key))
        let again = try runTTSLoad(["agent-cert", "--dir", work, "--host", "load-2.example"])
        #expect(again.status == 2 && again.stderr.contains("exists"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: second.key)) == keyBefore)
        for host in ["../etc/x", "*.com", "a b", "*"] {
            let bad = try runTTSLoad(["agent-cert", "--dir", work, "--host", host])
            #expect(bad.status == 2, "\(host): \(bad.stderr)")
        }
        // A wildcard for a StatefulSet's pod names.
        let wildcard = try AgentCertificates(hosts: ["*.ttsload-agents.example"], in: work)
        let wildNames = try runCommand(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", wildcard.certificate]).stdout
        #expect(wildNames.contains("DNS:*.ttsload-agents.example"), "\(wildNames)")
        #expect(!FileManager.default.fileExists(atPath: work + "/../etc"))
    }

    @Test func theControllerReachesAgentsOverHTTPSAndTrustsOnlyTheGivenCA() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let pair = try AgentCertificates(hosts: ["127.0.0.1"], in: work + "/certs")
        let stranger = try AgentCertificates(hosts: ["127.0.0.1"], in: work + "/other-ca")
        let tokenFile = try temporaryFile(token, name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--spool-dir", work + "/spool"] + pair.agentArguments)
        #expect(agent.address.hasPrefix("https://127.0.0.1:"))
        let bare = String(agent.address.dropFirst("https://".count))
        let plan = try plan(target)

        // Without --ca, and with another CA: refused before any load, with what to do.
        let noCA = try runTTSLoad(["run", plan, "--agents", bare, "--token-file", tokenFile, "--out", work + "/r1", "--no-store"])
        #expect(noCA.status == 3)
        #expect(noCA.stderr.contains("certificate") && noCA.stderr.contains("give --ca"), "\(noCA.stderr)")
        let otherCA = try runTTSLoad(["run", plan, "--agents", bare, "--token-file", tokenFile, "--ca", stranger.ca,
                                      "--out", work + "/r2", "--no-store"])
        #expect(otherCA.status == 3 && otherCA.stderr.contains("certificate"), "\(otherCA.stderr)")
        #expect(try targetRequests(target) == 0)

        // A bare address is HTTPS: with the CA the run goes through, and no plain-HTTP warning.
        let run = try runTTSLoad(["run", plan, "--agents", bare, "--token-file", tokenFile, "--ca", pair.ca,
                                  "--out", work + "/r3", "--no-store", "--no-report"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("plain HTTP"), "\(run.stderr)")
        let rows = try JTLSampleReader.read(path: work + "/r3/results.jtl").samples.count
        #expect(rows > 10)
        #expect(try targetRequests(target) == rows + 1)  // plus the agent's probe
    }

    @Test func aPlainHTTPAgentWarnsAndIsReachedOnlyAsHTTP() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = try folder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tokenFile = try temporaryFile(token, name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--spool-dir", work + "/spool"])
        // The agent's own warning, printed before it listens (seen here on a port already taken).
        let taken = String(target.address.dropFirst("http://".count))
        let warned = try runTTSLoad(["agent", "--plain-http", "--listen", taken, "--token-file", tokenFile, "--spool-dir", work + "/spool2"])
        #expect(warned.status == 3 && warned.stderr.contains("--plain-http: the token, the plans with their secrets"), "\(warned.stderr)")
        let plan = try plan(target)
        // Reached as HTTPS (a bare address): refused, and the message says how to reach it.
        let bare = String(agent.address.dropFirst("http://".count))
        let refused = try runTTSLoad(["run", plan, "--agents", bare, "--token-file", tokenFile, "--out", work + "/r1", "--no-store"])
        #expect(refused.status == 3 && refused.stderr.contains("--plain-http is reached as http://"), "\(refused.stderr)")
        #expect(try targetRequests(target) == 0)
        // As http://: runs, and the controller warns.
        let run = try runTTSLoad(["run", plan, "--agents", "a1=" + agent.address, "--token-file", tokenFile,
                                  "--out", work + "/r2", "--no-store", "--no-report"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("agent(s) a1 reached over plain HTTP"), "\(run.stderr)")
    }
}
