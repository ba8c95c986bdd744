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
                           toolVersion: String = "") throws -> Summary {
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
                // Parsing on its own thread, storing on this one (the transaction's): the 2 cores
                // work at once (bench/store-ingest.sh; docs/results.md "Ingest speed").
                let pipe = SampleBatchPipe()
                let done = DispatchSemaphore(value: 0)
                let thread = Thread { parse.run(into: pipe); done.signal() }
                thread.start()
                do {
                    while let batch = try pipe.take() {
                        for sample in batch { try writer.add(sample) }
                    }
                } catch {
                    pipe.cancel()
                    done.wait()
                    throw error
                }
                done.wait()
                guard let t0 = writer.startedMicros, let end = writer.endedMicros else { return }
                stepCount = try inferSteps(writer, t0: t0, end: end)
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
    static func inferSteps(_ writer: RunWriter, t0: Int64, end: Int64) throws -> Int {
        let duration = Double(end - t0) / 1_000_000
        let levels = try writer.threadLevels(t0: t0, count: StepPlateaus.secondCount(duration: duration))
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

    /// The parser side of an import: reads the file into batches for the pipe. Its fields are read
    /// only after the thread has finished (the pipe's end, then the semaphore, order the accesses).
    final class ParseJob: @unchecked Sendable {
        let path: String
        let columns: [String]?
        var info: JTLSampleReader.StreamInfo?
        var labels = Set<String>()
        /// Samples per batch handed over: a few hundred KB, small enough to keep both threads busy.
        static let batchSize = 2_500

        init(path: String, columns: [String]?) {
            self.path = path
            self.columns = columns
        }

        func run(into pipe: SampleBatchPipe) {
            var batch: [Sample] = []
            batch.reserveCapacity(Self.batchSize)
            do {
                info = try JTLSampleReader.streamThrowing(path: path, columns: columns) { sample in
                    labels.insert(sample.label)
                    batch.append(sample)
                    if batch.count == Self.batchSize {
                        try pipe.put(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { try pipe.put(batch) }
                pipe.finish(nil)
            } catch {
                pipe.finish(error)
            }
        }
    }
}
