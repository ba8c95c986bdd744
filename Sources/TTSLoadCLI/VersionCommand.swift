import ArgumentParser
import Engine
import Server

/// The tool's version, set at release time.
public enum TTSLoadVersion {
    public static let current = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of ttsload and of the libraries it drives.")

    func run() {
        print("ttsload \(TTSLoadVersion.current)")
        print(CurlVersion.description)
        print("espeak-ng \(ServerModule.espeakVersion)")
    }
}
