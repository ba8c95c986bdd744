import CCurl
import Foundation

/// Several multi handles waited on together (all their sockets in one epoll set, see `Poller`).
///
/// Why: libcurl keeps one connection cache per multi handle and looks for a reusable connection by
/// walking every connection to the same host, so with thousands of users on one multi each request
/// costs O(users) (measured: CPU per request tripled from 2,000 to 10,000 users). Sharding users
/// over multis of at most `shardSize` handles keeps that walk short.
final class CurlMultiSet {
    static let shardSize = 256

    private(set) var multis: [CurlMulti] = []
    /// One epoll set for the sockets of every multi (tagged with the multi's shard): one
    /// `epoll_wait` per wake-up instead of one for an outer set plus one per ready multi.
    private let poller = Poller()
    private var readyShards = [UInt32](repeating: 0, count: 256)
    private var readyFDs = [Int32](repeating: 0, count: 256)
    private var readyFlags = [Int32](repeating: 0, count: 256)

    init() {}

    /// The multi for the user at `position` in the loop (created on first use).
    func multi(forUser position: Int) -> CurlMulti {
        let shard = position / Self.shardSize
        while multis.count <= shard {
            multis.append(CurlMulti(poller: poller, shard: UInt32(multis.count)))
        }
        return multis[shard]
    }

    /// Waits at most `milliseconds` for any shard's sockets or timers and lets libcurl act on them.
    func wait(milliseconds: Int) {
        // Timers first: transfers added since the last wait (libcurl asks for an immediate timeout
        // on every add) start now, and the wait below sleeps until their answers. Waiting first
        // cost a zero-timeout epoll_wait per loop turn (0.45 -> 0.2 epoll_wait per request).
        let before = monotonicMicros()
        for multi in multis { multi.runTimerIfDue(now: before) }
        let now = monotonicMicros()
        var timeout = milliseconds
        for multi in multis {
            if let left = multi.timerRemaining(now: now) { timeout = min(timeout, Int((left + 999) / 1_000)) }
        }
        let count = readyShards.withUnsafeMutableBufferPointer { shards in
            readyFDs.withUnsafeMutableBufferPointer { fds in
                readyFlags.withUnsafeMutableBufferPointer { flags in
                    Int(ccurl_poller_wait(poller.epoll, shards.baseAddress, fds.baseAddress, flags.baseAddress, 256, Int32(clamping: timeout)))
                }
            }
        }
        for i in 0..<count {
            let shard = readyShards[i]
            if shard == CCURL_POLLER_WAKE {
                ccurl_wakeup_drain(readyFDs[i])
            } else if Int(shard) < multis.count {
                multis[Int(shard)].socketReady(readyFDs[i], flags: readyFlags[i])
            }
        }
        let after = monotonicMicros()
        for multi in multis { multi.runTimerIfDue(now: after) }
    }

    /// Wakes a `wait` in progress from another thread.
    func wakeup() { ccurl_wakeup_signal(poller.wakeFD) }

    func completed() -> [(CurlEasy, CURLcode)] {
        var done: [(CurlEasy, CURLcode)] = []
        for multi in multis { multi.completed(into: &done) }
        return done
    }
}

/// The epoll set and wake-up descriptor of one engine thread, closed when the last multi using
/// it is gone (libcurl still reports sockets while a multi is cleaned up).
final class Poller {
    let epoll: Int32
    let wakeFD: Int32

    init() {
        epoll = ccurl_epoll_create()
        wakeFD = ccurl_poller_wakeup_create(epoll)
    }

    deinit {
        close(wakeFD)
        close(epoll)
    }
}
