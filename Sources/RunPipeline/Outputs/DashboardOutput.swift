import Foundation
import Report
import Results

/// Writes the run folder's `index.html` from its results.jtl at the end (after the JTL output
/// closed it). A page that cannot be written is reported and does not fail the run: the samples
/// are all in the JTL, and `ttsload report` makes the page again.
public final class DashboardOutput: RunOutput {
    private var context: RunContext?

    public init() {}

    public func begin(_ run: RunContext) throws { context = run }

    public func finish(_ end: inout RunEnd) throws {
        guard let context, let folder = context.folder else { return }
        do {
            let path = try Dashboard.writeRunFolder(folder.path, plan: context.plan, target: context.target,
                                                    status: end.status.rawValue, startMicros: context.startWall,
                                                    monitors: end.monitors, verdict: end.verdict)
            end.files.append(("report", path))
        } catch {
            FileHandle.standardError.write(Data("report not written: \(error)\n".utf8))
        }
    }
}
