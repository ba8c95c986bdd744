import CCurl
import Foundation
import Plan
import TTS

/// What a response delivered, filled by libcurl's callbacks while the transfer runs.
///
/// Kept per handle and reset per request; the callbacks do the least work they can (count bytes,
/// stamp the first body byte) because they run on the engine loop's hot path.
final class ResponseCapture {
    /// `HTTP/1.1 200 OK` -> `OK`; the last status line wins (after 100-continue or redirects).
    var reasonPhrase = ""
    var bodyBytes: Int64 = 0
    /// Monotonic µs of the first body byte, and of the latest chunk; 0 until then.
    var firstBodyAt: Int64 = 0
    var lastChunkAt: Int64 = 0
    /// Monotonic µs of the first status line: with libcurl's time to first byte, where libcurl's
    /// own clock started for this transfer (it starts when the loop first drives the handle, which
    /// can be well after the handle was added on a busy loop).
    var firstStatusAt: Int64 = 0
    var chunks = 0
    /// The largest gap between two body chunks, µs.
    var maxGap: Int64 = 0
    /// When set, body bytes are kept here (for checks and audio parsing that need them).
    var keepBody = false
    var body: [UInt8] = []
    /// Reads the audio as it streams (time to first audio, gaps, duration); nil when not wanted.
    var analyzer: AudioStreamAnalyzer?
    /// Whether a `text/event-stream` answer is to be read as speech events (set per request: a
    /// group that expects audio); `sse` decodes them into `analyzer` once the first body byte of
    /// such an answer arrives (`sseActive`).
    var decodeSSE = false
    var sse: SSEAudioDecoder?
    private(set) var sseActive = false

    func reset(keepBody: Bool) {
        // reasonPhrase is kept: the next status line usually repeats it (see curlHeader).
        bodyBytes = 0
        firstBodyAt = 0
        lastChunkAt = 0
        firstStatusAt = 0
        chunks = 0
        maxGap = 0
        self.keepBody = keepBody
        body.removeAll(keepingCapacity: true)
        sseActive = false
    }

    /// The answer is an event stream: its body goes through the SSE decoder from now on.
    func startSSE() {
        if let sse { sse.reset() } else { sse = SSEAudioDecoder() }
        sseActive = true
    }
}

/// Timings libcurl measured for one transfer, µs from its start.
struct CurlTimings {
    var connect: Int64
    var tls: Int64
    var firstByte: Int64
    var total: Int64
}

