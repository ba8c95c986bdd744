import Engine
import Foundation

/// The controller's side of one agent's control API: blocking calls on libcurl.
public struct AgentClient: Sendable {
    /// Where an agent is: `name=host:port`, `host:port` or a URL.
    public struct Address: Sendable, Equatable {
        public var name: String
        public var url: String

        public init(name: String, url: String) {
            self.name = name
            self.url = url
        }

        /// Parses `--agents` items: `name=host:port`, `host:port` (named agent1, agent2, ... by
        /// position) or either with a scheme. Without one the agent is reached over HTTPS, as
        /// agents serve by default; `http://` reaches an agent started with `--plain-http`.
        /// IPv6 as `[::1]:7070`.
        public static func parseList(_ text: String) throws(Failure) -> [Address] {
            var out: [Address] = []
            for (i, raw) in text.split(separator: ",").enumerated() {
                let item = raw.trimmingCharacters(in: .whitespaces)
                var name = "agent\(i + 1)", where_ = item
                if let eq = item.firstIndex(of: "="), !item[..<eq].contains(":") {
                    name = String(item[..<eq])
                    where_ = String(item[item.index(after: eq)...])
                }
                let url = where_.hasPrefix("http://") || where_.hasPrefix("https://") ? where_ : "https://" + where_
                do {
                    out.append(try checked(name: name, url: url))
                } catch {
                    throw Failure(message: "--agents: \(item): \(error.message)")
                }
            }
            guard !out.isEmpty else { throw Failure(message: "--agents: give at least one host:port") }
            let names = out.map(\.name)
            if Set(names).count != names.count { throw Failure(message: "--agents: agent names must differ (\(names.joined(separator: ", ")))") }
            return out
        }

        /// An agent's name and URL, checked: the name becomes a file name (`agents/NAME.jtl`) and a
        /// query value, the URL the base of every call that carries the token, so the name is
        /// letters, digits, '_', '.', '-' (not "." or "..") and the URL `http(s)://host:port` with
        /// nothing else (no user, path, query or fragment).
        public static func checked(name: String, url: String) throws(Failure) -> Address {
            guard name.range(of: "^[A-Za-z0-9_.-]{1,40}$", options: .regularExpression) != nil, name != ".", name != ".." else {
                throw Failure(message: "an agent name is 1 to 40 letters, digits, '_', '.', '-' (got \"\(name.prefix(60))\")")
            }
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            guard let parts = URLComponents(string: trimmed), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = parts.host, !host.isEmpty, parts.port != nil else {
                throw Failure(message: "expected host:port or http(s)://host:port, e.g. 10.0.0.5:7070 (got \"\(url.prefix(100))\")")
            }
            guard parts.user == nil, parts.password == nil, parts.path.isEmpty, parts.query == nil, parts.fragment == nil else {
                throw Failure(message: "an agent URL is scheme, host and port only (got \"\(url.prefix(100))\")")
            }
            return Address(name: name, url: trimmed)
        }

        /// Whether the control calls to this agent cross the network unencrypted.
        public var isPlainHTTP: Bool { url.lowercased().hasPrefix("http://") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    public let address: Address
    let token: String
    /// CA of agents serving HTTPS with their own certificates.
    let caFile: String?

    public init(address: Address, token: String, caFile: String? = nil) {
        self.address = address
        self.token = token
        self.caFile = caFile
    }

    /// Options every call starts from.
    var baseOptions: HTTPCall.Options {
        var options = HTTPCall.Options()
        options.caFile = caFile
        return options
    }

    /// The token, and the mark that makes a request count as the controller's heartbeat.
    var headers: [(String, String)] {
        [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), (AgentProtocol.controllerHeader, "1")]
    }

    /// One call; non-2xx answers become a `Failure` naming the agent and quoting its error.
    func call(_ method: String, _ path: String, body: [UInt8]? = nil, timeoutMs: Int = 10_000) throws(Failure) -> [UInt8] {
        var options = baseOptions
        options.timeoutMs = timeoutMs
        let reply: HTTPCall.Reply
        do {
            reply = try HTTPCall.perform(method: method, url: address.url + AgentProtocol.prefix + path, headers: headers,
                                         body: body, options: options)
        } catch {
            throw Failure(message: "agent \(address.name) (\(address.url)): \(error.message)\(Self.hint(error.message, url: address.url, caFile: caFile))")
        }
        guard (200..<300).contains(reply.status) else {
            let detail = (try? AgentProtocol.decode(AgentProtocol.ErrorBody.self, from: reply.body).error) ?? reply.text
            if reply.status == 401 {
                throw Failure(message: "agent \(address.name) (\(address.url)) refused the token: check --token-file")
            }
            throw Failure(message: "agent \(address.name): HTTP \(reply.status): \(detail)")
        }
        return reply.body
    }

