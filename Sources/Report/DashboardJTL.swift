import Foundation
import Plan
import Results

extension Dashboard {
    /// The model of a JTL file, streamed: no sample is kept, so memory does not grow with the
    /// file. When `input.startMicros` is nil, a quick first pass finds the earliest start (time 0
    /// must be known before samples are placed in seconds and steps). `input.samples` is ignored;
    /// reader warnings are added to the notes. Returns the model and the number of samples.
    public static func model(jtl path: String, columns: [String]? = nil,
                             input: DashboardInput) throws(JTLReader.Failure) -> (model: DashboardModel, samples: Int) {
        var input = input
        input.samples = []
        let t0: Int64
        if let start = input.startMicros {
            t0 = start
        } else {
            t0 = DashboardModel.timeZero(input, firstStart: try JTLSampleReader.earliestStart(path: path, columns: columns) ?? 0)
        }
        var accumulator = DashboardAccumulator(input: input, t0: t0)
        let info = try JTLSampleReader.stream(path: path, columns: columns) { accumulator.add($0) }
        return (accumulator.model(notes: info.warnings), info.count)
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