/// One libcurl easy handle, reused across requests so its keep-alive connection persists.
///
/// The only type (with `CurlMulti`) that touches libcurl pointers.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let capture = ResponseCapture()
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The current URL, parsed (libcurl keeps the pointer: freed in deinit, after the handle).
    private let parsedURL: OpaquePointer
    /// libcurl writes error details here; a raw allocation because libcurl keeps the pointer.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Any object the owner wants back when the transfer completes (the virtual user).
    var owner: AnyObject?

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        guard let parsedURL = curl_url() else {
            curl_easy_cleanup(handle)
            return nil
        }
        self.handle = handle
        self.parsedURL = parsedURL
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_pointer(handle, CURLOPT_PRIVATE, me)
        ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
        ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // With no proxy in the environment, say so once: otherwise libcurl reads the proxy variables
        // and matches no_proxy on every request (measured: a few % of CPU at 20k req/s).
        if !Self.proxyConfigured { ccurl_easy_setopt_string(handle, CURLOPT_PROXY, "") }
        // Keep connections per handle; never share DNS or connection caches across users.
        ccurl_easy_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        // Sockets are closed through the poller, which keeps idle ones registered (see shim.c).
        ccurl_easy_use_poller(handle)
    }

    static let proxyConfigured: Bool = {
        let env = ProcessInfo.processInfo.environment
        return ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains { env[$0]?.isEmpty == false }
    }()

    /// The headers the current list was built from (rebuilt only when they change).
    private var lastHeaders: [(String, String)] = []
    private var lastURL = ""
    /// A struct, not an array: compared on every request, and an array cost an allocation each time.
    private struct Settings: Equatable {
        var connectTimeoutMs: Int
        var timeoutMs: Int
        var http2: Bool
        var insecure: Bool
        var connection: TargetConnection
    }
    private var lastSettings: Settings?
    private var lastMethod = ""

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        curl_easy_cleanup(handle)
        curl_url_cleanup(parsedURL)
        errorBuffer.deallocate()
    }

    /// Sets up the next request; the handle keeps its connection from the previous one.
    func prepare(method: String, url: String, headers: [(String, String)], body: [UInt8]?, connectTimeoutMs: Int,
                 timeoutMs: Int, http2: Bool, insecure: Bool, connection: TargetConnection = TargetConnection(), keepBody: Bool) {
        capture.reset(keepBody: keepBody)
        errorBuffer[0] = 0
        // Options persist on an easy handle between transfers, so only changed ones are set again
        // (each setopt copies or parses; a virtual user usually repeats the same request shape).
        if url != lastURL {
            ccurl_easy_setopt_string(handle, CURLOPT_URL, url)
            // The URL parsed once here and handed over as a CURLU: otherwise libcurl 7.88 parses
            // and normalises the string again for every transfer (curl_url_set was 4.9% of the
            // client's CPU at 25k req/s). The string is set too: libcurl reports it as the
            // effective URL. A URL the parser refuses is left to libcurl, which fails the transfer
            // with its usual error.
            let parsed = curl_url_set(parsedURL, CURLUPART_URL, url, UInt32(CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK
            ccurl_easy_setopt_pointer(handle, CURLOPT_CURLU, parsed ? UnsafeMutableRawPointer(parsedURL) : nil)
            lastURL = url
        }
        let settings = Settings(connectTimeoutMs: connectTimeoutMs, timeoutMs: timeoutMs, http2: http2, insecure: insecure,
                                connection: connection)
        if settings != lastSettings {
            ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs)
            ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
            // "2": ALPN on https, prior knowledge (h2c) on plain http.
            let version = !http2 ? CURL_HTTP_VERSION_1_1 : (url.hasPrefix("https") ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
            ccurl_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, version)
            // libcurl before 8.0 fails the second request on a reused h2c prior-knowledge connection
            // ("Error in the HTTP2 framing layer", curl/curl#10634, fixed by #10643). There, each h2c
            // request gets a fresh connection instead; Debian 12 ships 7.88.1.
            let h2cBroken = version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE && CurlVersion.number < 0x08_00_00
            ccurl_easy_setopt_long(handle, CURLOPT_FORBID_REUSE, h2cBroken ? 1 : 0)
            ccurl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, insecure ? 0 : 1)
            ccurl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, insecure ? 0 : 2)
            // nil strings put libcurl's defaults back (the system CA store, no client certificate).
            ccurl_easy_setopt_string(handle, CURLOPT_CAINFO, connection.caFile)
            ccurl_easy_setopt_string(handle, CURLOPT_SSLCERT, connection.certFile)
            ccurl_easy_setopt_string(handle, CURLOPT_SSLKEY, connection.keyFile)
            if let proxy = connection.proxy {
                ccurl_easy_setopt_string(handle, CURLOPT_PROXY, proxy)
            } else {
                ccurl_easy_setopt_string(handle, CURLOPT_PROXY, Self.proxyConfigured ? nil : "")
            }
            lastSettings = settings
        }
        if headerList == nil || !headers.elementsEqual(lastHeaders, by: { $0.0 == $1.0 && $0.1 == $1.1 }) {
            if let headerList { curl_slist_free_all(headerList) }
            headerList = nil
            for (name, value) in headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
            // Without this libcurl sends `Expect: 100-continue` for bodies over 1 KiB and waits for it.
            headerList = curl_slist_append(headerList, "Expect:")
            ccurl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
            lastHeaders = headers
        }
        if method == lastMethod && method == "GET" && body == nil { return }
        lastMethod = method
        switch method {
        case "GET":
            ccurl_easy_setopt_long(handle, CURLOPT_NOBODY, 0)
            ccurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
            ccurl_easy_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
        case "HEAD":
            ccurl_easy_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            ccurl_easy_setopt_long(handle, CURLOPT_NOBODY, 0)
            let bytes = body ?? []
            ccurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, so the Swift array may go away.
            bytes.withUnsafeBufferPointer { buffer in
                ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
            ccurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method == "POST" ? nil : method)
        }
    }

    /// Runs the prepared request to completion on this thread (used for the probe before a run).
    func performBlocking() -> CURLcode { curl_easy_perform(handle) }

    var status: Int { Int(longInfo(CURLINFO_RESPONSE_CODE)) }

    /// The response's Content-Type. A user's responses nearly always repeat the same one, so the
    /// last String is reused when the bytes are equal (no allocation per sample on the hot path).
    var contentType: String {
        var pointer: UnsafeMutablePointer<CChar>?
        guard ccurl_easy_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &pointer) == CURLE_OK, let pointer else { return "" }
        if strcmp(pointer, lastContentTypeC) == 0 { return lastContentType }
        lastContentType = String(cString: pointer)
        lastContentTypeC = Array(lastContentType.utf8CString)
        return lastContentType
    }
    private var lastContentType = ""
    private var lastContentTypeC: [CChar] = [0]

    /// Whether the response's Content-Type is `text/event-stream` (parameters and case aside);
    /// read on the C string, since it is asked once per response on the hot path.
    var isEventStream: Bool {
        var pointer: UnsafeMutablePointer<CChar>?
        guard ccurl_easy_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &pointer) == CURLE_OK, let pointer else { return false }
        return strncasecmp(pointer, "text/event-stream", 17) == 0 && (pointer[17] == 0 || pointer[17] == 59 || pointer[17] == 32)
    }

    var timings: CurlTimings {
        let connect = offInfo(CURLINFO_CONNECT_TIME_T), tls = offInfo(CURLINFO_APPCONNECT_TIME_T)
        return CurlTimings(connect: max(connect, tls), tls: tls > 0 ? tls - connect : 0,
                           firstByte: offInfo(CURLINFO_STARTTRANSFER_TIME_T), total: offInfo(CURLINFO_TOTAL_TIME_T))
    }

    /// Header plus body bytes received, and request bytes sent.
    var bytes: (received: Int64, sent: Int64) {
        (Int64(longInfo(CURLINFO_HEADER_SIZE)) + offInfo(CURLINFO_SIZE_DOWNLOAD_T),
         Int64(longInfo(CURLINFO_REQUEST_SIZE)) + offInfo(CURLINFO_SIZE_UPLOAD_T))
    }

    /// Whether this transfer opened a new connection (libcurl counts 0 for a reused one).
    var newConnections: Int { Int(longInfo(CURLINFO_NUM_CONNECTS)) }

    /// libcurl's detailed error text for the last transfer, or its generic one for `code`.
    func errorText(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    private func longInfo(_ info: CURLINFO) -> Int {
        var value = 0
        ccurl_easy_getinfo_long(handle, info, &value)
        return value
    }

    private func offInfo(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        ccurl_easy_getinfo_off_t(handle, info, &value)
        return Int64(value)
    }
}

