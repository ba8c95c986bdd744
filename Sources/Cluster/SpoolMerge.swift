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
        /// Per agent, rows identical to a row of an agent read before it (group, user, start,
        /// elapsed, label, status, bytes): one sample spooled twice. Users are dealt to one agent
        /// each, so this is 0 unless spools were mixed up.
        public var duplicatesByAgent: [String: Int] = [:]
        public var warnings: [String]
    }

    /// What makes two rows the same sample: one user's request starting at one instant.
    private struct RowKey: Hashable {
        var group: Int
        var user: Int
        var start: Int64
        var elapsed: Int64
        var label: String
        var status: Int
        var bytes: Int64
        init(_ s: Sample) {
            group = s.groupIndex
            user = s.userNumber
            start = s.start
            elapsed = s.elapsed
            label = s.label
            status = s.status
            bytes = s.bytesReceived
        }
    }

    /// Reads each agent's spool, rewrites the thread fields and returns all samples sorted by start.
    public static func read(spools: [(agent: String, path: String)], users: UsersTimeline) throws -> Result {
        var all: [Sample] = []
        var rows: [String: Int] = [:]
        var warnings: [String] = []
        // Which spool each row was first seen in; a later spool holding the same row is a duplicate.
        var seen: [RowKey: Int] = [:]
        var duplicates: [String: Int] = [:]
        for (index, spool) in spools.enumerated() {
            let read = try JTLSampleReader.read(path: spool.path)
            warnings += read.warnings.map { "\(spool.agent): \($0)" }
            rows[spool.agent] = read.samples.count
            all.reserveCapacity(all.count + read.samples.count)
            for sample in read.samples {
                let first = seen[RowKey(sample), default: index]
                if first == index { seen[RowKey(sample)] = index } else { duplicates[spool.agent, default: 0] += 1 }
            }
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
        return Result(samples: all, rowsByAgent: rows, duplicatesByAgent: duplicates, warnings: warnings)
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
