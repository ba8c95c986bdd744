import CCurl
import Foundation

/// One blocking HTTP exchange outside the load: the controller talking to its agents.
///
/// Load requests go through `CurlEasy` on the multi loops; this is for the few control calls of a
/// distributed run (prepare, start, status, the live stream, fetching spools), on libcurl too so
/// that the project has one HTTP client and all C interop stays in this folder.
public enum HTTPCall {
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The final response's headers, names lowercased (a repeated header keeps its last value).
        public var headers: [String: String] = [:]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The exchange did not complete (nothing listening, timeout, reset, or `onData` said stop).
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Options of one call.
    public struct Options: Sendable {
        /// Whole exchange, ms (0: no limit; streams set `stallSeconds` instead).
        public var timeoutMs = 10_000
        public var connectTimeoutMs = 3_000
        /// Ask for gzip and let libcurl inflate it.
        public var acceptGzip = false
        /// Abort when fewer than one byte arrived for this many seconds (0: off): a live stream
        /// whose agent went silent ends instead of hanging.
        public var stallSeconds = 0
        /// PEM file of the CA that signed the peer's certificate (instead of the system's store).
        public var caFile: String?
        public init() {}
    }

    /// Sends the request and returns the status and body. With `onData`, body bytes go to it as they
    /// arrive instead of into `Reply.body`; returning false ends the transfer (a `Failure`).
    public static func perform(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                               options: Options = Options(),
                               onData: (([UInt8]) -> Bool)? = nil) throws(Failure) -> Reply {
        Curl.globalInit()
        guard let handle = curl_easy_init() else { throw Failure(message: "libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }
        let sink = BodySink(onData: onData)
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        ccurl_easy_setopt_string(handle, CURLOPT_URL, url)
        ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        if !CurlEasy.proxyConfigured { ccurl_easy_setopt_string(handle, CURLOPT_PROXY, "") }
        ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMs)
        ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, options.timeoutMs)
        if options.stallSeconds > 0 {
            ccurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            ccurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, options.stallSeconds)
        }
        if let caFile = options.caFile {
            // Only this CA: Debian's libcurl also trusts every CA in /etc/ssl/certs (its built-in
            // CA path) unless told not to, and then any public certificate would pass for an agent.
            ccurl_easy_setopt_string(handle, CURLOPT_CAINFO, caFile)
            ccurl_easy_setopt_pointer(handle, CURLOPT_CAPATH, nil)
        }
        if options.acceptGzip { ccurl_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "gzip") }
        ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, box.toOpaque())
        ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, bodyWrite)
        ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, box.toOpaque())
        ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerWrite)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        ccurl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        if method == "GET" {
            ccurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
        } else {
            let bytes = body ?? []
            ccurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            _ = bytes.withUnsafeBufferPointer { buffer in
                ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS,
                                          UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
            if method != "POST" { ccurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) }
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw Failure(message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Reply(status: status, body: sink.body, headers: sink.headers)
    }
}

/// Where a control call's body goes: collected, or handed on as it arrives.
private final class BodySink {
    let onData: (([UInt8]) -> Bool)?
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    init(onData: (([UInt8]) -> Bool)?) { self.onData = onData }
}

/// One header line at a time (libcurl's contract); a status line starts a new response (after a
/// redirect or a 100 Continue), so only the final response's headers are kept.
private func headerWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user, let data else { return length }
    let sink = Unmanaged<BodySink>.fromOpaque(user).takeUnretainedValue()
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
    if line.hasPrefix("HTTP/") {
        sink.headers = [:]
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        sink.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return length
}

private func bodyWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user, let data else { return length }
    let sink = Unmanaged<BodySink>.fromOpaque(user).takeUnretainedValue()
    let bytes = data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    if let onData = sink.onData {
        return onData(bytes) ? length : 0
    }
    sink.body.append(contentsOf: bytes)
    return length
}
