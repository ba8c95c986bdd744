/// Receives samples from the engine threads as requests complete.
public protocol SampleSink: AnyObject, Sendable {
    /// Called on an engine thread; must be cheap and thread-safe.
    func record(_ sample: Sample)
}
