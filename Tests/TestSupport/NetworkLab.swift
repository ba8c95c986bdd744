import Foundation

/// Several "hosts" on one machine for tests that need a network between processes (controller,
/// agents, a TTS server), each host with an address of its own.
///
/// Isolated (root, and `ip netns` works): one network namespace per host plus one holding a Linux
/// bridge; per host a veth pair, one end (`ttsl0`, address 198.18.0.10+i/24) in the host's
/// namespace and the other enslaved to the bridge; `lo` up everywhere. The addresses come from
/// 198.18.0.0/15, the range set aside for network benchmarking. Nothing is created in, and no
/// route or sysctl is changed of, the root namespace: the veths are made inside the bridge
/// namespace and their peers moved straight into the hosts' namespaces, so from the root namespace
/// the lab's addresses are unreachable and its traffic cannot leave the machine.
///
/// Fallback (not root, no iproute2, or the kernel refuses): hosts get 127.0.0.2, 127.0.0.3, ...
/// (on Linux all of 127/8 answers on `lo`), processes run directly, `isolated` is false and
/// `description` says why; tests print it and carry on with the same assertions.
///
/// Namespaces are named `ttsl-<pid>-<n>-<host>` (n counts labs within the process), so parallel
/// tests, and other people's runs on a shared machine, never collide; a new lab first removes the
/// namespaces of earlier runs whose process is gone (a crashed test cannot leave them forever).
/// `close()`, or deinit, kills everything the lab started (also grandchildren: every process
/// inside its namespaces) and deletes the namespaces, which deletes their veths.
public final class NetworkLab: @unchecked Sendable, CustomStringConvertible {
    /// The host names, in the order given.
    public let hosts: [String]
    /// True when the hosts are network namespaces; false for the 127.0.0.x fallback.
    public let isolated: Bool
    /// What the lab is, or why it fell back: print it in the test's output.
    public let description: String

    /// The interface each host namespace reaches the bridge through.
    public static let interfaceName = "ttsl0"
    /// Every lab namespace name starts with this, then `<pid>-`.
    public static let namespacePrefix = "ttsl-"

    private let prefix: String
    private let addresses: [String: String]
    private let lock = NSLock()
    private var processes: [LabProcess] = []
    private var closed = false

    private static let counter = LabCounter()
    private static let hostCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-")

