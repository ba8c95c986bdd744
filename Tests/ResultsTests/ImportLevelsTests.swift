import Foundation
import Testing
@testable import Results

/// `ttsload import` counts allThreads per second while parsing; that must be what the store's
/// query over the written samples gives, and it must step aside when its quick pass found
/// another time 0.
@Suite struct ImportLevelsTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("levels-\(UUID().uuidString)-\(name)").path
    }

    /// Rows in end order with allThreads rising; the earliest start is not on the first row, one
    /// elapsed is negative, and the last sample ends seconds after the others.
    static func rows(quotedEarliest: Bool) -> String {
        var text = JTLFormat.header() + "\n"
        let t0: Int64 = 1_700_000_000_500
        for i in 0..<3_000 {
            let start = t0 + Int64(i * 7 % 2_900) * 10 + (i == 0 ? 0 : 5)
            let elapsed = i == 17 ? -400 : 20 + i % 900
            let stamp = i == 0 && quotedEarliest ? "\"\(start)\"" : "\(start)"
            text += "\(stamp),\(elapsed),l,200,OK,g 1-1,text,true,,1,1,\(1 + i / 300),\(1 + i / 300),http://x,1,0,0\n"
        }
        text += "\(t0 + 1_000),45000,l,200,OK,g 1-1,text,true,,1,1,99,99,http://x,1,0,0\n"
        return text
    }

    static func parsed(_ text: String) throws -> (JTLImport.ParseJob, [Sample]) {
        let path = temporaryPath("rows.jtl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let job = JTLImport.ParseJob(path: path, columns: nil)
        let pipe = SampleBatchPipe(capacity: 1_000)
        job.run(into: pipe)
        var samples: [Sample] = []
        while let batch = try pipe.take() { samples += batch }
        return (job, samples)
    }

    @Test func levelsCountedWhileParsingMatchTheStoredSamples() throws {
        let (job, samples) = try Self.parsed(Self.rows(quotedEarliest: false))
        #expect(samples.count == 3_001)
        let path = Self.temporaryPath("store.sqlite")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try ResultStore(path: path)
        _ = try store.writeRun(ResultStore.RunInfo(planName: "levels", startedMicros: 0)) { writer in
            try writer.add(contentsOf: samples)
            let t0 = try #require(writer.startedMicros), end = try #require(writer.endedMicros)
            let count = StepPlateaus.secondCount(duration: Double(end - t0) / 1_000_000)
            let known = try #require(job.levels(t0: t0))
            #expect(JTLImport.fold(known, count: count) == (try writer.threadLevels(t0: t0, count: count)))
            #expect(JTLImport.fold(known, count: 3).count == 3)  // clamped like the query
            #expect(JTLImport.fold(known, count: 3) == (try writer.threadLevels(t0: t0, count: 3)))
        }
    }

    @Test func aTimeZeroTheQuickPassMissedLeavesItToTheStore() throws {
        // The quick pass skips a quoted timeStamp, so it finds a later time 0 than the samples'.
        let (job, samples) = try Self.parsed(Self.rows(quotedEarliest: true))
        let t0 = try #require(samples.map(\.start).min())
        #expect(job.levels(t0: t0) == nil)
    }
}