    /// What to do about a TLS failure: the two mistakes a new cluster makes are a plain-HTTP agent
    /// reached as HTTPS and an agent certificate the controller was not given the CA of.
    static func hint(_ message: String, url: String, caFile: String?) -> String {
        let text = message.lowercased()
        guard url.lowercased().hasPrefix("https://") else { return "" }
        if text.contains("wrong version number") || text.contains("packet length too long") {
            return " (is the agent serving plain HTTP? an agent started with --plain-http is reached as http://HOST:PORT)"
        }
        if text.contains("certificate") && caFile == nil {
            return " (give --ca with the CA that signed the agent's certificate, e.g. ttsload agent-cert's ca.pem)"
        }
        return ""
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(Failure) -> T {
        do {
            return try AgentProtocol.decode(type, from: bytes)
        } catch {
            throw Failure(message: "agent \(address.name): unexpected answer (\(error))")
        }
    }

    public func info() throws(Failure) -> AgentProtocol.Info {
        try decode(AgentProtocol.Info.self, call("GET", "/info", timeoutMs: 5_000))
    }

    /// `count` NTP-style exchanges on the controller's wall clock, and the estimate.
    public func clockOffset(exchanges count: Int = 8) throws(Failure) -> ClockOffset {
        var exchanges: [ClockOffset.Exchange] = []
        for _ in 0..<count {
            let sent = wallMicros()
            let reading = try decode(AgentProtocol.Clock.self, call("GET", "/clock", timeoutMs: 5_000))
            let received = wallMicros()
            exchanges.append(.init(sent: sent, remote: reading.wallMicros, received: received))
        }
        return ClockOffset.estimate(exchanges)!
    }

    public func prepare(_ request: AgentProtocol.Prepare) throws(Failure) -> AgentProtocol.Prepared {
        // Preparing probes the target, which may take up to its response timeout.
        try decode(AgentProtocol.Prepared.self, call("POST", "/prepare", body: AgentProtocol.encode(request), timeoutMs: 120_000))
    }

    public func start(_ request: AgentProtocol.Start) throws(Failure) {
        _ = try call("POST", "/start", body: AgentProtocol.encode(request))
    }

    public func stop(runID: String) throws(Failure) {
        _ = try call("POST", "/stop?run=\(runID)", body: [], timeoutMs: 3_000)
    }

    public func status(runID: String) throws(Failure) -> AgentProtocol.Status {
        try decode(AgentProtocol.Status.self, call("GET", "/status?run=\(runID)", timeoutMs: 3_000))
    }

    /// Follows the live stream from record `from`, handing each record to `onRecord` (return false
    /// to hang up). Returns normally when the agent ended the stream; throws when it broke off
    /// (reset, or nothing for `stallSeconds`: the agent ticks every second).
    public func stream(runID: String, from: Int, stallSeconds: Int = 4, onRecord: @escaping (StreamRecord) -> Bool) throws(Failure) {
        var options = baseOptions
        options.timeoutMs = 0
        options.stallSeconds = stallSeconds
        var pending: [UInt8] = []
        let decoder = JSONDecoder()
        var keepGoing = true
        do {
            _ = try HTTPCall.perform(url: address.url + AgentProtocol.prefix + "/stream?run=\(runID)&from=\(from)",
                                     headers: headers, options: options) { chunk in
                pending.append(contentsOf: chunk)
                while keepGoing, let newline = pending.firstIndex(of: 10) {
                    let line = Data(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if let record = try? decoder.decode(StreamRecord.self, from: line) { keepGoing = onRecord(record) }
                }
                return keepGoing
            }
        } catch {
            throw Failure(message: "agent \(address.name): live stream broke off: \(error.message)")
        }
    }

    /// Whose spool the agent says it served (`AgentProtocol.SpoolHeader`); nil fields were absent.
    public struct SpoolIdentity: Sendable, Equatable {
        public var runID: String?
        public var agent: String?
        /// The agent's row count of a finished run (absent while running or after a crash).
        public var samples: Int?
        public init(runID: String?, agent: String?, samples: Int?) {
            self.runID = runID
            self.agent = agent
            self.samples = samples
        }
    }

    /// The agent's spool (its JTL) for a run, gzip on the wire, inflated by libcurl, and whose it
    /// says it is. Asks for this agent's own folder (`?agent=` the controller's name for it).
    public func spool(runID: String) throws(Failure) -> (bytes: [UInt8], identity: SpoolIdentity) {
        var options = baseOptions
        options.timeoutMs = 600_000
        options.acceptGzip = true
        let reply: HTTPCall.Reply
        do {
            reply = try HTTPCall.perform(url: address.url + AgentProtocol.prefix + "/runs/\(runID)/spool?agent=\(address.name)",
                                         headers: headers, options: options)
        } catch {
            throw Failure(message: "agent \(address.name): spool not fetched: \(error.message)")
        }
        guard reply.status == 200 else { throw Failure(message: "agent \(address.name): spool not fetched: HTTP \(reply.status): \(reply.text)") }
        let identity = SpoolIdentity(runID: reply.headers[AgentProtocol.SpoolHeader.run.lowercased()],
                                     agent: reply.headers[AgentProtocol.SpoolHeader.agent.lowercased()],
                                     samples: reply.headers[AgentProtocol.SpoolHeader.samples.lowercased()].flatMap { Int($0) })
        return (reply.body, identity)
    }
}

/// The wall clock, µs since the epoch.
func wallMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
