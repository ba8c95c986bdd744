import Foundation
import Testing
import TestSupport

/// The embedded TTS server in the lab, the way the distributed test will use it: started in the
/// "server" namespace on its lab address, reached from the controller's and an agent's namespace
/// after the route check.
@Suite struct LabServerTests {
    @Test func embeddedServerAnswersOtherHosts() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ttsloadBinary), "build the binary first: \(ttsloadBinary)")
        let lab = try NetworkLab(hosts: ["server", "controller", "agent1"])
        print(lab.description)
        let server = try lab.spawn(host: "server", arguments: [ttsloadBinary, "server", "--host", lab.address(of: "server"),
                                                               "--port", "0", "--workers", "1"])
        let base = try server.waitForLine(startingWith: "listening on ", timeout: 60)
        #expect(base.hasPrefix("http://\(lab.address(of: "server")):"))
        for host in ["controller", "agent1"] {
            try lab.checkRoutes(from: host, to: [lab.address(of: "server")])
            let fetch = try lab.spawn(host: host, arguments: ["python3", "-c",
                "import sys, urllib.request; body = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(); print(len(body.splitlines()), flush=True)",
                base + "/metrics"])
            // Prometheus text: some lines, at least.
            let lines = try #require(Int(try fetch.line(0, timeout: 30)))
            #expect(lines > 5)
        }
        server.terminate()
        #expect(!server.isRunning)
    }
}
