import Foundation
import Results

/// Writes the run folder's `summary.json` at the end: totals, per label, per step hold, counters,
/// the status and, for a distributed run, its agents.
public final class SummaryOutput: RunOutput {
    private var path: String?

    public init() {}

    public func begin(_ run: RunContext) throws { path = run.folder?.summary }

    public func finish(_ end: inout RunEnd) throws {
        guard let path else { return }
        try end.summary.write(to: path)
        end.files.append(("summary", path))
    }
}
