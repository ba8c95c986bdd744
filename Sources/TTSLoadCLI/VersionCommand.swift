import Foundation
import ArgumentParser
import Engine
import Server

/// The tool's version, set at release time.
public enum TTSLoadVersion {
    public static let current = "0.1.0"

    /// `current`, then `git describe --always --dirty --tags` of the source tree this binary was
    /// compiled from when that tree is still a git checkout (e.g. `0.1.0 (353e8af-dirty)`); just
    /// `current` otherwise. Read at RUN time from the compile-time path of this file: SwiftPM has
    /// no build-time variables, so a binary copied away from its checkout reports `current` only.
    /// Stored as runs.tool_version.
    public static let described: String = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) else { return current }
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", root.path, "describe", "--always", "--dirty", "--tags"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        do { try git.run() } catch { return current }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        git.waitUntilExit()
        return git.terminationStatus == 0 && !text.isEmpty ? "\(current) (\(text))" : current
    }()
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of ttsload and of the libraries it drives.")

    func run() {
        print("ttsload \(TTSLoadVersion.described)")
        print(CurlVersion.description)
        print("espeak-ng \(ServerModule.espeakVersion)")
    }
}
