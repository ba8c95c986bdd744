import Foundation
import Plan
import Results
import Thresholds

extension Dashboard {
    /// The model of a JTL file, streamed: no sample is kept, so memory does not grow with the
    /// file. When `input.startMicros` is nil, a quick first pass finds the earliest start (time 0
    /// must be known before samples are placed in seconds and steps). `input.samples` is ignored;
    /// reader warnings are added to the notes. Returns the model and the number of samples.
    ///
    /// - Parameter judging: thresholds to judge on the file's samples in the same pass (needs
    ///   `input.profile` for the steps) and the plan's group name -> index; the verdict goes into
    ///   `model.input.verdict`, with the stop `input.verdict` carried (the run's abort or stop_when).
    public static func model(jtl path: String, columns: [String]? = nil, input: DashboardInput,
                             judging: (thresholds: [Threshold], groupIndices: [String: Int])? = nil)
        throws(JTLReader.Failure) -> (model: DashboardModel, samples: Int) {
        var input = input
        input.samples = []
        let t0: Int64
        if let start = input.startMicros {
            t0 = start
        } else {
            t0 = DashboardModel.timeZero(input, firstStart: try JTLSampleReader.earliestStart(path: path, columns: columns) ?? 0)
        }
        var accumulator = DashboardAccumulator(input: input, t0: t0)
        var judge = judging.flatMap { j in
            input.profile.map { ThresholdJudge(thresholds: j.thresholds, profile: $0, groupIndices: j.groupIndices, startWall: t0) }
        }
        // A distributed run's rows carry their agent in the threadName: the plan's groups again.
        let agents = input.distributed?.agents.map(\.name) ?? []
        let groups = Set(input.profile?.groups.map(\.name) ?? [])
        let info = try JTLSampleReader.stream(path: path, columns: columns) { row in
            var s = row
            if !agents.isEmpty { s.takeAgentPrefix(agents: agents, groups: groups) }
            accumulator.add(s)
            judge?.add(s)
        }
        var model = accumulator.model(notes: info.warnings)
        if let judge {
            model.input.verdict = judge.verdict(durationSeconds: model.duration, stop: input.verdict?.stop)
        }
        return (model, info.count)
    }

    /// Writes the page of a model to `directory/index.html` (creating the folder); returns the path.
    @discardableResult
    public static func write(_ model: DashboardModel, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = RunFolder(directory).dashboard
        // Through a temporary file renamed into place: on a full disk the earlier page (or none)
        // stays, never an empty or half-written index.html; the error names the file.
        try OutputFile.writeAtomically(Array(html(model).utf8), to: path)
        return path
    }
}
