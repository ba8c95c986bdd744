import Testing

/// Every test that starts a real `ttsload server` lives under this suite, serialized: each
/// server runs worker processes and this machine may have 2 cores, so timing-based checks
/// (queue full, streaming, cache) must not compete with each other.
@Suite(.serialized) struct ServerIntegration {}

/// Texts of growing length used across the tests.
enum Texts {
    static let short = "Hello there."
    static let medium = "The quick brown fox jumps over the lazy dog, while the patient tester measures every millisecond of the reply."
    static let long = String(repeating: "Load tests tell us where a speech service stops keeping its promises. ", count: 10)
    /// About 4000 characters: a few hundred milliseconds of espeak-ng work.
    static let veryLong = String(repeating: "A stepped load test raises the offered load one step at a time and watches the latency. ", count: 45)
    /// About 20000 characters (needs --max-text-chars and --max-body-kb raised): over a second of synthesis.
    static let huge = String(repeating: "A stepped load test raises the offered load one step at a time and watches the latency. ", count: 225)
}
