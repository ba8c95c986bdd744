import CCurl
import Foundation

/// Several multi handles waited on together (their epoll descriptors inside one outer epoll).
///
/// Why: libcurl keeps one connection cache per multi handle and looks for a reusable connection by
/// walking every connection to the same host, so with thousands of users on one multi each request
/// costs O(users) (measured: CPU per request tripled from 2,000 to 10,000 users). Sharding users
/// over multis of at most `shardSize` handles keeps that walk short.
final class CurlMultiSet {
    static let shardSize = 256

    private(set) var multis: [CurlMulti] = []
    private let outer: Int32
    private let wakeFD: Int32
    private var byDescriptor: [Int32: CurlMulti] = [:]
    private var readyFDs = [Int32](repeating: 0, count: 256)
    private var readyFlags = [Int32](repeating: 0, count: 256)

    init() {
        outer = ccurl_epoll_create()
        wakeFD = ccurl_wakeup_create(outer)
    }

    deinit {
        close(outer)
        close(wakeFD)
    }

    /// The multi for the user at `position` in the loop (created on first use).
    func multi(forUser position: Int) -> CurlMulti {
        let shard = position / Self.shardSize
        while multis.count <= shard {
            let multi = CurlMulti()
            ccurl_epoll_watch(outer, multi.pollDescriptor, Int32(CURL_POLL_IN), 0)
            byDescriptor[multi.pollDescriptor] = multi
            multis.append(multi)
        }
        return multis[shard]
    }

    /// Waits at most `milliseconds` for any shard's sockets or timers and lets libcurl act on them.
    func wait(milliseconds: Int) {
        let now = monotonicMicros()
        var timeout = milliseconds
        for multi in multis {
            if let left = multi.timerRemaining(now: now) { timeout = min(timeout, Int((left + 999) / 1_000)) }
        }
        let count = readyFDs.withUnsafeMutableBufferPointer { fds in
            readyFlags.withUnsafeMutableBufferPointer { flags in
                Int(ccurl_epoll_wait(outer, fds.baseAddress, flags.baseAddress, 256, Int32(clamping: timeout)))
            }
        }
        var served = Set<Int32>()
        for i in 0..<count {
            let fd = readyFDs[i]
            if fd == wakeFD {
                ccurl_wakeup_drain(wakeFD)
            } else if let multi = byDescriptor[fd] {
                multi.wait(milliseconds: 0)
                served.insert(fd)
            }
        }
        let after = monotonicMicros()
        for multi in multis where !served.contains(multi.pollDescriptor) {
            if let left = multi.timerRemaining(now: after), left == 0 { multi.wait(milliseconds: 0) }
        }
    }

    /// Wakes a `wait` in progress from another thread.
    func wakeup() { ccurl_wakeup_signal(wakeFD) }

    func completed() -> [(CurlEasy, CURLcode)] { multis.flatMap { $0.completed() } }
}
