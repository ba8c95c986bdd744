import Foundation
import Testing
@testable import Plan

/// The repository root, found from this file's path (Tests/PlanTests/Support.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Parses `yaml` as a plan read from a fresh temporary directory holding `files` (relative paths).
func parsePlan(_ yaml: String, files: [String: String] = [:], overrides: [String] = [],
               sourceLocation: SourceLocation = #_sourceLocation) throws -> LoadedPlan {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ttsload-plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for (name, content) in files {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url, atomically: true, encoding: .utf8)
    }
    let parsedOverrides = overrides.map { PlanOverride(parsing: $0)! }
    return try PlanLoader.parse(data: Data(yaml.utf8), file: "plan.yaml", defaultName: "plan", baseDirectory: dir.path,
                                overrides: parsedOverrides)
}

/// The diagnostics of a plan that must fail.
func planErrors(_ yaml: String, files: [String: String] = [:], overrides: [String] = [],
                sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [PlanDiagnostic] {
    do {
        _ = try parsePlan(yaml, files: files, overrides: overrides)
        Issue.record("expected the plan to be invalid", sourceLocation: sourceLocation)
        return []
    } catch let error as PlanErrors {
        return error.errors
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

typealias SourceLocation = Testing.SourceLocation

/// `line:column` of a diagnostic located in the file.
func position(_ d: PlanDiagnostic) -> String {
    if case let .file(_, line, column) = d.location { return "\(line):\(column)" }
    return d.location.description
}

/// A minimal valid plan with `group` spliced in as the body of one thread group (indented 4).
func plan(group: String, top: String = "") -> String {
    """
    name: t
    target: { url: "http://127.0.0.1:9" }
    \(top)
    thread_groups:
      - name: g
    \(group)
    """
}
