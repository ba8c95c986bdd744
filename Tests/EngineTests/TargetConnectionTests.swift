import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// `target.tls` and `target.proxy` against real counterparts: an nginx that requires a client
/// certificate signed by a CA made here (mutual TLS), and a proxy that counts what it relays.
@Suite(.serialized) struct TargetConnectionTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, all made with openssl.
    final class MutualTLSNginx {
        let process = Process()
        let dir: String
        let port: Int

        static func openssl(_ arguments: [String], in dir: String) throws {
            let out = try runCommand(["openssl"] + arguments, environment: nil)
            try #require(out.succeeded, "openssl \(arguments.prefix(2)): \(out.stderr)")
            _ = dir
        }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-mtls-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir + "/www", withIntermediateDirectories: true)
            try Data(repeating: 65, count: 2_048).write(to: URL(fileURLWithPath: dir + "/www/audio.bin"))
            let d = dir
            try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ttsload test CA",
                              "-keyout", d + "/ca.key", "-out", d + "/ca.pem"], in: d)
            for (name, cn) in [("server", "127.0.0.1"), ("client", "ttsload client")] {
                try Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(cn)", "-keyout", d + "/\(name).key",
                                  "-out", d + "/\(name).csr"], in: d)
                try "subjectAltName=IP:127.0.0.1\n".write(toFile: d + "/\(name).ext", atomically: true, encoding: .utf8)
                try Self.openssl(["x509", "-req", "-in", d + "/\(name).csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
                                  "-CAcreateserial", "-days", "1", "-extfile", d + "/\(name).ext", "-out", d + "/\(name).pem"], in: d)
            }
            port = closedPort()
            let config = """
            worker_processes 1; daemon off; pid \(d)/pid; error_log \(d)/error.log;
            events { worker_connections 64; }
            http {
              log_format v '$ssl_client_verify $status';
              access_log \(d)/access.log v;
              client_body_temp_path \(d); proxy_temp_path \(d); fastcgi_temp_path \(d); uwsgi_temp_path \(d); scgi_temp_path \(d);
              server {
                listen 127.0.0.1:\(port) ssl; root \(d)/www;
                ssl_certificate \(d)/server.pem; ssl_certificate_key \(d)/server.key;
                ssl_client_certificate \(d)/ca.pem; ssl_verify_client on;
              }
            }
            """
            try config.write(toFile: d + "/nginx.conf", atomically: true, encoding: .utf8)
            for name in try FileManager.default.contentsOfDirectory(atPath: d) {
                try FileManager.default.setAttributes([.posixPermissions: name == "www" ? 0o755 : 0o644], ofItemAtPath: d + "/" + name)
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: d)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: d + "/www/audio.bin")
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            process.arguments = ["-c", d + "/nginx.conf", "-p", d]
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !ProtocolTests.Nginx.accepts(port) { usleep(20_000) }
        }

        /// `$ssl_client_verify $status` per request nginx served.
        var accessLog: [String] {
            ((try? String(contentsOfFile: dir + "/access.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    func run(_ targetYAML: String, baseDirectory: String, path: String = "/audio.bin") throws -> [Sample] {
        let yaml = """
        name: connection
        target: \(targetYAML)
        thread_groups:
          - { name: g, request: { method: GET, path: \(path) }, load: { users: 2, duration: 1s }, think_time: 50ms }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "connection.yaml", baseDirectory: baseDirectory).plan
        let sink = CollectingSink()
        guard case .url(let url) = plan.target.location else { throw CancellationError() }
        try LoadEngine(plan: plan, baseURL: url, threads: 1, sink: sink).run()
        return sink.samples
    }

    @Test func mutualTLSWithThePlansCAAndClientCertificate() throws {
        let nginx = try MutualTLSNginx()
        let url = "https://127.0.0.1:\(nginx.port)"
        // The plan's CA verifies the server; its client certificate (paths relative to the plan) satisfies nginx.
        let full = try run("{ url: \"\(url)\", api: raw, tls: { ca: ca.pem, cert: client.pem, key: client.key } }", baseDirectory: nginx.dir)
        #expect(full.count >= 10 && full.allSatisfy { $0.success && $0.status == 200 && $0.bodyBytes == 2_048 },
                "\(full.prefix(2).map { "\($0.status) \($0.failureMessage)" })")
        #expect(nginx.accessLog.filter { $0 == "SUCCESS 200" }.count == full.count, "\(nginx.accessLog.prefix(3))")
        // The CA alone: the server is trusted, but nginx refuses a client without a certificate (400).
        let noCert = try run("{ url: \"\(url)\", api: raw, tls: { ca: ca.pem } }", baseDirectory: nginx.dir)
        #expect(!noCert.isEmpty && noCert.allSatisfy { !$0.success && $0.status == 400 })
        // Without the CA, the system's store does not know this CA: a TLS error.
        let noCA = try run("{ url: \"\(url)\", api: raw }", baseDirectory: nginx.dir)
        #expect(!noCA.isEmpty && noCA.allSatisfy { !$0.success && $0.errorClass == .tls })
    }

    @Test func aMissingFileIsAPlanError() throws {
        let yaml = """
        name: connection
        target: { url: "https://127.0.0.1:1", api: raw, tls: { ca: no-such-ca.pem, key: k.pem } }
        thread_groups:
          - { name: g, request: { method: GET, path: / }, load: { users: 1, duration: 1s } }
        """
        #expect {
            _ = try PlanLoader.parse(data: Data(yaml.utf8), file: "connection.yaml", baseDirectory: "/nonexistent")
        } throws: { error in
            let text = (error as? PlanErrors)?.diagnostics.map(\.description).joined(separator: "\n") ?? ""
            return text.contains("connection.yaml:2:") && text.contains("cannot read the CA bundle /nonexistent/no-such-ca.pem")
                && text.contains("tls.key needs tls.cert")
        }
    }

    /// The target's URL names a closed port: every answer came through the proxy, which counts them.
    @Test func requestsGoThroughTheProxy() throws {
        let proxy = try ListeningProcess(fixture: "target.py")
        let samples = try run("{ url: \"http://127.0.0.1:\(closedPort())\", api: raw, proxy: \"\(proxy.address)\" }", baseDirectory: ".",
                          path: "/delay/1")
        #expect(samples.count >= 10 && samples.allSatisfy { $0.success && $0.status == 200 },
                "\(samples.prefix(2).map { "\($0.status) \($0.failureMessage)" })")
        let stats = try JSONSerialization.jsonObject(with: Data(HTTPCall.perform(url: proxy.address + "/stats").body)) as? [String: Int]
        #expect(stats?["proxied"] == samples.count)
    }
}
