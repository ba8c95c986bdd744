import Foundation
import Plan
import Results
import Testing
import TestSupport
@testable import Engine

/// HTTP/2 (h2 over TLS and h2c) and TLS with a self-signed certificate, against a real nginx
/// started by the test on loopback; nginx's own access log says which protocol it served.
@Suite(.serialized) struct ProtocolTests {
    final class Nginx {
        let process = Process()
        let dir: URL
        let tlsPort: Int
        let h2cPort: Int

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-nginx-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("www"), withIntermediateDirectories: true)
            try Data(repeating: 65, count: 4_096).write(to: dir.appendingPathComponent("www/audio.bin"))
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                 "-keyout", dir.appendingPathComponent("key.pem").path, "-out", dir.appendingPathComponent("cert.pem").path]
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            try #require(openssl.terminationStatus == 0)
            tlsPort = closedPort()
            h2cPort = closedPort()
            let d = dir.path
            let config = """
            worker_processes 1; daemon off; pid \(d)/pid; error_log \(d)/error.log;
            events { worker_connections 256; }
            http {
              log_format proto '$server_port $server_protocol $status';
              access_log \(d)/access.log proto;
              client_body_temp_path \(d); proxy_temp_path \(d); fastcgi_temp_path \(d); uwsgi_temp_path \(d); scgi_temp_path \(d);
              server { listen 127.0.0.1:\(tlsPort) ssl http2; ssl_certificate \(d)/cert.pem; ssl_certificate_key \(d)/key.pem; root \(d)/www; }
              server { listen 127.0.0.1:\(h2cPort) http2; root \(d)/www; }
            }
            """
            try config.write(to: dir.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            // nginx drops privileges to nobody for its worker: let it read the files.
            for path in [d, d + "/www", d + "/www/audio.bin", d + "/cert.pem", d + "/key.pem"] {
                try FileManager.default.setAttributes([.posixPermissions: path.hasSuffix(".bin") || path.hasSuffix(".pem") ? 0o644 : 0o755], ofItemAtPath: path)
            }
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            process.arguments = ["-c", dir.appendingPathComponent("nginx.conf").path, "-p", d]
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until both ports accept (bounded).
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !(Self.accepts(tlsPort) && Self.accepts(h2cPort)) { usleep(20_000) }
        }

        static func accepts(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        }

        /// "port protocol status" lines nginx logged.
        var accessLog: [String] {
            ((try? String(contentsOf: dir.appendingPathComponent("access.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    func run(_ url: String, insecure: Bool) throws -> [Sample] {
        let yaml = """
        name: protocols
        target: { url: "\(url)", api: raw, http_version: "2", insecure: \(insecure) }
        thread_groups:
          - { name: g, request: { method: GET, path: /audio.bin }, load: { users: 2, duration: 1s }, think_time: 50ms }
        """
        let plan = try PlanLoader.parse(data: Data(yaml.utf8), file: "protocols.yaml").plan
        let sink = CollectingSink()
        try LoadEngine(plan: plan, baseURL: url, threads: 1, sink: sink).run()
        return sink.samples
    }

    @Test func http2OverTLSWithASelfSignedCertificate() throws {
        let nginx = try Nginx()
        let samples = try run("https://127.0.0.1:\(nginx.tlsPort)", insecure: true)
        // 2 users for 1 s with 50 ms think make about 36 requests idle, but the test run niced
        // beside a CPU hog and a release build made 6: 5 are enough for the claims below (the
        // first request of each user pays the handshake, at least one reuses its connection).
        #expect(samples.count >= 5)
        #expect(samples.allSatisfy { $0.success && $0.status == 200 && $0.bodyBytes == 4_096 })
        // Each user's first request pays the TLS handshake; later ones reuse the connection.
        #expect(samples.contains { $0.tls > 0 && $0.connect >= $0.tls })
        #expect(samples.filter { $0.connect == 0 }.count >= samples.count - 4)
        let lines = nginx.accessLog.filter { $0.hasPrefix("\(nginx.tlsPort) ") }
        #expect(lines.count == samples.count)
        #expect(lines.allSatisfy { $0.contains("HTTP/2.0 200") }, "\(lines.prefix(3))")
    }

    @Test func selfSignedCertificateIsRefusedWithoutInsecure() throws {
        let nginx = try Nginx()
        let samples = try run("https://127.0.0.1:\(nginx.tlsPort)", insecure: false)
        #expect(!samples.isEmpty)
        #expect(samples.allSatisfy { !$0.success && $0.errorClass == .tls })
    }

    /// On libcurl < 8 each h2c request opens its own connection (curl/curl#10634); the protocol is still HTTP/2.
    @Test func h2cWithPriorKnowledge() throws {
        let nginx = try Nginx()
        let samples = try run("http://127.0.0.1:\(nginx.h2cPort)", insecure: false)
        #expect(samples.count >= 5 && samples.allSatisfy(\.success), "\(samples.filter { !$0.success }.prefix(2).map { "\($0.status) \($0.failureMessage)" })")
        let lines = nginx.accessLog.filter { $0.hasPrefix("\(nginx.h2cPort) ") }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("HTTP/2.0 200") }, "\(lines.prefix(3))")
    }
}
