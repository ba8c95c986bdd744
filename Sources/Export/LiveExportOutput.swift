import Foundation
import NIOCore
import RunPipeline

/// Where the run's live series go (`ttsload run --metrics-listen`, `--export`).
public struct LiveExportOptions: Sendable {
    /// Serve `/metrics` here during the run.
    public var listen: MetricsEndpoint.Address?
    /// After the run, wait this long at most for a last scrape (only when something scraped).
    public var linger: Double = 15
    /// Push every second to this remote-write URL.
    public var remoteWrite: String?

    public init(listen: MetricsEndpoint.Address? = nil, linger: Double = 15, remoteWrite: String? = nil) {
        self.listen = listen
        self.linger = linger
        self.remoteWrite = remoteWrite
    }

    public var isEmpty: Bool { listen == nil && remoteWrite == nil }
}

/// Feeds `LiveMetrics` once per second of the run and hands them out: served on `/metrics`, pushed
/// by remote write, or both. The endpoint is bound in `begin`, so a port in use stops the run
/// before any load. At the end, the final figures are pushed, and when a scraper was seen during
/// the run the endpoint stays up until it has scraped them once (at most `linger` seconds).
/// Last in the list of outputs: its wait comes after the tables and the report.
public final class LiveExportOutput: RunOutput, @unchecked Sendable {
    private let options: LiveExportOptions
    private let say: @Sendable (String) -> Void
    private var metrics: LiveMetrics?
    private var endpoint: MetricsEndpoint?
    private var writer: RemoteWriter?
    private var context: RunContext?
    private var lastStamp: Int64 = 0

    /// - Parameter say: where the output's few lines go (stderr).
    public init(options: LiveExportOptions, say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.say = say
    }

    /// The endpoint's port (once begun): the one asked for, or the system's choice for port 0.
    public var port: Int? { endpoint?.port }

    public func begin(_ run: RunContext) throws {
        context = run
        let name = run.folder.map { ($0.path as NSString).lastPathComponent } ?? run.plan.name
        let metrics = LiveMetrics(run: name, plan: run.plan.name, profile: run.profile)
        self.metrics = metrics
        if let listen = options.listen {
            do {
                endpoint = try MetricsEndpoint(address: listen) { metrics.text() }
            } catch {
                let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
                throw ExportError("--metrics-listen \(listen): cannot listen there: \(reason)")
            }
            let shown = MetricsEndpoint.Address(host: listen.host, port: endpoint?.port ?? listen.port)
            say("metrics: http://\(shown)/metrics (run=\"\(name)\")")
        }
        if let url = options.remoteWrite {
            writer = RemoteWriter(url: url) { [say] message in say("export: \(message) (the run goes on)") }
            say("export: remote write to \(RemoteWriter.redacted(url)) every second (run=\"\(name)\")")
        }
    }

    public func second(_ snapshot: SecondSnapshot) {
        guard let metrics else { return }
        metrics.add(snapshot, generatorSaturated: context?.generatorSaturated != nil)
        writer?.push(exposition: metrics.text(), timestampMs: stamp())
    }

    /// Now on this host's clock, in ms, after the last push: a receiver takes each series' points
    /// in time order and refuses a second value at the same timestamp. Not the end of the second
    /// counted: the run's last second is handed out before it ends, and a point stamped in the
    /// future is invisible to queries until then.
    private func stamp() -> Int64 {
        lastStamp = max(Int64(Date().timeIntervalSince1970 * 1_000), lastStamp + 1)
        return lastStamp
    }

    public func finish(_ end: inout RunEnd) throws {
        guard let metrics else { return }
        metrics.finish(counters: end.counters)
        if let writer {
            writer.push(exposition: metrics.text(), timestampMs: stamp())
            let done = writer.close(timeout: 10)
            say("export: \(writer.sent) write request(s) accepted\(writer.dropped > 0 ? ", \(writer.dropped) lost" : "")\(done ? "" : " (the last ones were not sent within 10 s)")")
        }
        if let endpoint {
            if endpoint.scrapeCount == 0 {
                say("metrics: nothing scraped /metrics during the run")
            } else if options.linger > 0 {
                say("metrics: waiting up to \(Int(options.linger)) s for a last scrape of the final figures")
                if !endpoint.waitForScrape(timeout: options.linger) { say("metrics: no scrape came within \(Int(options.linger)) s") }
            }
            endpoint.close()
        }
    }
}

/// An export that cannot start (a port in use): the run stops before any load.
public struct ExportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
