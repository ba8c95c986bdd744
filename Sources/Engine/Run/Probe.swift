import CCurl
import Foundation
import Plan
import Results

/// One request before the load, so a target that is down fails the run at once with a clear message.
public enum Probe {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends the first thread group's request once (data from each set's first row) and returns
    /// the sample; throws when the target cannot be reached at all. An HTTP error status is not a
    /// failure here: the run will show it.
    ///
    /// - Parameter agentName: what `${__agent}` gives (an agent's probe), empty in one process.
    public static func check(plan: Plan, baseURL: String, agentName: String = "") throws(Failure) -> Sample {
        guard let group = plan.threadGroups.first else { throw Failure(description: "the plan has no thread group") }
        Curl.globalInit()
        var row: [String: String] = [:]
        for spec in plan.data {
            if case .success(let table) = DataSetFile.read(spec, baseDirectory: plan.baseDirectory), let first = table.rows.first {
                for (name, value) in zip(table.columns, first) { row[name] = value }
            }
        }
        let request = RequestPlan(group: group, target: plan.target, baseURL: baseURL, baseDirectory: plan.baseDirectory)
        let rendered = request.render { name in
            if let value = row[name] ?? plan.variables[name] { return value }
            switch name {
            case "__user", "__iteration": return "1"
            case "__group": return group.side == nil ? group.name : ABSide.split(group.name)?.base ?? group.name
            case "__agent": return agentName
            default: return ""
            }
        }
        guard let easy = CurlEasy() else { throw Failure(description: "libcurl could not create a handle") }
        easy.prepare(method: rendered.method, url: rendered.url, headers: rendered.headers, body: rendered.body,
                     connectTimeoutMs: Int(request.timeouts.connect.microseconds / 1_000),
                     timeoutMs: Int(request.timeouts.response.microseconds / 1_000), http2: request.http2,
                     insecure: request.insecure, connection: request.connection, keepBody: false)
        let code = easy.performBlocking()
        if code != CURLE_OK {
            throw Failure(description: "target \(rendered.url) is not answering: \(easy.errorText(code)) (\(Outcome.errorClass(code).rawValue))")
        }
        let timings = easy.timings
        return Sample(start: Int64(Date().timeIntervalSince1970 * 1_000_000), elapsed: timings.total, latency: timings.firstByte,
                      connect: timings.connect, bodyBytes: easy.capture.bodyBytes, status: easy.status,
                      responseMessage: easy.capture.reasonPhrase, contentType: easy.contentType, success: easy.status < 400,
                      label: rendered.label, groupName: group.name, url: rendered.url)
    }
}
