import ArgumentParser
import Cluster
import Foundation

/// `ttsload agent`: a load-generating daemon for distributed runs (docs/distributed.md).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Serve as a load agent: a controller (`ttsload run --agents`) ships it plans and starts its share.",
        discussion: """
            Every request must carry the token from --token-file as `Authorization: Bearer ...`; others
            get 401 and change nothing. The agent sends load only to the plan's target. Samples are
            spooled in --spool-dir/<run id>/<agent name>/results.jtl and survive a restart; each agent
            needs its own --spool-dir (it locks it; a second agent on it refuses to start). A running
            load stops by itself when the controller has been silent for the controller's timeout
            (default 10 s). SIGTERM/SIGINT stop the load as the controller's stop does, close the
            spool and let the controller fetch it before the agent exits.
            The control API is HTTPS: --tls-cert and --tls-key (make them with `ttsload agent-cert`; the
            controller trusts them through --ca). Plain HTTP only with --plain-http, which warns: the
            token, the plans (with their secrets) and the results would cross the network readable.
            Prints `listening on https://HOST:PORT` when ready.
            """)

    @Option(help: ArgumentHelp("Address and port to listen on (port 0 picks a free one).", valueName: "host:port"))
    var listen: String

    @Option(name: .customLong("token-file"), help: "File holding the shared bearer token (whitespace around it is ignored).")
    var tokenFile: String

    @Option(help: "Name in logs and /v1/info (default: the host name).")
    var name: String?

    @Option(name: .customLong("spool-dir"), help: "Where runs' samples are kept until the controller collects them.")
    var spoolDir = "spool"

    @Option(name: .customLong("allow-target"), parsing: .singleValue,
            help: ArgumentHelp("Targets the controller may aim this agent at: HOST, HOST:PORT, [IPv6]:PORT or a CIDR such as 10.0.0.0/8 (repeatable). Without it, any target (a warning says so).",
                               valueName: "target"))
    var allowTarget: [String] = []

    @Option(name: .customLong("tls-cert"), help: "PEM certificate (chain) to serve the control API over HTTPS; needs --tls-key.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Flag(name: .customLong("plain-http"), help: "Serve the control API over plain HTTP instead of TLS (a warning says what crosses the network in clear).")
    var plainHTTP = false

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if plainHTTP && tlsCert != nil { throw ValidationError("--plain-http and --tls-cert: choose one") }
        if !plainHTTP && tlsCert == nil {
            throw ValidationError("""
                the control API is served over TLS: give --tls-cert and --tls-key (make them with \
                `ttsload agent-cert --host THIS-HOST`, then give the controller --ca ttsload-certs/ca.pem), \
                or --plain-http on a network you trust
                """)
        }
        for item in allowTarget where TargetAllowList.rule(item) == nil {
            throw ValidationError("--allow-target \(item): expected HOST, HOST:PORT, [IPv6]:PORT or a CIDR such as 10.0.0.0/8")
        }
    }

    func run() async throws {
        let token = try readToken(tokenFile)
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw CommandFailure(.usage, "--listen \(listen): expected host:port, e.g. 0.0.0.0:7070")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        do {
            try FileManager.default.createDirectory(atPath: spoolDir, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.usage, "--spool-dir \(spoolDir): \(error.localizedDescription)")
        }
        let spoolDirectory = URL(fileURLWithPath: spoolDir).standardizedFileURL.path
        // Held for the daemon's life (released by the kernel when it exits, however it exits).
        let spoolLock: SpoolLock
        do {
            spoolLock = try SpoolLock(directory: spoolDirectory, holder: "pid \(getpid()), --listen \(listen)")
        } catch {
            throw CommandFailure(.usage, "\(error)")
        }
        signal(SIGPIPE, SIG_IGN)
        var configuration = AgentService.Configuration(name: name ?? ProcessInfo.processInfo.hostName, version: TTSLoadVersion.current,
                                                       spoolDirectory: spoolDirectory)
        configuration.allowTargets = TargetAllowList(rules: allowTarget.compactMap(TargetAllowList.rule))
        if configuration.allowTargets.allowsAll {
            printError("agent: no --allow-target: a controller holding the token may aim this agent at any address it can reach")
        }
        let service = AgentService(configuration: configuration)
        var tls: (certificate: String, key: String)?
        if let tlsCert, let tlsKey {
            for path in [tlsCert, tlsKey] where !FileManager.default.isReadableFile(atPath: path) {
                throw CommandFailure(.usage, "\(path == tlsCert ? "--tls-cert" : "--tls-key") \(path): cannot read it")
            }
            tls = (tlsCert, tlsKey)
        } else {
            printError("agent: --plain-http: the token, the plans with their secrets and the results cross the network unencrypted; use it on loopback or a network you trust")
        }
        let server = AgentServer(service: service, token: token, host: host, port: port, tls: tls)
        let signals = installTerminationHandler(service)
        defer { signals.forEach { $0.cancel() } }
        do {
            try await server.run { address in
                spoolLock.describe("pid \(getpid()), listening on \(address)")
                FileHandle.standardOutput.write(Data("listening on \(address)\n".utf8))
            }
        } catch {
            throw CommandFailure(.runtime, "agent on \(listen) failed: \(error) (port taken?)")
        }
    }

    /// SIGINT/SIGTERM end the daemon: a running load stops as the controller's stop does (in-flight
    /// requests finish within the plan's graceful stop), the spool is closed and synced, the
    /// controller is told why in the stream's end record and given a few seconds to fetch the
    /// spool; then the process exits. Every wait is bounded.
    private func installTerminationHandler(_ service: AgentService) -> [DispatchSourceSignal] {
        ([SIGINT, SIGTERM] as [Int32]).map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "ttsload.agent.signals"))
            source.setEventHandler {
                service.shutdown(because: "agent received \(number == SIGINT ? "SIGINT" : "SIGTERM")")
                Foundation.exit(number == SIGINT ? 130 : 0)
            }
            source.resume()
            return source
        }
    }
}

/// The shared token of agents and controller: the file's content without surrounding whitespace.
func readToken(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure(.usage, "--token-file \(path): cannot read it")
    }
    let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard token.count >= 16 else {
        throw CommandFailure(.usage, "--token-file \(path): the token is \(token.count) characters; use at least 16 (e.g. `openssl rand -hex 32`)")
    }
    return token
}
