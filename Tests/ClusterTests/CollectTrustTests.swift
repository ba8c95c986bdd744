import Foundation
import Testing
import TestSupport

/// `ttsload collect` reads a run folder that may come from anyone: a crafted cluster.json must not
/// make it write outside the folder, send the token anywhere, or read a token file it names.
/// Each case is refused with exit 2 before any connection to the address the file names, which a
/// listening socket here would have queued (it accepts nothing, so a connection would wait in its
/// backlog).
@Suite struct CollectTrustTests {
    /// A loopback socket that listens and never accepts: `connections()` tells whether anyone came.
    final class Tripwire {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            try #require(bound == 0 && listen(fd, 16) == 0)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Connections waiting in the backlog (accepted and closed here, so each counts once).
        func connections() -> Int {
            var n = 0
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return n }
                close(client)
                n += 1
            }
        }

        deinit { close(fd) }
    }

    static func folder(cluster: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-collect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try cluster.write(toFile: path + "/cluster.json", atomically: true, encoding: .utf8)
        return path
    }

    static func cluster(runID: String = "stepped-20261204-101500", name: String = "a1", url: String, extra: String = "") -> String {
        """
        {"run_id": "\(runID)", "target": "http://127.0.0.1:1", "agents": [{"name": "\(name)", "url": "\(url)"}]\(extra)}
        """
    }

    @Test(arguments: [
        ("name", "../../escaped", "http://127.0.0.1:PORT", "agents[0]: an agent name"),
        ("name with slash", "a/b", "http://127.0.0.1:PORT", "agents[0]: an agent name"),
        ("url with path", "a1", "http://127.0.0.1:PORT/steal?x=", "agents[0]: an agent URL is scheme, host and port only"),
        ("url with user", "a1", "http://me:pw@127.0.0.1:PORT", "agents[0]: an agent URL is scheme, host and port only"),
        ("url scheme", "a1", "file:///etc/passwd", "agents[0]: expected host:port"),
    ])
    func craftedAgentsAreRefusedBeforeAnyRequest(_ case_: (String, String, String, String)) throws {
        let (what, name, rawURL, message) = case_
        let tripwire = try Tripwire()
        let folder = try Self.folder(cluster: Self.cluster(name: name, url: rawURL.replacingOccurrences(of: "PORT", with: "\(tripwire.port)")))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let token = try temporaryFile("collect-test-token-0123456789", name: "token")
        let result = try runTTSLoad(["collect", folder, "--token-file", token])
        #expect(result.status == 2, "\(what): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("cluster.json: \(message)"), "\(what): \(result.stderr)")
        #expect(tripwire.connections() == 0, "\(what): collect connected")
        #expect(!FileManager.default.fileExists(atPath: folder + "/agents"), "\(what): collect wrote files")
    }

    @Test func aCraftedRunIDIsRefused() throws {
        let tripwire = try Tripwire()
        for runID in ["../../x", "a/b", "x?agent=y", ".hidden", ""] {
            let folder = try Self.folder(cluster: Self.cluster(runID: runID, url: "http://127.0.0.1:\(tripwire.port)"))
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let token = try temporaryFile("collect-test-token-0123456789", name: "token")
            let result = try runTTSLoad(["collect", folder, "--token-file", token])
            #expect(result.status == 2 && result.stderr.contains("run_id"), "\(runID): \(result.stderr)")
        }
        #expect(tripwire.connections() == 0)
    }

    /// A token file named in cluster.json is never read, nor its content sent: collect wants
    /// --token-file on its own command line.
    @Test func theTokenComesOnlyFromTheCommandLine() throws {
        let tripwire = try Tripwire()
        let secret = try temporaryFile("a-local-secret-someone-wants\n", name: "secret")
        let folder = try Self.folder(cluster: Self.cluster(url: "http://127.0.0.1:\(tripwire.port)", extra: ", \"token_file\": \"\(secret)\""))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try runTTSLoad(["collect", folder])
        #expect(result.status == 2 && result.stderr.contains("collect needs --token-file"), "\(result.stderr)")
        #expect(tripwire.connections() == 0)
    }

    /// agents/ as a symlink out of the folder, or a planted symlink inside it: refused, nothing
    /// written where they point.
    @Test func writesStayInsideTheRunFolder() throws {
        let tripwire = try Tripwire()
        let token = try temporaryFile("collect-test-token-0123456789", name: "token")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-outside-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }

        let linked = try Self.folder(cluster: Self.cluster(url: "http://127.0.0.1:\(tripwire.port)"))
        defer { try? FileManager.default.removeItem(atPath: linked) }
        try FileManager.default.createSymbolicLink(atPath: linked + "/agents", withDestinationPath: outside)
        let first = try runTTSLoad(["collect", linked, "--token-file", token])
        #expect(first.status == 2 && first.stderr.contains("collect writes only inside the run folder"), "\(first.stderr)")

        let planted = try Self.folder(cluster: Self.cluster(url: "http://127.0.0.1:\(tripwire.port)"))
        defer { try? FileManager.default.removeItem(atPath: planted) }
        try FileManager.default.createDirectory(atPath: planted + "/agents", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: planted + "/agents/a1.jtl.part", withDestinationPath: outside + "/victim")
        let second = try runTTSLoad(["collect", planted, "--token-file", token])
        #expect(second.status == 2 && second.stderr.contains("a symlink"), "\(second.stderr)")

        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(tripwire.connections() == 0)
    }

    /// A well-formed address is still anyone's: without --agents naming it (or HTTPS verified by
    /// --ca) the token is not sent there, and --agents that disagree with the file stop collect.
    @Test func theTokenGoesOnlyToAgentsTheCommandLineNames() throws {
        let tripwire = try Tripwire()
        let token = try temporaryFile("collect-test-token-0123456789", name: "token")
        let plain = "http://127.0.0.1:\(tripwire.port)"
        for (cluster, extra, message) in [
            (Self.cluster(url: plain), [String](), "collect sends the token only to agents you vouch for"),
            (Self.cluster(url: "https://127.0.0.1:\(tripwire.port)"), [], "or --ca with the CA that signed"),
            (Self.cluster(url: plain), ["--agents", "a1=http://127.0.0.1:1"], "--agents says http://127.0.0.1:1"),
            (Self.cluster(url: plain), ["--agents", "a2=\(plain)"], "--agents does not list it"),
            (Self.cluster(url: plain), ["--agents", "a1=\(plain),a2=http://127.0.0.1:1"], "--agents lists a2"),
        ] {
            let folder = try Self.folder(cluster: cluster)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let result = try runTTSLoad(["collect", folder, "--token-file", token] + extra)
            #expect(result.status == 2 && result.stderr.contains(message), "\(extra): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/agents"), "\(extra): collect wrote files")
        }
        #expect(tripwire.connections() == 0)
    }
}
