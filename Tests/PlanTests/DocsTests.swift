import Foundation
import Testing
@testable import Plan

/// docs/plan.md stays in step with the code: every YAML block in it is a plan that validates.
@Suite struct DocsTests {
    static func yamlBlocks() throws -> [String] {
        let text = try String(contentsOfFile: repositoryRoot + "/docs/plan.md", encoding: .utf8)
        var blocks: [String] = []
        var current: [String]?
        for line in text.components(separatedBy: "\n") {
            if current == nil, line == "```yaml" { current = [] } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else { current?.append(line) }
        }
        return blocks
    }

    @Test func everyExampleValidates() throws {
        let blocks = try Self.yamlBlocks()
        #expect(blocks.count >= 7)
        for (index, block) in blocks.enumerated() {
            do {
                // Data paths in the examples are relative to plans/, where the corpora live.
                let loaded = try PlanLoader.parse(data: Data(block.utf8), file: "docs/plan.md#\(index)",
                                                  baseDirectory: repositoryRoot + "/plans", environment: ["TTS_API_KEY": "sk-example"])
                #expect(loaded.warnings.isEmpty, "example \(index): \(loaded.warnings)")
            } catch {
                Issue.record("example \(index) of docs/plan.md is invalid:\n\(error)")
            }
        }
    }

    @Test func everyFieldIsDocumented() throws {
        let text = try String(contentsOfFile: repositoryRoot + "/docs/plan.md", encoding: .utf8)
        let keys = PlanDecoder.topLevelKeys + PlanDecoder.threadGroupKeys + PlanDecoder.requestKeys
            + ["url", "api", "headers", "audio", "insecure", "http_version", "server_args", "timeout", "think_time",
               "graceful_stop", "file", "order", "format", "on_end", "variable", "delimiter", "steps", "ramp_up", "hold",
               "stages", "users", "duration", "arrival_rate", "rate", "max_users", "distribution", "status",
               "content_type", "min_bytes", "max_bytes", "min_seconds", "max_seconds", "max_rtf", "max_ttfa",
               "max_underrun", "non_silent", "distinct", "expr", "abort", "after", "for", "prometheus", "interval", "match"]
        let missing = Set(keys).filter { key in
            !(text.contains("`\(key)`") || text.contains(".\(key)`") || text.contains("`\(key),") || text.contains(" \(key),"))
        }
        #expect(missing.isEmpty, "docs/plan.md does not mention: \(missing.sorted())")
    }
}
