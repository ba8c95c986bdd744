import Foundation
import Report
import Results

/// The terminal: one line a second while the load runs (users, req/s, percentiles of that second,
/// errors, the thresholds failing over the last seconds; a progress bar on a TTY), then the per-step and per-label tables, unreadable audio,
/// the engine's counters and the driver's extra sections (a distributed run's agents).
public final class TerminalOutput: RunOutput {
    private let quiet: Bool
    private let progressBar: Bool
    private var context: RunContext?

    /// - Parameter quiet: only the end-of-run tables, no per-second line.
    public init(quiet: Bool) {
        self.quiet = quiet
        progressBar = isatty(STDOUT_FILENO) != 0
    }

    public func begin(_ run: RunContext) throws { context = run }

    public func second(_ snapshot: SecondSnapshot) {
        guard !quiet, let context else { return }
        let t = snapshot.elapsed
        let step = context.profile.groups.compactMap { $0.step(at: max(0, t - 0.5))?.name }.first ?? "finishing"
        var line = RunText.liveLine(elapsed: t, total: context.profile.duration, step: step, users: snapshot.users.reduce(0, +),
                                    interval: snapshot.total, seconds: 1, errorsTotal: snapshot.errorsSoFar, progressBar: progressBar)
        // Judged over the last few seconds by the threshold output, which runs before this one.
        if !context.failingThresholds.isEmpty { line += "  FAILING: " + context.failingThresholds.joined(separator: ", ") }
        if let saturated = context.generatorSaturated { line += "  GENERATOR SATURATED: \(saturated)" }
        Self.printLine(line)
    }

    public func finish(_ end: inout RunEnd) throws {
        guard let context else { return }
        var text = "\nper step (hold only):\n" + RunText.stepTable(end.statistics, groupNames: context.groupNames)
        if let chunks = ChunkText.stepTable(end.statistics, groupNames: context.groupNames, measures: context.plan.measures) {
            text += "\nchunks per step (hold only; gaps between chunks, ms):\n" + chunks
        }
        text += "\nper label:\n" + RunText.labelTable(end.statistics)
        if !end.audioWarnings.isEmpty {
            text += "\naudio that could not be read (first per label):\n"
            for (label, message) in end.audioWarnings.sorted(by: { $0.key < $1.key }) { text += "  \(label): \(message)\n" }
        }
        let c = end.counters
        if c.dropped + c.late + c.interrupted + c.dataExhausted > 0 {
            text += "\ndropped arrivals \(c.dropped), late arrivals \(c.late), interrupted \(c.interrupted), users out of data \(c.dataExhausted)\n"
        }
        for section in end.sections { text += "\n\(section.title):\n\(section.text)" }
        Self.printLine(text, terminator: "")
    }

    /// Prints and flushes: on a pipe (CI logs, a wrapper reading the output) stdio would otherwise
    /// hold lines back until a block fills or the process exits.
    static func printLine(_ text: String, terminator: String = "\n") {
        print(text, terminator: terminator)
        fflush(nil)
    }
}
