import Foundation
import Testing
@testable import Plan

/// Hostile and broken .jmx files: the importer reports or refuses them and never crashes. The
/// fixtures are mutated with a fixed seed (bytes flipped, cut, property values replaced by huge,
/// negative or non-numbers), so a failure is repeatable.
@Suite struct JMXFuzzTests {
    /// SplitMix64: a small seeded generator, the same on every machine.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let values = ["1e308", "-5", "NaN", "inf", "99999999999999999999", "0", "", "${__P(x,1e300)}", "${undefined}",
                         "${__P(a,${__P(b,${__P(c,3)})})}", "rate(1e300/s) random_arrivals(1e300 s)", "/../../etc/passwd", "\u{0}x"]

    @Test func mutatedFixturesNeverCrashTheImporter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jmx-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(atPath: JMXImportTests.fixtures + "sentences.csv", toPath: folder.appendingPathComponent("sentences.csv").path)
        var random = Seeded(state: 22)
        var converted = 0, refused = 0
        for name in ["tts-stepped", "stepping", "concurrency", "openmodel", "unconvertible"] {
            let original = try String(contentsOfFile: JMXImportTests.fixtures + name + ".jmx", encoding: .utf8)
            for round in 0..<60 {
                var text = original
                switch round % 3 {
                case 0:
                    // Every property value of one kind replaced by a hostile one.
                    let value = Self.values.randomElement(using: &random)!
                    text = text.replacingOccurrences(of: ">[^<>]*</stringProp>", with: ">\(value.replacingOccurrences(of: "&", with: "&amp;"))</stringProp>",
                                                     options: .regularExpression)
                case 1:
                    // A prefix: a truncated download.
                    text = String(text.prefix(Int.random(in: 0...text.count, using: &random)))
                default:
                    // Characters replaced at random places.
                    var chars = Array(text)
                    for _ in 0..<8 { chars[Int.random(in: 0..<chars.count, using: &random)] = ["<", ">", "\"", "/", "$", "{", "}", "&"].randomElement(using: &random)! }
                    text = String(chars)
                }
                let path = folder.appendingPathComponent("\(name)-\(round).jmx").path
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                do {
                    let result = try JMXImporter.convert(path: path, options: JMXImportOptions(planPath: folder.appendingPathComponent("p.yaml").path))
                    #expect(!result.report.entries.isEmpty || !result.yaml.isEmpty)
                    converted += 1
                } catch {
                    #expect(error.description.hasPrefix(path), "\(error)")
                    refused += 1
                }
            }
        }
        #expect(converted > 0 && refused > 0, "converted \(converted), refused \(refused)")
    }
}
