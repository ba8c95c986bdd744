import Foundation

/// A CA and one agent certificate valid for `hosts`, made by `ttsload agent-cert` as a user makes
/// them: what agents serve their control API with in the tests that run over TLS.
public struct AgentCertificates: Sendable {
    public let ca: String
    public let certificate: String
    public let key: String

    public init(hosts: [String], in directory: String) throws {
        let made = try runTTSLoad(["agent-cert", "--dir", directory] + hosts.flatMap { ["--host", $0] })
        guard made.status == 0 else { throw CommandFailed(message: "ttsload agent-cert: \(made.stderr)") }
        let stem = directory + "/agent-" + hosts[0].replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: "*", with: "_")
        ca = directory + "/ca.pem"
        certificate = stem + ".pem"
        key = stem + "-key.pem"
    }

    /// `ttsload agent` arguments serving with this pair.
    public var agentArguments: [String] { ["--tls-cert", certificate, "--tls-key", key] }

    public struct CommandFailed: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
