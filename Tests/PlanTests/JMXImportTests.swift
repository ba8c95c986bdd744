import Foundation
import Testing
@testable import Plan

/// `import-jmx`'s conversion (docs/jmx-import.md) on the fixtures in Tests/Fixtures/jmx: each
/// converted plan is read back by the plan loader, and the expected load shapes are worked out
/// here from the thread groups' documented schedules, not from the converter's output.
@Suite struct JMXImportTests {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/jmx/"

    /// Converts `file` and loads the plan as `ttsload validate` would, with its data files.
    func convert(_ file: String, allowOutside: Bool = false, overrides: [String] = [],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> (plan: Plan, result: JMXImportResult) {
        let result = try JMXImporter.convert(path: file, options: JMXImportOptions(planPath: "plan.yaml", allowOutsideFiles: allowOutside))
        var files: [String: String] = [:]
        for f in result.dataFiles { files[f.path] = f.text }
        do {
            return (try parsePlan(result.yaml, files: files, overrides: overrides).plan, result)
        } catch {
            Issue.record("the converted plan is not valid: \(error)\n\(result.yaml)", sourceLocation: sourceLocation)
            throw error
        }
    }

    func entry(_ result: JMXImportResult, _ path: String) -> JMXImportReport.Entry? {
        result.report.entries.first { $0.path == path }
    }

    func seconds(_ s: Double) -> PlanDuration { PlanDuration(seconds: s) }

    /// A .jmx in a temporary folder (with other files beside it), for the cases the fixtures do not cover.
    func temporaryJMX(_ body: String, files: [String: String] = [:]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jmx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let path = dir.appendingPathComponent("plan.jmx").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func plan(_ inner: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <jmeterTestPlan version="1.2" properties="2.8" jmeter="2.13">
          <hashTree>
            <TestPlan testclass="TestPlan" testname="p" enabled="true"/>
            <hashTree>
        \(inner)
            </hashTree>
          </hashTree>
        </jmeterTestPlan>
        """
    }

    static func sampler(_ name: String, body: String = "{}", enabled: Bool = true) -> String {
        """
        <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="\(name)" enabled="\(enabled)">
          <boolProp name="HTTPSampler.postBodyRaw">true</boolProp>
          <elementProp name="HTTPsampler.Arguments" elementType="Arguments"><collectionProp name="Arguments.arguments">
            <elementProp name="" elementType="HTTPArgument"><stringProp name="Argument.value">\(body)</stringProp></elementProp>
          </collectionProp></elementProp>
          <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
          <stringProp name="HTTPSampler.port">9</stringProp>
          <stringProp name="HTTPSampler.path">/v1/tts</stringProp>
          <stringProp name="HTTPSampler.method">POST</stringProp>
        </HTTPSamplerProxy>
        <hashTree/>
        """
    }

    static func threadGroup(_ name: String, users: Int = 2, seconds: Int = 10, enabled: Bool = true, _ children: String) -> String {
        """
        <ThreadGroup testclass="ThreadGroup" testname="\(name)" enabled="\(enabled)">
          <elementProp name="ThreadGroup.main_controller" elementType="LoopController"><intProp name="LoopController.loops">-1</intProp></elementProp>
          <stringProp name="ThreadGroup.num_threads">\(users)</stringProp>
          <stringProp name="ThreadGroup.ramp_time">0</stringProp>
          <boolProp name="ThreadGroup.scheduler">true</boolProp>
          <stringProp name="ThreadGroup.duration">\(seconds)</stringProp>
        </ThreadGroup>
        <hashTree>\(children)</hashTree>
        """
    }

    // MARK: the fixtures

    /// The stepped TTS plan JMeter 2.13 runs (JMXImportTimingTests runs both): three groups of 2
    /// users, started 8 s apart, ending together at 24 s.
    @Test func steppedTTSPlan() throws {
        let (plan, result) = try convert(Self.fixtures + "tts-stepped.jmx")
        #expect(plan.name == "TTS stepped")
        #expect(plan.target.location == .url("http://127.0.0.1:8080"))
        #expect(plan.target.api == .raw)
        #expect(plan.threadGroups.map(\.name) == ["step 1", "step 2", "step 3"])
        #expect(plan.threadGroups.map(\.delay) == [.zero, seconds(8), seconds(16)])
        #expect(plan.threadGroups.map(\.load) == [
            .constant(users: 2, rampUp: .zero, duration: seconds(24)),
            .constant(users: 2, rampUp: .zero, duration: seconds(16)),
            .constant(users: 2, rampUp: .zero, duration: seconds(8)),
        ])
        for group in plan.threadGroups {
            #expect(group.request.label == "POST speech")
            #expect(group.request.method == "POST")
            #expect(group.request.path == "/v1/tts")
            #expect(group.request.headers == [Header("Content-Type", "application/json")])
            #expect(group.request.body == .raw(#"{"text": "${text}", "emotion": "${emotion}", "emotion_intensity": 0.8}"#))
            #expect(group.request.timeout == Timeouts(connect: seconds(2), response: seconds(30)))
            #expect(group.thinkTime == .uniform(min: PlanDuration(milliseconds: 100), max: PlanDuration(milliseconds: 200)))
            #expect(group.checks.status == StatusCheck(codes: [200]))
            #expect(group.checks.maxElapsed == seconds(10))
            #expect(group.dataSets == ["sentences"])
        }
        // The CSV (a '|'-separated file whose first line names the variables) comes back as RFC 4180 with its rows.
        #expect(plan.data.count == 1)
        #expect(plan.data.first?.columns == ["text", "emotion"])
        #expect(plan.data.first?.rowCount == 6)
        #expect(plan.data.first?.order == .sequential)
        let csv = try #require(result.dataFiles.first?.text)
        #expect(csv.hasPrefix("text,emotion\n\"Hello there, how are you today?\",happy\n"))
        #expect(plan.thresholds.isEmpty)
        #expect(result.report.count(.skipped) == 0)
        #expect(entry(result, "TTS stepped/under 10 s")?.outcome == .converted)
        #expect(entry(result, "TTS stepped/step 2/POST speech")?.line == 127)
        // The host and port are JMeter properties (-Jport=...): --set target.url moves the plan.
        let moved = try convert(Self.fixtures + "tts-stepped.jmx", overrides: ["target.url=http://127.0.0.1:5555"]).plan
        #expect(moved.target.location == .url("http://127.0.0.1:5555"))
    }

    /// jmeter-plugins' Stepping Thread Group: 10 users, burst 4, then 3 every 30 s after a 6 s ramp
    /// (a batch takes ramp + period), 60 s at the top, 5 stopped every 2 s, 5 s initial delay.
    @Test func steppingThreadGroup() throws {
        let (plan, result) = try convert(Self.fixtures + "stepping.jmx")
        let group = try #require(plan.threadGroups.first)
        #expect(group.delay == seconds(5))
        let stage = { (s: Double, t: Double) in LoadSpec.Stage(duration: self.seconds(s), target: t) }
        #expect(group.load == .stages([stage(6, 4), stage(30, 4), stage(6, 7), stage(30, 7), stage(6, 10), stage(60, 10), stage(4, 0)]))
        // Steps as ttsload names them: the three held levels.
        let steps = LoadProfile(plan: plan).groups.first?.steps.map(\.level) ?? []
        #expect(steps == [4, 7, 10])
        #expect(entry(result, "stepping plugin/jp@gc - Stepping Thread Group")?.outcome == .approximated) // the ramp-down
    }

    /// The Concurrency Thread Group: 10 users in 4 steps over 2 min (levels round(10/4*(i+1)) as
    /// ConcurrencyThreadStarter computes them, each held 30 s), then 3 min at 10.
    @Test func concurrencyThreadGroup() throws {
        let (plan, _) = try convert(Self.fixtures + "concurrency.jmx")
        let stage = { (s: Double, t: Double) in LoadSpec.Stage(duration: self.seconds(s), target: t) }
        #expect(plan.threadGroups.first?.load == .stages([
            stage(0, 3), stage(30, 3), stage(0, 5), stage(30, 5), stage(0, 8), stage(30, 8), stage(0, 10), stage(210, 10),
        ]))
        #expect(plan.variables["users"] == "10")
    }

    /// The Open Model Thread Group's schedule: 0 to 2/s over 1 min, 2 min at 2/s, a 30 s pause, 1 min at 3/s.
    @Test func openModelThreadGroup() throws {
        let (plan, _) = try convert(Self.fixtures + "openmodel.jmx")
        let stage = { (s: Double, t: Double) in LoadSpec.Stage(duration: self.seconds(s), target: t) }
        guard case .arrivalRate(let rate)? = plan.threadGroups.first?.load else {
            Issue.record("expected an arrival rate: \(String(describing: plan.threadGroups.first?.load))")
            return
        }
        #expect(rate.shape == .stages([stage(60, 2), stage(120, 2), stage(0, 0), stage(30, 0), stage(0, 3), stage(60, 3)]))
        #expect(rate.distribution == .poisson)
    }

    /// The mixed plan: what ttsload cannot do is reported and skipped, and the rest still validates.
    @Test func unconvertibleElementsAreReportedAndSkipped() throws {
        let (plan, result) = try convert(Self.fixtures + "unconvertible.jmx")
        #expect(plan.threadGroups.map { $0.request.label } == ["speak"])
        let skipped = result.report.entries.filter { $0.outcome == .skipped }.map(\.path)
        #expect(Set(skipped) == [
            "mixed plan/Summary Report", "mixed plan/speakers/cookies", "mixed plan/speakers/pick voice",
            "mixed plan/speakers/speak/audio length", "mixed plan/speakers/only sometimes",
            "mixed plan/speakers/only sometimes/maybe speak", "mixed plan/speakers/disabled speak",
        ])
        #expect(entry(result, "mixed plan/speakers/pick voice")?.note.contains("script") == true)
        #expect(entry(result, "mixed plan/speakers/only sometimes")?.note.contains("logic controller") == true)
        #expect(entry(result, "mixed plan/Summary Report")?.note.contains("listener") == true)
        // ${voice} came from the BeanShell script: defined empty, and said so on the sampler.
        #expect(plan.variables["voice"] == "")
        #expect(entry(result, "mixed plan/speakers/speak")?.note.contains("${voice}") == true)
        let json = try JSONSerialization.jsonObject(with: result.report.json()) as? [String: Any]
        #expect((json?["counts"] as? [String: Int])?["skipped"] == 7)
    }

    // MARK: smaller cases

    @Test func referencesBecomeTemplates() throws {
        let path = try temporaryJMX(Self.plan(Self.threadGroup("g", Self.sampler(
            "s", body: "{&quot;v&quot;: &quot;${__P(voice,alba)}&quot;, &quot;id&quot;: &quot;${__UUID()}&quot;, &quot;n&quot;: &quot;${__Random(1,9)}&quot;, &quot;u&quot;: &quot;${__threadNum}&quot;}"))))
        let (plan, result) = try convert(path)
        #expect(plan.threadGroups.first?.request.body == .raw(#"{"v": "${voice}", "id": "${__uuid}", "n": "", "u": "${__user}"}"#))
        #expect(plan.variables["voice"] == "alba")
        #expect(entry(result, "p/g/s")?.outcome == .approximated)
        #expect(entry(result, "p/g/s")?.note.contains("__Random") == true)
        // -Jvoice=... becomes --set variables.voice=...
        _ = try convert(path, overrides: ["variables.voice=kate"])
    }

    @Test func disabledElementsAreLeftOut() throws {
        let path = try temporaryJMX(Self.plan(
            Self.threadGroup("on", Self.sampler("a") + Self.sampler("b", enabled: false))
            + Self.threadGroup("off", enabled: false, Self.sampler("c"))))
        let (plan, result) = try convert(path)
        #expect(plan.threadGroups.map(\.name) == ["on"])
        #expect(entry(result, "p/on/b")?.outcome == .skipped)
        #expect(entry(result, "p/off")?.outcome == .skipped)
        #expect(entry(result, "p/off/c")?.outcome == .skipped)
    }

    /// Several samplers in one thread group: one group each, the users split exactly.
    @Test func samplersShareTheirGroupsUsers() throws {
        let path = try temporaryJMX(Self.plan(Self.threadGroup("g", users: 5, Self.sampler("a") + Self.sampler("b"))))
        let (plan, result) = try convert(path)
        #expect(plan.threadGroups.map(\.name) == ["g / a", "g / b"])
        #expect(plan.threadGroups.map(\.load) == [.constant(users: 3, rampUp: .zero, duration: seconds(10)),
                                                 .constant(users: 2, rampUp: .zero, duration: seconds(10))])
        #expect(entry(result, "p/g")?.outcome == .approximated)
    }

    /// A CSV file outside the .jmx's folder is refused unless allowed; the plan still validates.
    @Test func csvOutsideTheFolderIsRefused() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).csv").path
        try "a\n1\n".write(toFile: outside, atomically: true, encoding: .utf8)
        for name in [outside, "../" + (outside as NSString).lastPathComponent] {
            let csv = """
            <CSVDataSet testclass="CSVDataSet" testname="rows" enabled="true">
              <stringProp name="filename">\(name)</stringProp><stringProp name="variableNames"></stringProp>
            </CSVDataSet><hashTree/>
            """
            let path = try temporaryJMX(Self.plan(csv + Self.threadGroup("g", Self.sampler("s", body: "${a}"))))
            let (plan, result) = try convert(path)
            #expect(entry(result, "p/rows")?.outcome == .skipped)
            #expect(entry(result, "p/rows")?.note.contains("outside") == true)
            #expect(plan.data.isEmpty)
            let allowed = try convert(path, allowOutside: true)
            #expect(allowed.plan.data.first?.columns == ["a"])
        }
    }

    @Test func brokenFilesNameTheLine() throws {
        let cases: [(String, Int?, String)] = [
            ("<jmeterTestPlan>\n<hashTree>\n<TestPlan testname=\"p\">\n</hashTree>", 4, "XML"),
            ("<?xml version=\"1.0\"?>\n<project/>", 2, "not a JMeter plan"),
            ("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<jmeterTestPlan/>", 1, "DOCTYPE"),
            ("<jmeterTestPlan><hashTree>\n<hashTree/></hashTree></jmeterTestPlan>", 2, "follows no test element"),
        ]
        for (text, line, words) in cases {
            let path = try temporaryJMX(text)
            do {
                _ = try JMXImporter.convert(path: path, options: JMXImportOptions(planPath: "plan.yaml"))
                Issue.record("expected an error for \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.description.contains(words), "\(error)")
                #expect(error.description.hasPrefix(path), "\(error)")
            }
        }
    }

    /// Strings from the .jmx cannot change the YAML's structure, whatever they hold: read back
    /// by the plan loader as the same values.
    @Test func yamlQuotingKeepsValues() throws {
        let nasty = ["a: b", "- x", "#c", "yes", "0x10", "\"q\"", "back\\slash", "tab\there", "line\nbreak", "null", "~", "é ü 中", "{[,]}"]
        let yaml = PlanYAML.map([
            .init("target", .map([.init("url", .string("http://127.0.0.1:9")), .init("api", .string("raw"))])),
            .init("variables", .map(nasty.enumerated().map { .init("v\($0.offset)", .string($0.element)) })),
            .init("thread_groups", .list([.map([
                .init("name", .string("g")),
                .init("request", .map([.init("path", .string("/"))])),
                .init("load", .map([.init("users", .int(1)), .init("duration", .string("1s"))])),
            ])])),
        ]).render(comment: ["a comment"])
        let plan = try parsePlan(yaml).plan
        for (i, value) in nasty.enumerated() { #expect(plan.variables["v\(i)"] == value) }
    }
}
