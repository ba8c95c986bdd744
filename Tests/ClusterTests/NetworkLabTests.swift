import Foundation
import Testing
import TestSupport

/// The test laboratory itself: namespaces that really isolate, processes that really die, nothing
/// left behind, and the loopback fallback.
@Suite struct NetworkLabTests {
    /// Root with iproute2: the lab must manage namespaces here (CI runs as root), not fall back
    /// quietly, unless the fallback is asked for (TTSLOAD_LAB_NO_NETNS=1).
    static let expectNamespaces = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
        && ProcessInfo.processInfo.environment["TTSLOAD_LAB_NO_NETNS"] != "1"

    @Test func namespacesIsolateHostsAndCloseLeavesNothing() throws {
        let rootBefore = try rootNamespaceState()
        let lab = try NetworkLab(hosts: ["server", "controller", "agent1", "agent2", "agent3"])
        print(lab.description)
        #expect(lab.isolated == Self.expectNamespaces, "\(lab.description)")
        guard lab.isolated else { return }  // fallbackUsesLoopbackAddresses covers the other case
        #expect(lab.address(of: "server") == "198.18.0.10")
        #expect(lab.address(of: "agent3") == "198.18.0.14")
        let namespaces = lab.namespaces
        #expect(Set(try listNamespaces()).isSuperset(of: namespaces))

        // A server bound to the server host's address only, reached from agent1 through the bridge.
        let server = try lab.spawn(host: "server", arguments: ["python3", "-u", "-m", "http.server",
                                                                "--bind", lab.address(of: "server"), "0"])
        let port = try servingPort(server)
        let agentHosts = ["agent1", "agent2", "agent3"]
        for host in ["controller"] + agentHosts {
            try lab.checkRoutes(from: host, to: [lab.address(of: "server")] + agentHosts.map(lab.address(of:)))
        }
        let url = "http://\(lab.address(of: "server")):\(port)/"
        let client = try lab.spawn(host: "agent1", arguments: ["python3", "-c",
            "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).status, flush=True)", url])
        #expect(try client.line(0) == "200")
        #expect(client.waitForExit(timeout: 10))
        // http.server logs each request on stderr with the client's address: agent1's own.
        try waitUntil("server logged agent1's request") { server.errors.contains("\(lab.address(of: "agent1")) - - ") }

        // Nothing beyond the lab: no route to a documentation address (TEST-NET-2) from a lab host;
        // the root namespace has neither the lab's addresses nor routes to them.
        #expect(throws: NetworkLab.LabError.self) { try lab.checkRoutes(from: "agent1", to: ["198.51.100.1"]) }
        let rootDuring = try rootNamespaceState()
        #expect(!rootDuring.contains("198.18."), "root namespace shows a lab address or route: \(rootDuring)")
        #expect(!rootDuring.contains(NetworkLab.interfaceName) && !rootDuring.contains("ttslp"))

        lab.close()
        #expect(!server.isRunning)
        #expect(Set(try listNamespaces()).isDisjoint(with: namespaces))
        #expect(try rootNamespaceState() == rootBefore)
    }

