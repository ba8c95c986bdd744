import Foundation
import Testing
import TestSupport

/// `${env:NAME}` and `secrets:`: the target receives the secret (it answers 200 only to the right
/// key), and no file the run writes, nor its output, holds it.
@Suite struct SecretTests {
    static let envSecret = "sk-env-0123456789abcdef"
    static let planSecret = "hunter2-plan-secret"

    @Test func secretsReachTheTargetAndNoFile() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plan = try temporaryFile("""
            name: secret
            target: { url: "\(target.address)", api: raw, headers: { X-Key: "${env:TTS_TEST_KEY}" } }
            variables: { other: "\(Self.planSecret)" }
            secrets: [env:TTS_TEST_KEY, other]
            thread_groups:
              - { name: g, request: { method: GET, path: "/key/${env:TTS_TEST_KEY}?o=${other}" }, load: { users: 2, duration: 2s } }
            """)
        let out = work + "/run", store = work + "/store.sqlite"
        var environment = ProcessInfo.processInfo.environment
        environment["TTS_TEST_KEY"] = Self.envSecret
        let run = try runCommand([ttsloadBinary, "run", plan, "--out", out, "--store", store,
                                  "--set", "variables.other=\(Self.planSecret)"], environment: environment)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        // The target saw the key: every sample is a 200 (a wrong or missing key is 403).
        let jtl = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8)
        let rows = jtl.split(separator: "\n").dropFirst()
        #expect(rows.count > 10 && rows.allSatisfy { $0.contains(",200,") }, "\(rows.prefix(2))")
        #expect(jtl.contains("/key/***?o=***"), "\(rows.first ?? "")")
        // The --set secret gets its warning.
        #expect(run.stderr.contains("a secret on the command line stays in shell history"), "\(run.stderr)")

        var places: [(String, Data)] = [("stdout", Data(run.stdout.utf8)), ("stderr", Data(run.stderr.utf8)),
                                        ("store", try Data(contentsOf: URL(fileURLWithPath: store)))]
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where !name.hasSuffix(".log") || name == "server.log" {
            places.append((name, try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))))
        }
        #expect(places.count >= 7)
        for (place, data) in places {
            for secret in [Self.envSecret, Self.planSecret] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(place) holds a secret")
            }
        }
        let written = try String(contentsOfFile: out + "/plan.yaml", encoding: .utf8)
        #expect(written.contains("${env:TTS_TEST_KEY}") && written.contains("***"), "\(written)")

        // The recorded plan still reads for a report, without the secret.
        let report = try runTTSLoad(["report", out])
        #expect(report.status == 0, "\(report.stdout)\n\(report.stderr)")
    }

    /// On agents: the controller sends the values over the control channel, the target gets them,
    /// and no file of the run folder (the agents' spools and cluster.json included), of the
    /// agent's spool folder (its plan, JTL and notes) or of the store holds them.
    @Test func secretsOnAgentsReachTheTargetAndNoFile() throws {
        let target = try ListeningProcess(fixture: "target.py")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-secret-agents-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let token = "secret-agents-token-0123456789abcdef"
        let tokenFile = try temporaryFile(token + "\n", name: "token")
        let agent = try ListeningProcess([ttsloadBinary, "agent", "--plain-http", "--listen", "127.0.0.1:0", "--token-file", tokenFile,
                                          "--name", "a1", "--spool-dir", work + "/spool"])
        let plan = try temporaryFile("""
            name: secret-agents
            target: { url: "\(target.address)", api: raw, headers: { X-Key: "${env:TTS_TEST_KEY}" } }
            variables: { other: "\(Self.planSecret)" }
            secrets: [env:TTS_TEST_KEY, other]
            thread_groups:
              - { name: g, request: { method: GET, path: "/key/${env:TTS_TEST_KEY}?o=${other}" }, load: { users: 2, duration: 2s } }
            """)
        let out = work + "/run", store = work + "/store.sqlite"
        var environment = ProcessInfo.processInfo.environment
        environment["TTS_TEST_KEY"] = Self.envSecret
        let run = try runCommand([ttsloadBinary, "run", plan, "--agents", "a1=" + agent.address, "--token-file", tokenFile,
                                  "--out", out, "--store", store], environment: environment)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let rows = try String(contentsOfFile: out + "/results.jtl", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count > 10 && rows.allSatisfy { $0.contains(",200,") }, "\(rows.prefix(2))")

        var places: [(String, Data)] = [("stdout", Data(run.stdout.utf8)), ("stderr", Data(run.stderr.utf8)),
                                        ("store", try Data(contentsOf: URL(fileURLWithPath: store)))]
        for folder in [out, work + "/spool"] {
            let files = try #require(FileManager.default.enumerator(atPath: folder)).compactMap { $0 as? String }
            for name in files where !name.hasSuffix(".log") || name.hasSuffix("server.log") {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                places.append((folder + "/" + name, try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))))
            }
        }
        let names = places.map(\.0)
        #expect(names.contains { $0.hasSuffix("/agents/a1.jtl") } && names.contains { $0.hasSuffix("cluster.json") }
                && names.contains { $0.contains("/spool/") && $0.hasSuffix("plan.yaml") }, "\(names)")
        for (place, data) in places {
            for secret in [Self.envSecret, Self.planSecret] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(place) holds a secret")
            }
        }
    }

    /// A `--set` of a secret that breaks the plan is reported without its value.
    @Test func aDiagnosticAboutASecretOverrideHidesItsValue() throws {
        let plan = try temporaryFile("""
            name: secret-override
            target: { url: "http://127.0.0.1:1", api: raw }
            variables: { other: "x-long-enough" }
            secrets: [other]
            thread_groups:
              - { name: g, request: { method: GET, path: "/x?o=${other}" }, load: { users: 1, duration: 1s } }
            """)
        let result = try runTTSLoad(["validate", plan, "--set", "variables.other=[\(Self.planSecret)]"])
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("variables.other=***") && !result.stderr.contains(Self.planSecret), "\(result.stderr)")
    }

    @Test func anUnsetVariableIsAnErrorWhereItIsUsed() throws {
        let plan = try temporaryFile("""
            name: unset
            target: { url: "http://127.0.0.1:1", api: raw }
            thread_groups:
              - { name: g, request: { method: GET, path: "/x?k=${env:TTSLOAD_SURELY_UNSET_VARIABLE}" }, load: { users: 1, duration: 1s } }
            """)
        let result = try runTTSLoad(["validate", plan])
        #expect(result.status == 1)
        #expect(result.stderr.contains(":4:") && result.stderr.contains("the environment variable TTSLOAD_SURELY_UNSET_VARIABLE is not set"),
                "\(result.stderr)")
        let secret = try temporaryFile("""
            name: bad-secret
            target: { url: "http://127.0.0.1:1", api: raw }
            secrets: [api_key]
            thread_groups:
              - { name: g, request: { method: GET, path: "/x" }, load: { users: 1, duration: 1s } }
            """)
        let bad = try runTTSLoad(["validate", secret])
        #expect(bad.status == 1 && bad.stderr.contains(":3:") && bad.stderr.contains("secret 'api_key' is not a variable"), "\(bad.stderr)")
    }
}
