import Foundation
import Plan
import Report
import Results

/// The parts of `ttsload run` an A/B run (`targets:`, `--target-b`; docs/ab.md) adds: each side's
/// target started, and b judged against a at the end.
extension RunCommand {
    /// `--target-b URL` as the plan override it stands for.
    var abOverrides: [PlanOverride] {
        get throws {
            guard let targetB else { return [] }
            guard let o = PlanOverride(parsing: "targets.b=" + targetB) else { throw CommandFailure(.usage, "--target-b \(targetB): not a URL") }
            return [o]
        }
    }

    /// The address of one side's target: an embedded server started for it (its own flags and
    /// log), or the URL as given. `side` nil: a run that is not A/B.
    func startTarget(_ location: Target.Location, serverArgs: [String], log: String, side: ABSide?,
                     servers: inout [EmbeddedServer]) throws -> String {
        switch location {
        case .embedded:
            let started = try EmbeddedServer(arguments: serverArgs, logPath: log)
            servers.append(started)
            let flags = side != nil && !serverArgs.isEmpty ? " " + serverArgs.joined(separator: " ") : ""
            say("embedded server\(side.map { " " + $0.rawValue } ?? "") at \(started.baseURL)\(flags) (log: \(log))")
            return started.baseURL
        case .url(let url):
            if let side { say("target \(side.rawValue): \(url)") }
            return url
        }
    }

    /// b against a, from this run's JTL (placed in steps by the engine's exact start): printed,
    /// written as compare.html. Returns whether the comparison calls for exit 1 (a regression, or
    /// anything inconclusive with --strict).
    func compareSides(folder: RunFolder, plan: Plan, profile: LoadProfile, startWall: Int64?) throws -> Bool {
        guard let ab = plan.ab else { return false }
        let read: JTLSampleReader.Result
        do { read = try JTLSampleReader.read(path: folder.jtl) } catch { throw CommandFailure(.runtime, "\(folder.jtl): \(error)") }
        var whole = RunSide(name: folder.path, source: folder.jtl, title: plan.name, samples: read.samples, profile: profile,
                            startMicros: startWall, notes: read.warnings)
        whole.noise = SideLoader.noise(summary: folder.summaryFields())
        let sides = ABSides.split(whole, plan: plan, agents: folder.agentNames())
        let comparison = Comparator.compare(base: sides.a, candidate: sides.b, tolerances: try compareOptions.tolerances, paired: true)
        print("\nA/B: b against a (\(ABSides.describe(ab))):")
        do {
            try finishComparison(comparison, options: compareOptions, format: .text, html: folder.comparePage)
        } catch let failure as CommandFailure where failure.status == .negative {
            return true
        }
        return false
    }
}
