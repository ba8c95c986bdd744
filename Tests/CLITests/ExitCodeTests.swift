import Foundation
import Testing
import TestSupport

/// The exit-code table of docs/cli.md, checked on the real binary.
@Suite struct ExitCodeTests {
    static let badPlan = """
    target: { url: embedded }
    thread_groups:
      - name: g
        request: { text: hi }
        load: { users: many, duration: 1s }
    """

    @Test func validPlansExitZero() throws {
        let plans = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/plans")
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "plans/" + $0 }
        #expect(plans.count >= 5)
        let result = try runTTSLoad(["validate"] + plans)
        #expect(result.status == 0, "\(result.stderr)")
        for plan in plans { #expect(result.stdout.contains("\(plan): ok")) }
    }

    @Test func invalidPlanExitsOneWithPosition() throws {
        let path = try temporaryFile(Self.badPlan)
        let result = try runTTSLoad(["validate", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):5:20: error: thread_groups[0].load.users: expected a user count"))
    }

    @Test func missingFileIsUsageError() throws {
        let result = try runTTSLoad(["validate", "plans/does-not-exist.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("plans/does-not-exist.yaml: cannot read the plan file"))
        // A missing file outranks an invalid one: the input could not even be read.
        let bad = try temporaryFile(Self.badPlan)
        #expect(try runTTSLoad(["validate", bad, "plans/does-not-exist.yaml"]).status == 2)
    }

    @Test func badFlagsAreUsageErrors() throws {
        #expect(try runTTSLoad(["validate", "--no-such-flag", "plans/smoke.yaml"]).status == 2)
        #expect(try runTTSLoad(["no-such-command"]).status == 2)
        let malformed = try runTTSLoad(["validate", "plans/smoke.yaml", "--set", "no-equals-sign"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("expected path=value"))
        #expect(try runTTSLoad(["plan", "show", "plans/smoke.yaml", "--width", "3"]).status == 2)
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try runTTSLoad(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("validate"))
        let version = try runTTSLoad(["version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("libcurl/"))
        #expect(version.stdout.contains("espeak-ng"))
    }

    @Test func overrideErrorsNameTheFlag() throws {
        let result = try runTTSLoad(["validate", "plans/smoke.yaml", "--set", "thread_groups[0].load.users=0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--set thread_groups[0].load.users=0: error: thread_groups[0].load.users: expected a user count 1...1000000"))
    }

    @Test func planShowPrintsTheSchedule() throws {
        let result = try runTTSLoad(["plan", "show", "plans/stepped.yaml", "--set", "thread_groups[0].load.steps=[1,2]"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "plan stepped-emotional-tts: 1 thread group, 26s in all")
        #expect(lines.contains("  1     1      0s      3s    10s   13s"))
        #expect(lines.contains("  2     2      13s     3s    10s   26s"))
        #expect(lines.contains { $0.contains("█") && $0.hasSuffix("peak 2 users") })
        #expect(try runTTSLoad(["plan", "show", "plans/does-not-exist.yaml"]).status == 2)
    }
}