    /// Raised for unknown hosts and failed route checks.
    public struct LabError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Builds the lab. `namespaces: false` forces the 127.0.0.x fallback (as does the environment
    /// variable `TTSLOAD_LAB_NO_NETNS=1`); otherwise it is used only when namespaces cannot be made.
    /// Host names: lowercase letters, digits and `-`, unique, at most 200 of them.
    public init(hosts: [String], namespaces: Bool = true) throws {
        guard !hosts.isEmpty, hosts.count <= 200, Set(hosts).count == hosts.count,
              hosts.allSatisfy({ !$0.isEmpty && $0.count <= 32 && $0.allSatisfy { Self.hostCharacters.contains($0) } })
        else { throw LabError(description: "lab hosts must be 1...200 unique names of [a-z0-9-]: \(hosts)") }
        self.hosts = hosts
        prefix = "\(Self.namespacePrefix)\(getpid())-\(Self.counter.next())-"

        var reason: String?
        if !namespaces {
            reason = "namespaces turned off by the test"
        } else if ProcessInfo.processInfo.environment["TTSLOAD_LAB_NO_NETNS"] == "1" {
            reason = "TTSLOAD_LAB_NO_NETNS=1"
        } else if getuid() != 0 {
            reason = "not root"
        } else if Self.ipCommand == nil {
            reason = "iproute2's ip not found"
        } else {
            Self.removeStaleNamespaces()
            do {
                try Self.build(prefix: prefix, hosts: hosts)
            } catch {
                Self.deleteNamespaces(Self.namespaces(withPrefix: prefix))
                reason = "\(error)"
            }
        }
        if let reason {
            let addresses = Dictionary(uniqueKeysWithValues: hosts.enumerated().map { ($1, "127.0.0.\(2 + $0)") })
            isolated = false
            self.addresses = addresses
            description = "network namespaces unavailable (\(reason)); using 127.0.0.x: "
                + hosts.map { "\($0)=\(addresses[$0]!)" }.joined(separator: " ")
        } else {
            let addresses = Dictionary(uniqueKeysWithValues: hosts.enumerated().map { ($1, "198.18.0.\(10 + $0)") })
            isolated = true
            self.addresses = addresses
            description = "network namespaces \(prefix)*, bridged in \(prefix)bridge: "
                + hosts.map { "\($0)=\(addresses[$0]!)" }.joined(separator: " ")
        }
    }

    deinit { close() }

    /// The host's IPv4 address (198.18.0.x isolated, 127.0.0.x in the fallback).
    public func address(of host: String) -> String {
        guard let address = addresses[host] else { preconditionFailure("no host '\(host)' in the lab \(hosts)") }
        return address
    }

    /// The host's network namespace (for `ip netns exec`), nil in the fallback.
    public func namespace(of host: String) -> String? {
        precondition(addresses[host] != nil, "no host '\(host)' in the lab \(hosts)")
        return isolated ? prefix + host : nil
    }

    /// Every namespace the lab made (the hosts' and the bridge's); empty in the fallback.
    public var namespaces: [String] {
        isolated ? hosts.map { prefix + $0 } + [prefix + "bridge"] : []
    }

    /// Starts `arguments` (the first one looked up on PATH) on `host`: inside its namespace through
    /// `ip netns exec`, or directly in the fallback, with `environment` added to this process's.
    /// The returned process is the program itself (both `ip netns exec` and `env` exec), so
    /// signals reach it. Wait for it to be ready with `waitForLine(startingWith: "listening on ")`.
    /// A ttsload `run` or `import` in `arguments` records into a store of its own (`isolatingStore`).
    public func spawn(host: String, arguments: [String], environment: [String: String] = [:]) throws -> LabProcess {
        precondition(!arguments.isEmpty, "spawn needs a command")
        let arguments = isolatingStore(commandLine: arguments)
        let executable: String, launch: [String]
        if let namespace = namespace(of: host), let ip = Self.ipCommand {
            executable = ip
            launch = ["netns", "exec", namespace] + arguments
        } else {
            executable = "/usr/bin/env"
            launch = arguments
        }
        lock.lock()
        defer { lock.unlock() }
        precondition(!closed, "spawn on a closed lab")
        let process = try LabProcess(host: host, executable: executable, arguments: arguments,
                                     launchArguments: launch, environment: environment)
        processes.append(process)
        return process
    }

    /// Throws unless every address in `addresses`, seen from inside `host`, resolves (`ip route get`)
    /// to an interface the lab made: the host's `ttsl0`, or the namespace's own `lo`. In the
    /// fallback: every address must be in 127.0.0.0/8 and resolve to `lo`. Call it before any load,
    /// so a mistake sends nothing to a real network.
    public func checkRoutes(from host: String, to addresses: [String]) throws {
        var problems: [String] = []
        for destination in addresses {
            if !isolated && !destination.hasPrefix("127.") {
                problems.append("\(destination): not a loopback address")
                continue
            }
            guard let ip = Self.ipCommand else { continue }  // fallback without iproute2: 127/8 is enough
            var command = [ip]
            if let namespace = namespace(of: host) { command += ["-n", namespace] }
            let result = try runCommand(command + ["-j", "route", "get", destination])
            guard result.succeeded,
                  let routes = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
                  let device = routes.first?["dev"] as? String
            else {
                problems.append("\(destination): no route (\(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
                continue
            }
            // A lab namespace's own `lo` (its address, 127.0.0.1) cannot reach beyond the namespace.
            let allowed = isolated ? device == Self.interfaceName || device == "lo" : device == "lo"
            if !allowed { problems.append("\(destination): via \(device), not an interface of the lab") }
        }
        if !problems.isEmpty {
            throw LabError(description: "route check from \(host) failed: " + problems.joined(separator: "; "))
        }
    }

    /// Kills every process the lab started (and, isolated, any other process inside its
    /// namespaces), then deletes the namespaces. Safe to call twice; deinit calls it.
    public func close() {
        lock.lock()
        let started = processes
        let wasClosed = closed
        processes = []
        closed = true
        lock.unlock()
        if wasClosed { return }
        for process in started { process.signal(SIGKILL) }
        if isolated {
            let namespaces = Self.namespaces(withPrefix: prefix)
            Self.killProcesses(in: namespaces)
            Self.deleteNamespaces(namespaces)
        }
        for process in started {
            process.waitForExit(timeout: 10)
            // A process under libfaketime that was killed never unlinked its shared memory.
            if !process.isRunning, process.arguments.contains(where: { $0.hasPrefix("FAKETIME=") }) {
                Self.removeFakeTimeObjects(of: process.pid)
            }
        }
    }

    // MARK: - Building and removing namespaces

    /// Where iproute2's `ip` is, if anywhere.
    static let ipCommand: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `ip` with `arguments`, the lines of `batch` fed to `ip -batch -` when given.
    @discardableResult
    static func ip(_ arguments: [String], batch: [String]? = nil) throws -> CommandOutput {
        guard let ip = ipCommand else { throw LabError(description: "iproute2's ip not found") }
        let result = try runCommand([ip] + arguments + (batch == nil ? [] : ["-batch", "-"]),
                                    input: batch.map { $0.joined(separator: "\n") + "\n" })
        guard result.succeeded else {
            let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabError(description: "ip \((arguments + (batch ?? [])).joined(separator: " ")): \(detail)")
        }
        return result
    }

    private static func build(prefix: String, hosts: [String]) throws {
        let bridge = prefix + "bridge"
        // `name` before every new link name: `ip link add br ...` would read `br` as `broadcast`.
        try ip([], batch: (["bridge"] + hosts).map { "netns add \(prefix)\($0)" })
        var bridgeSide = ["link set lo up", "link add name br0 type bridge", "link set br0 up"]
        for (index, host) in hosts.enumerated() {
            let port = "ttslp\(index)"
            bridgeSide += ["link add name \(port) type veth peer name \(interfaceName) netns \(prefix)\(host)",
                           "link set \(port) master br0", "link set \(port) up"]
        }
        try ip(["-n", bridge], batch: bridgeSide)
        for (index, host) in hosts.enumerated() {
            try ip(["-n", prefix + host], batch: [
                "link set lo up",
                "addr add 198.18.0.\(10 + index)/24 dev \(interfaceName)",
                "link set \(interfaceName) up",
            ])
        }
    }

    /// The namespaces (`ip netns list`) whose names start with `prefix`.
    static func namespaces(withPrefix prefix: String) -> [String] {
        guard let result = try? ip(["netns", "list"]) else { return [] }
        return result.stdout.split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(prefix) }
    }

    /// SIGKILLs every process inside `namespaces` and waits (bounded) until they are gone.
    private static func killProcesses(in namespaces: [String]) {
        var pids: [Int32] = []
        for namespace in namespaces {
            guard let result = try? ip(["netns", "pids", namespace]) else { continue }
            pids += result.stdout.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        }
        for pid in pids { kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(10)
        // A zombie (killed, not yet reaped by its parent) no longer holds the namespace.
        while Date() < deadline, pids.contains(where: { isAlive($0) }) { usleep(5_000) }
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    private static func deleteNamespaces(_ namespaces: [String]) {
        guard !namespaces.isEmpty else { return }
        _ = try? ip(["-force"], batch: namespaces.map { "netns del \($0)" })
    }

    /// Deletes lab namespaces (and kills what runs in them) left by earlier processes that are
    /// gone, e.g. a test run that crashed before its labs closed. Labs of live processes stay.
    public static func removeStaleNamespaces() {
        let stale = namespaces(withPrefix: namespacePrefix).filter { name in
            let rest = name.dropFirst(namespacePrefix.count)
            guard let pid = Int32(rest.prefix { $0.isNumber }), pid > 0 else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        killProcesses(in: stale)
        deleteNamespaces(stale)
    }
}

/// Numbers the labs of one process.
private final class LabCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}