/// Monotonic clock in µs (CLOCK_MONOTONIC): what the engine schedules and measures with.
@inline(__always) func monotonicMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
}

/// Body bytes: count them, stamp first byte and gaps, keep them only when asked.
private func curlWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user else { return length }
    let easy = Unmanaged<CurlEasy>.fromOpaque(user).takeUnretainedValue()
    let capture = easy.capture
    let now = monotonicMicros()
    if capture.firstBodyAt == 0 {
        capture.firstBodyAt = now
        // The headers are in: an event stream is decoded, anything else read as audio bytes.
        if capture.decodeSSE && capture.analyzer != nil && easy.isEventStream { capture.startSSE() }
    } else {
        capture.maxGap = max(capture.maxGap, now - capture.lastChunkAt)
    }
    capture.lastChunkAt = now
    capture.chunks += 1
    capture.bodyBytes += Int64(length)
    if let analyzer = capture.analyzer, let data {
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        if capture.sseActive, let sse = capture.sse {
            sse.feed(bytes, at: now, into: analyzer)
        } else {
            analyzer.feed(bytes, at: now)
        }
    }
    if capture.keepBody, let data {
        data.withMemoryRebound(to: UInt8.self, capacity: length) { capture.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    }
    return length
}

/// Header lines: only the status line is read (for the reason phrase); libcurl parses the rest.
private func curlHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user, let data, length > 5 else { return length }
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    guard bytes.starts(with: "HTTP/".utf8) else { return length }
    let capture = Unmanaged<CurlEasy>.fromOpaque(user).takeUnretainedValue().capture
    if capture.firstStatusAt == 0 { capture.firstStatusAt = monotonicMicros() }
    // "HTTP/1.1 200 OK\r\n": the phrase is after the second space, up to CR/LF. Parsed by hand:
    // this runs once per response, and Foundation's trimming cost 9% of CPU at 20k req/s.
    var spaces = 0, start = length, end = length
    for i in 0..<length {
        let b = bytes[i]
        if b == 13 || b == 10 { end = i; break }
        if b == 32 && spaces < 2 {
            spaces += 1
            if spaces == 2 { start = i + 1 }
        }
    }
    let phraseBytes = start < end ? UnsafeRawBufferPointer(rebasing: bytes[start..<end]) : UnsafeRawBufferPointer(start: nil, count: 0)
    // Same phrase as last time ("OK", nearly always): keep the String instead of making a new one.
    if !capture.reasonPhrase.utf8.elementsEqual(phraseBytes) {
        capture.reasonPhrase = String(decoding: phraseBytes, as: UTF8.self)
    }
    return length
}
