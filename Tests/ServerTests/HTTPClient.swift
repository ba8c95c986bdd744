import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 response with the arrival times a streaming test needs.
struct HTTPResponse: Sendable {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String]
    var body: [UInt8]
    /// Seconds from sending the request to the first body byte, and to the end of the response.
    var firstBodyByte: Double?
    var completed: Double
    /// False when the connection ended before the response was complete.
    var complete: Bool

    var text: String { String(decoding: body, as: UTF8.self) }

    /// `error.field` of a JSON error body.
    var errorField: String? {
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["field"] as? String
    }

    var errorCode: String? {
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }
}

/// A minimal HTTP/1.1 client over a blocking loopback socket (one request per connection).
///
/// Real HTTP on a real socket, small enough to see exactly when each byte arrives (time to
/// first audio) and to hang up mid-request; it runs on its own thread so blocking reads never
/// occupy the Swift concurrency pool, and every read has a timeout.
enum HTTPClient {
    /// `onFirstBody`, when given, is called once, on the client's thread, as soon as the first
    /// body byte has arrived (the moment a test may act on a response that has begun).
    static func request(
        port: Int, method: String, path: String, body: [UInt8], headers: [String: String] = [:],
        timeout: Duration, onFirstBody: (@Sendable () -> Void)? = nil
    ) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try blockingRequest(
                        port: port, method: method, path: path, body: body, headers: headers, timeout: timeout,
                        onFirstBody: onFirstBody)
                })
            }.start()
        }
    }

    /// Opens a connection, sends `raw` bytes, and closes at once (a client that gives up).
    static func sendAndHangUp(port: Int, raw: [UInt8]) throws {
        let fd = try connect(port: port, timeout: .seconds(5))
        defer { close(fd) }
        try sendAll(fd, raw)
    }

    /// Whether a TCP connection to the port is accepted right now.
    static func canConnect(port: Int) -> Bool {
        guard let fd = try? connect(port: port, timeout: .seconds(1)) else { return false }
        close(fd)
        return true
    }

    private static func connect(port: Int, timeout: Duration) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
            sent += n
        }
    }

    private static func blockingRequest(
        port: Int, method: String, path: String, body: [UInt8], headers: [String: String], timeout: Duration,
        onFirstBody: (@Sendable () -> Void)?
    ) throws -> HTTPResponse {
        let clock = ContinuousClock()
        let start = clock.now
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if method == "POST" {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try sendAll(fd, Array(head.utf8) + body)

        // Read to end of file, noting when each read arrived.
        var raw: [UInt8] = []
        var arrivals: [(end: Int, at: Double)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pendingFirstBody = onFirstBody
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                raw.append(contentsOf: buffer[0..<n])
                arrivals.append((raw.count, (clock.now - start).seconds))
                if let call = pendingFirstBody, let headEnd = raw.firstRange(of: separator)?.upperBound, raw.count > headEnd {
                    pendingFirstBody = nil
                    call()
                }
            } else if n == 0 {
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                throw TestFailure("no response within \(timeout) for \(method) \(path)")
            } else {
                break  // reset by peer: treat like end of file, `complete` tells
            }
        }
        let end = (clock.now - start).seconds
        return try parse(raw, arrivals: arrivals, completed: end)
    }

    private static func parse(_ raw: [UInt8], arrivals: [(end: Int, at: Double)], completed: Double) throws -> HTTPResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = raw.firstRange(of: separator)?.upperBound else {
            throw TestFailure("no complete HTTP header received (\(raw.count) bytes)")
        }
        let headText = String(decoding: raw[0..<headEnd], as: UTF8.self)
        let lines = headText.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where line.contains(":") {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        func arrival(ofOffset offset: Int) -> Double? {
            arrivals.first { $0.end > offset }?.at
        }
        var body: [UInt8] = []
        var firstDataOffset: Int?
        var complete = true
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var i = headEnd
            complete = false
            while let lineEnd = raw[i...].firstRange(of: Array("\r\n".utf8)) {
                let sizeText = String(decoding: raw[i..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { break }
                let dataStart = lineEnd.upperBound
                if size == 0 { complete = true; break }
                guard dataStart + size <= raw.count else { break }
                if firstDataOffset == nil { firstDataOffset = dataStart }
                body.append(contentsOf: raw[dataStart..<dataStart + size])
                i = dataStart + size + 2
                if i > raw.count { break }
            }
        } else {
            body = Array(raw[headEnd...])
            if !body.isEmpty { firstDataOffset = headEnd }
            if let length = headers["content-length"].flatMap(Int.init) { complete = body.count == length }
        }
        return HTTPResponse(
            status: status, headers: headers, body: body,
            firstBodyByte: firstDataOffset.flatMap(arrival(ofOffset:)), completed: completed, complete: complete)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
