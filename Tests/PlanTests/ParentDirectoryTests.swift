import Testing
@testable import Plan

/// `parentDirectory(of:)` gives what NSString.deletingLastPathComponent gives, without its crash
/// on one-character paths (Foundation on Linux, Swift 6.3.1: `("r" as NSString)` -> SIGILL).
struct ParentDirectoryTests {
    @Test(arguments: [("r", ""), ("x", ""), ("ab", ""), ("a/b", "a"), ("/a", "/"), ("/", "/"), ("a/b/", "a"), ("a//b", "a"),
                      ("/tmp/run/plan.yaml", "/tmp/run"), ("reports/x", "reports"), ("", "")])
    func parents(path: String, parent: String) {
        #expect(parentDirectory(of: path) == parent, "\(path)")
    }
}
