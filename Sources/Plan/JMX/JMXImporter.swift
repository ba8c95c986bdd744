import Foundation

/// Options of `ttsload import-jmx`.
public struct JMXImportOptions: Sendable {
    /// Where the plan will be written: data files go beside it, in `<plan name>-data/`.
    public var planPath: String
    /// Read CSV files that lie outside the .jmx's folder.
    public var allowOutsideFiles = false
    /// How long a thread group runs that JMeter would run without end or for a loop count.
    public var defaultDurationMs = 300_000

    public init(planPath: String, allowOutsideFiles: Bool = false, defaultDurationMs: Int = 300_000) {
        self.planPath = planPath
        self.allowOutsideFiles = allowOutsideFiles
        self.defaultDurationMs = defaultDurationMs
    }
}

/// A converted plan: its YAML, the data files it refers to, and the report.
public struct JMXImportResult: Sendable {
    public var yaml: String
    /// Files to write, paths relative to the plan's folder, with their text.
    public var dataFiles: [(path: String, text: String)]
    public var report: JMXImportReport
}

/// Converts a JMeter .jmx into a ttsload plan (docs/jmx-import.md). Every element of the .jmx gets
/// an entry in the report: converted, approximated (with how) or skipped (with why). Only a file
/// that is not a readable JMeter plan stops the import.
public enum JMXImporter {
    public static func convert(path: String, options: JMXImportOptions) throws(JMXReadError) -> JMXImportResult {
        let roots = try JMXReader.read(path: path)
        var converter = JMXConverter(jmxPath: path, options: options)
        return converter.convert(roots)
    }
}
