import Foundation

/// Loads a JTL file (JMeter's, any version, or ttsload's) into the store as one complete run:
/// the samples, their per-second aggregates, and the steps inferred from allThreads plateaus
/// (`StepPlateaus`, as the dashboard infers them). All in one transaction: a bad line rolls
/// everything back.
public enum JTLImport {
    /// What an import wrote.
    public struct Summary: Sendable {
        public var runID: Int64
        public var samples: Int
        public var labels: Int
        /// Steps inferred and stored (0: allThreads never held a level long enough, or is absent).
        public var steps: Int
        public var columns: [String]
        public var headerless: Bool
        /// Reader warnings (a torn last line).
        public var warnings: [String]
    }

    /// A failure that names where: `file:line: message` for a bad line.
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var line: Int?
        public var message: String
        public var description: String { line.map { "\(path):\($0): error: \(message)" } ?? "\(path): error: \(message)" }
    }

    /// Imports `path` into `store`. `columns` names the fields of a headerless file (default:
    /// JMeter's 17 or 2.x's 12 by field count); `name` is the run's plan name (default: the file's
    /// name without extension).
    public static func run(path: String, columns: [String]? = nil, name: String? = nil, store: ResultStore,
                           toolVersion: String = "", status: ResultStore.Status = .complete) throws -> Summary {
        let file = (path as NSString).lastPathComponent
        let planName = name ?? (file as NSString).deletingPathExtension
        // Absolute and standardized, as `ttsload report FILE.jtl` looks the run up.
        let source = "import " + URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
        let parse = ParseJob(path: path, columns: columns)
        var stepCount = 0
        let runID: Int64
        do {
            runID = try store.writeRun(ResultStore.RunInfo(planName: planName, startedMicros: 0, toolVersion: toolVersion,
                                                           source: source)) { writer in
                writer.status = status
                // Parsing on its own thread, storing on this one (the transaction's): the 2 cores
                // work at once (bench/store-ingest.sh; docs/results.md "Ingest speed").
                let pipe = SampleBatchPipe(capacity: 2)
                let done = DispatchSemaphore(value: 0)
                let thread = Thread { parse.run(into: pipe); done.signal() }
                thread.start()
                do {
                    while let batch = try pipe.take() {
                        try writer.add(contentsOf: batch)
                        pipe.giveBack(consume batch)
                    }
                } catch {
                    pipe.cancel()
                    done.wait()
                    throw error
                }
                done.wait()
                guard let t0 = writer.startedMicros, let end = writer.endedMicros else { return }
                stepCount = try inferSteps(writer, t0: t0, end: end, levels: parse.levels(t0: t0))
            }
        } catch let failure as JTLReader.Failure {
            switch failure {
            case .unreadable(let message): throw Failure(path: path, line: nil, message: message)
            case let .malformed(line, message): throw Failure(path: path, line: line, message: message)
            }
        }
        guard let info = parse.info else { throw Failure(path: path, line: nil, message: "not read") }
        return Summary(runID: runID, samples: info.count, labels: parse.labels.count, steps: stepCount, columns: info.columns,
                       headerless: info.headerless, warnings: info.warnings)
    }

    /// Stores the allThreads plateaus of the run as steps of one group, `all threads` (they cover every group's samples); time 0 is
    /// the first sample's start (a JTL does not record the engine's).
    /// `levels`: the highest allThreads per second from `t0` when already known (nil: read them
    /// from the stored samples).
    static func inferSteps(_ writer: RunWriter, t0: Int64, end: Int64, levels known: [Int]?) throws -> Int {
        let duration = Double(end - t0) / 1_000_000
        let count = StepPlateaus.secondCount(duration: duration)
        let levels: [Int]
        if let known {
            levels = fold(known, count: count)
        } else {
            levels = try writer.threadLevels(t0: t0, count: count)
        }
        let plateaus = StepPlateaus.find(levels: levels, duration: duration)
        var previousEnd = 0
        for (n, p) in plateaus.enumerated() {
            func wall(_ seconds: Int) -> Int64 { t0 + Int64(seconds) * 1_000_000 }
            try writer.addStep(group: StoreSchema.allThreadsGroup, index: n + 1, level: Double(p.level), unit: "users",
                               startMicros: wall(previousEnd), holdStartMicros: wall(p.first + 1), endMicros: wall(p.last))
            previousEnd = p.last + 1
        }
        return plateaus.count
    }

    /// Levels per second clamped into 0..<count as `RunWriter.threadLevels` clamps them.
    static func fold(_ levels: [Int], count: Int) -> [Int] {
        var folded = [Int](repeating: 0, count: count)
        for (second, level) in levels.enumerated() where level > 0 {
            folded[min(count - 1, second)] = max(folded[min(count - 1, second)], level)
        }
        return folded
    }

    /// The parser side of an import: reads the file into batches for the pipe. Its fields are read
    /// only after the thread has finished (the pipe's end, then the semaphore, order the accesses).
    final class ParseJob: @unchecked Sendable {
        let path: String
        let columns: [String]?
        var info: JTLSampleReader.StreamInfo?
        var labels = Set<String>()
        /// The earliest start as a quick pass found it, and the highest allThreads per second of
        /// sample end from it: what step inference needs, counted as the samples go by instead of
        /// read back from the store afterwards (a query over all the run's rows, ~1 s per million
        /// rows on the store's thread; the quick pass costs this thread ~0.25 s).
        private var levelsT0: Int64?
        private var levelsBySecond: [Int] = []

        /// The levels per second from `t0`, when the quick pass found that same `t0` (nil: it did
        /// not, e.g. a torn or quoted earliest timeStamp; then the store is asked).
        func levels(t0: Int64) -> [Int]? { levelsT0 == t0 ? levelsBySecond : nil }

        /// Samples per batch handed over: the store's own batch, which it writes without copying
        /// the samples (`RunWriter.add(contentsOf:)`); a few MB, 2 waiting at most.
        static let batchSize = ResultStore.batchSize

        init(path: String, columns: [String]?) {
            self.path = path
            self.columns = columns
        }

        func run(into pipe: SampleBatchPipe) {
            var batch: [Sample] = []
            batch.reserveCapacity(Self.batchSize)
            do {
                levelsT0 = try? JTLSampleReader.earliestStart(path: path, columns: columns)
                info = try JTLSampleReader.streamThrowing(path: path, columns: columns) { sample in
                    labels.insert(sample.label)
                    if let t0 = levelsT0 { countLevel(sample, t0: t0) }
                    batch.append(sample)
                    if batch.count == Self.batchSize {
                        try pipe.put(batch)
                        // A batch the store is done with, emptied here: its samples' strings are
                        // released on this thread, not the store's (the import's bottleneck).
                        batch = pipe.takeBack() ?? []
                        batch.removeAll(keepingCapacity: true)
                        batch.reserveCapacity(Self.batchSize)
                    }
                }
                if !batch.isEmpty { try pipe.put(batch) }
                pipe.finish(nil)
            } catch {
                pipe.finish(error)
            }
        }

        /// `RunWriter.threadLevels`' rule: the second is (end - t0) / 1 s, truncated, at least 0.
        private func countLevel(_ sample: Sample, t0: Int64) {
            let second = max(0, Int((sample.end - t0) / 1_000_000))
            guard second < 10_000_000 else {  // a stray timestamp months away: leave it to the store
                levelsT0 = nil
                return
            }
            if second >= levelsBySecond.count {
                levelsBySecond.append(contentsOf: repeatElement(0, count: second + 1 - levelsBySecond.count))
            }
            levelsBySecond[second] = max(levelsBySecond[second], sample.allThreads)
        }
    }
}
