import Engine
import Foundation
import Monitors
import SwiftProtobuf

/// Pushes the run's series to a Prometheus remote-write receiver (Prometheus with
/// `--web.enable-remote-write-receiver`, Mimir, Thanos receive, VictoriaMetrics, Grafana Cloud):
/// once per second of the run, every series as it stands then, in one `WriteRequest` (protobuf,
/// snappy block-compressed, as remote write 1.0 requires).
///
/// Sending happens on a thread of its own so that a slow receiver never holds up the run: requests
/// wait in a queue (at most `maxQueued`; the oldest are dropped beyond it, with a warning). A 5xx
/// or 429 answer is retried with a growing delay (3 tries); any other refusal drops that request.
/// Failures are warnings, never errors of the run.
public final class RemoteWriter: @unchecked Sendable {
    public let url: String
    /// `url` as printed in warnings (credentials hidden).
    private let shownURL: String
    public let maxQueued = 120
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var closed = false
    private var busy = false
    private var warned = Set<String>()
    private let warn: @Sendable (String) -> Void
    /// Requests the receiver accepted, and those given up on.
    public private(set) var sent = 0
    public private(set) var dropped = 0

    /// - Parameter warn: told once per kind of failure.
    public init(url: String, warn: @escaping @Sendable (String) -> Void) {
        self.url = url
        shownURL = Self.redacted(url)
        self.warn = warn
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "ttsload-remote-write"
        thread.start()
    }

    /// Queues the series of `exposition` (text format 0.0.4) stamped at `timestampMs`.
    public func push(exposition: [UInt8], timestampMs: Int64) {
        let body: [UInt8]
        do {
            body = try Snappy.compress(try Self.writeRequest(exposition: exposition, timestampMs: timestampMs).serializedBytes())
        } catch {
            report("cannot encode a write request: \(error)", key: "encode")
            return
        }
        condition.lock()
        queue.append(body)
        if queue.count > maxQueued {
            queue.removeFirst()
            dropped += 1
            condition.unlock()
            report("the receiver does not keep up: the oldest seconds are dropped", key: "queue")
            condition.lock()
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Sends what is queued (at most `timeout` seconds), then stops the thread. True when
    /// everything was sent.
    @discardableResult
    public func close(timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !queue.isEmpty || busy {
            if !condition.wait(until: deadline) { break }
        }
        let done = queue.isEmpty && !busy
        dropped += queue.count
        queue.removeAll()
        closed = true
        condition.broadcast()
        return done
    }

    /// The samples of an exposition as remote-write series: labels sorted by name with
    /// `__name__` first among them (it sorts first), one sample each.
    public static func writeRequest(exposition: [UInt8], timestampMs: Int64) throws -> Prometheus_WriteRequest {
        let families = try PrometheusText.parse(String(decoding: exposition, as: UTF8.self))
        var request = Prometheus_WriteRequest()
        for family in families {
            for sample in family.samples {
                var series = Prometheus_TimeSeries()
                var labels = sample.labels.map { ($0.name, $0.value) }
                labels.append(("__name__", sample.name))
                labels.sort { $0.0 < $1.0 }
                series.labels = labels.map { name, value in
                    var label = Prometheus_Label()
                    label.name = name
                    label.value = value
                    return label
                }
                var point = Prometheus_Sample()
                point.value = sample.value
                point.timestamp = timestampMs
                series.samples = [point]
                request.timeseries.append(series)
            }
        }
        return request
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let body = queue.removeFirst()
            busy = true
            condition.unlock()
            let ok = send(body)
            condition.lock()
            busy = false
            if ok { sent += 1 } else { dropped += 1 }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One request, retried on 5xx, 429 and transport failures (3 tries, 0.5 s then 1 s apart).
    private func send(_ body: [UInt8]) -> Bool {
        var options = HTTPCall.Options()
        options.timeoutMs = 5_000
        let headers = [("Content-Encoding", "snappy"), ("Content-Type", "application/x-protobuf"),
                       ("X-Prometheus-Remote-Write-Version", "0.1.0"), ("User-Agent", "ttsload")]
        var delay = 0.5
        for attempt in 1...3 {
            do {
                let reply = try HTTPCall.perform(method: "POST", url: url, headers: headers, body: body, options: options)
                if (200..<300).contains(reply.status) { return true }
                let detail = reply.text.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines)
                if reply.status != 429 && reply.status < 500 {
                    report("\(shownURL) refused a write request: HTTP \(reply.status) \(detail)", key: "status \(reply.status)")
                    return false
                }
                if attempt == 3 { report("\(shownURL) answered HTTP \(reply.status) three times: a second of series is lost", key: "status \(reply.status)") }
            } catch {
                if attempt == 3 { report("\(shownURL): \(error): a second of series is lost", key: "transport") }
            }
            if attempt < 3 {
                condition.lock()
                let stopping = closed
                condition.unlock()
                if stopping { return false }
                Thread.sleep(forTimeInterval: delay)  // a back-off between retries, not a synchronisation
                delay *= 2
            }
        }
        return false
    }

    /// `url` as it may be printed: a user and password in it (basic auth) become `***`.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.user != nil || parts.password != nil else { return url }
        parts.user = "***"
        parts.password = nil
        return parts.string ?? "(a URL with credentials)"
    }

    private func report(_ message: String, key: String) {
        condition.lock()
        let fresh = warned.insert(key).inserted
        condition.unlock()
        if fresh { warn(message) }
    }
}