    @Test func sigkillReachesTheProgramNotAWrapper() throws {
        let lab = try NetworkLab(hosts: ["agent1"])
        print(lab.description)
        let sleeper = try lab.spawn(host: "agent1", arguments: ["python3", "-u", "-c",
            "import os, time; print('listening on', os.getpid(), flush=True); time.sleep(600)"])
        // The pid the program reports is the one we signal: `ip netns exec` and `env` exec, not fork.
        #expect(try sleeper.waitForLine(startingWith: "listening on ") == "\(sleeper.pid)")
        if lab.isolated {
            #expect(try namespaceInode(sleeper.pid) != namespaceInode(getpid()), "not in its own network namespace")
        }
        try sleeper.kill()
        #expect(!sleeper.isRunning)
        #expect(sleeper.endedBySignal && sleeper.exitStatus == SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(sleeper.pid)/cmdline")
                || processState(sleeper.pid) == "Z")
    }

    @Test func closeKillsGrandchildrenInsideTheNamespaces() throws {
        let lab = try NetworkLab(hosts: ["agent1", "agent2"])
        print(lab.description)
        try #require(lab.isolated == Self.expectNamespaces)
        guard lab.isolated else { return }  // a grandchild outside any namespace is the caller's to reap
        let parent = try lab.spawn(host: "agent2", arguments: ["sh", "-c", "sleep 600 & echo listening on $!; wait"])
        let grandchild = try #require(Int32(try parent.waitForLine(startingWith: "listening on ")))
        #expect(kill(grandchild, 0) == 0)
        lab.close()
        try waitUntil("grandchild \(grandchild) gone") { kill(grandchild, 0) != 0 || processState(grandchild) == "Z" }
        #expect(Set(try listNamespaces()).isDisjoint(with: lab.namespaces))
    }

    /// A test that fails (throws) halfway still leaves nothing: the lab's deinit closes it.
    @Test func failingTestLeavesNothing() throws {
        struct Failure: Error {}
        var namespaces: [String] = [], pid: Int32 = 0
        func failingTest() throws {
            let lab = try NetworkLab(hosts: ["agent1", "agent2"])
            namespaces = lab.namespaces
            let sleeper = try lab.spawn(host: "agent2", arguments: ["sleep", "600"])
            pid = sleeper.pid
            throw Failure()
        }
        #expect(throws: Failure.self) { try failingTest() }
        #expect(pid > 0 && (kill(pid, 0) != 0 || processState(pid) == "Z"), "sleep \(pid) survived its lab")
        #expect(Set(try listNamespaces()).isDisjoint(with: namespaces))
        #expect(namespaces.isEmpty == !Self.expectNamespaces)
    }

    @Test func staleNamespacesOfDeadProcessesAreRemoved() throws {
        guard Self.expectNamespaces else { return }  // removing namespaces needs root
        // A pid that is certainly not running now (pid_max is at most 4194304).
        let deadPid = try #require((4_000_000..<4_194_304).first { kill(Int32($0), 0) != 0 && errno == ESRCH })
        let stale = "ttsl-\(deadPid)-1-agent1", ours = "ttsl-\(getpid())-999999-agent1"
        for name in [stale, ours] { #expect(try runCommand(["ip", "netns", "add", name]).succeeded) }
        defer { _ = try? runCommand(["ip", "netns", "del", ours]); _ = try? runCommand(["ip", "netns", "del", stale]) }
        let lab = try NetworkLab(hosts: ["agent1"])
        let left = try listNamespaces()
        #expect(!left.contains(stale), "stale namespace of dead pid \(deadPid) still there")
        #expect(left.contains(ours), "a live process's namespace was removed")
        lab.close()
    }

    @Test func fallbackUsesLoopbackAddresses() throws {
        let lab = try NetworkLab(hosts: ["server", "controller", "agent1", "agent2", "agent3"], namespaces: false)
        print(lab.description)
        #expect(!lab.isolated)
        #expect(lab.description.hasPrefix("network namespaces unavailable (namespaces turned off by the test); using 127.0.0.x"))
        #expect(["server", "controller", "agent1", "agent2", "agent3"].map(lab.address(of:))
                == ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"])
        #expect(lab.namespaces.isEmpty)

        let server = try lab.spawn(host: "server", arguments: ["python3", "-u", "-m", "http.server",
                                                                "--bind", lab.address(of: "server"), "0"])
        let port = try servingPort(server)
        try lab.checkRoutes(from: "agent1", to: [lab.address(of: "server")])
        #expect(throws: NetworkLab.LabError.self) { try lab.checkRoutes(from: "agent1", to: ["198.18.0.10"]) }
        let client = try lab.spawn(host: "agent1", arguments: ["python3", "-c",
            "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).status, flush=True)",
            "http://\(lab.address(of: "server")):\(port)/"])
        #expect(try client.line(0) == "200")
        lab.close()
        #expect(!server.isRunning && !client.isRunning)
    }
}

// MARK: - Helpers

/// `ip netns list`, names only.
func listNamespaces() throws -> [String] {
    let result = try runCommand(["ip", "netns", "list"])
    return result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
}

/// The root namespace's addresses, routes and links (names only), to compare before and after.
func rootNamespaceState() throws -> String {
    let addresses = try runCommand(["ip", "-o", "-4", "addr"]).stdout
    let routes = try runCommand(["ip", "-4", "route", "show", "table", "all"]).stdout
    let links = try runCommand(["ip", "-o", "link"]).stdout.split(separator: "\n")
        .map { $0.split(separator: ":").dropFirst().first.map(String.init) ?? "" }.joined(separator: ",")
    return addresses + routes + links
}

/// The port in http.server's `Serving HTTP on ADDR port PORT (...)` line.
func servingPort(_ server: LabProcess) throws -> Int {
    let line = try server.waitForLine(startingWith: "Serving HTTP on ")
    let words = line.split(separator: " ")
    guard let index = words.firstIndex(of: "port"), index + 1 < words.count, let port = Int(words[index + 1])
    else { throw NetworkLab.LabError(description: "unexpected http.server line: \(line)") }
    return port
}

/// The inode of a process's network namespace (`/proc/PID/ns/net -> net:[INODE]`).
func namespaceInode(_ pid: Int32) throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
}

/// The state letter in /proc/PID/stat (R, S, Z, ...), nil when there is no such process.
func processState(_ pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func waitUntil(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        if Date() >= deadline { throw TimedOut(description: "timed out after \(timeout) s waiting for: \(what)") }
        usleep(10_000)
    }
}
