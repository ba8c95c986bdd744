import Foundation
import Results

/// Merges agents' spools (JTL files) into the run's one JTL: every sample once, in start order,
/// threadName prefixed with its agent, grpThreads/allThreads the whole test's users at the sample's
/// end (from the agents' ticks), not one agent's.
public enum SpoolMerge {
    public struct Result: Sendable {
        public var samples: [Sample]
        /// Rows read per agent.
        public var rowsByAgent: [String: Int]
        public var warnings: [String]
    }

    /// Reads each agent's spool, rewrites the thread fields and returns all samples sorted by start.
    public static func read(spools: [(agent: String, path: String)], users: UsersTimeline) throws -> Result {
        var all: [Sample] = []
        var rows: [String: Int] = [:]
        var warnings: [String] = []
        for spool in spools {
            let read = try JTLSampleReader.read(path: spool.path)
            warnings += read.warnings.map { "\(spool.agent): \($0)" }
            rows[spool.agent] = read.samples.count
            all.reserveCapacity(all.count + read.samples.count)
            for var sample in read.samples {
                sample.agent = spool.agent
                if !users.isEmpty {
                    let counts = users.users(group: sample.groupIndex, at: sample.end / 1_000_000)
                    sample.groupThreads = counts.group
                    sample.allThreads = counts.all
                }
                all.append(sample)
            }
        }
        // Stable order for equal starts (agent, then user), so the merged file is reproducible.
        all.sort { ($0.start, $0.agent, $0.userNumber) < ($1.start, $1.agent, $1.userNumber) }
        return Result(samples: all, rowsByAgent: rows, warnings: warnings)
    }

    /// Writes the merged JTL (the TTS columns when `audioColumns`) to a temporary file beside `path`
    /// and renames it onto `path`: a failure (disk full, EIO; the error names `path`) leaves an
    /// earlier `path` as it was, and a reader never sees half a file.
    public static func write(_ samples: [Sample], to path: String, audioColumns: Bool) throws {
        let temporary = OutputFile.temporaryPath(beside: path)
        do {
            let writer = try JTLWriter(path: temporary, variables: audioColumns ? JTLFormat.audioVariables : [], reportedAs: path)
            do {
                for sample in samples { try writer.append(sample, values: audioColumns ? JTLFormat.audioValues(sample) : []) }
                try writer.close()
            } catch {
                try? writer.close()
                throw error
            }
            try OutputFile.rename(temporary, onto: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
