import ArgumentParser
import Foundation

/// `ttsload agent-cert`: the TLS pair an agent serves its control API with, signed by a CA the
/// controller trusts (`--ca`). One command per agent host; the CA is made on first use and reused.
///
/// Keys and certificates are made by the `openssl` command (Debian's openssl package, which
/// ./setup installs) rather than in-process: the Swift route (swift-certificates) would add
/// swift-crypto's own BoringSSL to every build of the tool, for a command run once per host.
struct AgentCertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-cert",
        abstract: "Make an agent's TLS certificate and key, signed by a CA kept in the same folder (made on first use).",
        discussion: """
            Writes DIR/ca.pem and DIR/ca-key.pem once, then DIR/agent-HOST.pem and DIR/agent-HOST-key.pem
            for the first --host, valid for every --host given (DNS names, `*.NAME` wildcards or IP
            addresses: the names the controller uses in --agents). Keys are ECDSA P-256, mode 0600. Copy the agent's pair to its
            host (`ttsload agent --tls-cert ... --tls-key ...`) and give the controller `--ca DIR/ca.pem`;
            keep ca-key.pem where only you can read it. Existing agent files are never overwritten.
            """)

    @Option(help: ArgumentHelp("Folder for the CA and the agents' pairs.", valueName: "dir"))
    var dir = "ttsload-certs"

    @Option(name: .customLong("host"), parsing: .singleValue,
            help: ArgumentHelp("A name or address the controller reaches the agent by (repeatable; the first names the files).", valueName: "host"))
    var hosts: [String] = []

    @Option(help: "Days the certificates stay valid.")
    var days = 825

    func validate() throws {
        guard !hosts.isEmpty else { throw ValidationError("give --host: the name or address the controller uses for this agent") }
        for host in hosts where Self.subjectAltName(host) == nil {
            throw ValidationError("--host \(host): expected a DNS name (letters, digits, '-', '.') or an IP address")
        }
        guard (1...3650).contains(days) else { throw ValidationError("--days \(days): expected 1 to 3650") }
    }

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure(.usage, "--dir \(dir): \(error.localizedDescription)")
        }
        let ca = dir + "/ca.pem", caKey = dir + "/ca-key.pem"
        let stem = dir + "/agent-" + hosts[0].replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: "*", with: "_")
        let certificate = stem + ".pem", key = stem + "-key.pem"
        for path in [certificate, key] where FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(.usage, "\(path) exists: remove it first to make a new pair (a pair is never overwritten)")
        }
        let fresh = !FileManager.default.fileExists(atPath: ca)
        if fresh {
            if FileManager.default.fileExists(atPath: caKey) { throw CommandFailure(.usage, "\(caKey) exists without \(ca): remove it or restore \(ca)") }
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", String(days),
                         "-subj", "/CN=ttsload agents CA", "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", caKey, "-out", ca])
            try restrict(caKey)
        } else if !FileManager.default.isReadableFile(atPath: caKey) {
            throw CommandFailure(.usage, "\(ca) exists but \(caKey) cannot be read: the CA key signs agents' certificates")
        }
        let scratch = dir + "/.agent-cert-\(getpid())"
        defer { for suffix in [".csr", ".ext"] { try? FileManager.default.removeItem(atPath: scratch + suffix) } }
        let extensions = """
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = \(hosts.compactMap(Self.subjectAltName).joined(separator: ","))

            """
        try extensions.write(toFile: scratch + ".ext", atomically: true, encoding: .utf8)
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-subj", "/CN=" + hosts[0], "-keyout", key, "-out", scratch + ".csr"])
        try restrict(key)
        let serial = "0x" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255) & 0x7f) }.joined()
        try openssl(["x509", "-req", "-in", scratch + ".csr", "-CA", ca, "-CAkey", caKey, "-set_serial", serial, "-days", String(days),
                     "-extfile", scratch + ".ext", "-out", certificate])
        print(fresh ? "made the CA: \(ca) (its key \(caKey): keep it private)" : "signed with the CA \(ca)")
        print("""
            made the agent's pair for \(hosts.joined(separator: ", ")): \(certificate), \(key)
              on the agent:      ttsload agent --listen 0.0.0.0:7070 --token-file token --tls-cert \(certificate) --tls-key \(key)
              on the controller: ttsload run PLAN --agents \(Self.urlHost(hosts[0])):7070 --token-file token --ca \(ca)
            """)
    }

    /// `DNS:name` or `IP:address` for a certificate's subjectAltName, nil for anything else.
    static func subjectAltName(_ host: String) -> String? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return "IP:" + host }
        // A DNS name, or a wildcard for one level under a name (`*.agents.example`: a StatefulSet's pods).
        let label = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
        guard host.count <= 253, host.range(of: "^(\\*\\.)?\(label)(\\.\(label))*$", options: .regularExpression) != nil,
              !host.hasPrefix("*.") || host.dropFirst(2).contains(".") else { return nil }
        return "DNS:" + host
    }

    static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    private func restrict(_ path: String) throws {
        guard chmod(path, 0o600) == 0 else { throw CommandFailure(.runtime, "\(path): cannot restrict it to its owner: \(String(cString: strerror(errno)))") }
    }

    /// Runs `openssl ARGS` (no shell), failing with its own message.
    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw CommandFailure(.runtime, "cannot run openssl (Debian: apt install openssl): \(error)") }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure(.runtime, "openssl \(arguments[0]) failed (exit \(process.terminationStatus)): \(text.suffix(600))")
        }
    }
}
