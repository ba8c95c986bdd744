import Testing
@testable import Plan

@Suite struct OverrideTests {
    static let base = """
    name: o
    target: { url: embedded }
    thread_groups:
      - name: g
        request: { text: hi }
        load: { steps: [10, 50], ramp_up: 1s, hold: 10s }
    """

    @Test func parsesPaths() {
        let o = PlanOverride(parsing: "thread_groups[0].load.steps=[1,2,4]")
        #expect(o?.path.components == [.key("thread_groups"), .index(0), .key("load"), .key("steps")])
        #expect(o?.value == "[1,2,4]")
        #expect(PlanOverride(parsing: "a.b=c=d")?.value == "c=d")
        for bad in ["no-equals", "=x", "a..b=1", "a[x]=1", "a[0=1", "a[-1]=1", "[0]=1"] {
            #expect(PlanOverride(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func replacesListsScalarsAndAddsFields() throws {
        let p = try parsePlan(Self.base, overrides: [
            "thread_groups[0].load.steps=[1,2,4]",
            "thread_groups[0].load.hold=3m",
            "defaults.timeout.response=10s",
            "name=renamed",
            "thread_groups[0].request.emotion=sad",
        ]).plan
        #expect(p.name == "renamed")
        #expect(p.threadGroups[0].load == .steps(users: [1, 2, 4], rampUp: PlanDuration(seconds: 1), hold: PlanDuration(seconds: 180)))
        #expect(p.defaults.timeout.response == PlanDuration(seconds: 10))
        #expect(p.threadGroups[0].request.tts.emotion == "sad")
    }

    @Test func resolvedYAMLCarriesTheOverrides() throws {
        let loaded = try parsePlan(Self.base, overrides: ["thread_groups[0].load.hold=3m"])
        #expect(loaded.resolvedYAML.contains("hold: 3m"))
        var again = try PlanLoader.parse(data: .init(loaded.resolvedYAML.utf8), file: "resolved.yaml").plan
        again.baseDirectory = loaded.plan.baseDirectory
        #expect(again == loaded.plan)
    }

    @Test func errorsPointAtTheFlag() {
        let errors = planErrors(Self.base, overrides: ["thread_groups[0].load.stepz=[1]"])
        #expect(errors.first?.location == .override("thread_groups[0].load.stepz=[1]"))
        #expect(errors.first?.message.contains("did you mean 'steps'?") == true)
        let typed = planErrors(Self.base, overrides: ["thread_groups[0].load.steps=[1,x]"])
        #expect(typed.first?.location == .override("thread_groups[0].load.steps=[1,x]"))
        #expect(typed.first?.path.description == "thread_groups[0].load.steps[1]")
        let index = planErrors(Self.base, overrides: ["thread_groups[1].name=x"])
        #expect(index.first?.message == "thread_groups has 1 item, so [1] does not exist")
        let scalar = planErrors(Self.base, overrides: ["name.first=x"])
        #expect(scalar.first?.message.contains("not a mapping") == true)
    }
}
