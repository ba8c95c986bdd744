import Foundation

/// Finds the `ttsload` executable the tests drive as a real child process.
///
/// Order: $TTSLOAD_BIN; the build folder that holds the running test bundle (so
/// `swift test --scratch-path .build-server` uses `.build-server/debug/ttsload`); then
/// `.build/debug/ttsload` and `.build-server/debug/ttsload` under the package root.
enum TTSLoadBinary {
    static func path(filePath: String = #filePath) throws -> String {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment["TTSLOAD_BIN"], fm.isExecutableFile(atPath: override) {
            return override
        }
        var candidates: [String] = []
        // The test bundle lives in <scratch>/debug/ (or <scratch>/<triple>/debug/); ttsload is beside it.
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("ttsload").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("ttsload").path)
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for scratch in [".build", ".build-server"] {
            candidates.append(root.appendingPathComponent("\(scratch)/debug/ttsload").path)
        }
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0) }) { return found }
        throw TestFailure("ttsload binary not found (tried \(candidates)); run `swift build` first or set TTSLOAD_BIN")
    }
}

/// A failure of the test harness itself, with what to do about it.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
