import CCurl
import Foundation

/// A libcurl multi handle driven through `curl_multi_socket_action`: one thread, many transfers,
/// and work proportional to the sockets that are ready, not to all of them (what `curl_multi_poll`
/// costs with thousands of virtual users).
///
/// Its sockets live in the epoll set of the `CurlMultiSet` that made it, tagged with `shard`, so
/// one `epoll_wait` serves every multi of an engine thread.
final class CurlMulti {
    private let multi: UnsafeMutableRawPointer
    private let poller: Poller
    /// This multi's index in its set: the tag its sockets carry in the shared epoll set.
    let shard: UInt32
    /// Monotonic µs when libcurl wants `socket_action(TIMEOUT)`; nil for no timer.
    fileprivate var timerDeadline: Int64?

    init(poller: Poller, shard: UInt32) {
        Curl.globalInit()
        self.poller = poller
        self.shard = shard
        multi = curl_multi_init()
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
        ccurl_multi_setopt_socket_callback(multi, multiSocketCallback)
        ccurl_multi_setopt_timer_callback(multi, multiTimerCallback)
        // Each virtual user is its own client with its own connection: no HTTP/2 multiplexing of
        // several users over one connection (a real browser or app does not share with strangers).
        ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, 0)
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// µs until libcurl's timer is due (0 if it is), nil without a timer.
    func timerRemaining(now: Int64) -> Int64? { timerDeadline.map { max(0, $0 - now) } }

    func add(_ easy: CurlEasy) { curl_multi_add_handle(multi, easy.handle) }
    func remove(_ easy: CurlEasy) { curl_multi_remove_handle(multi, easy.handle) }

    /// Lets libcurl act on a socket the set found ready (`flags`: CURL_CSELECT_* bits).
    func socketReady(_ fd: Int32, flags: Int32) {
        var running: Int32 = 0
        curl_multi_socket_action(multi, fd, flags, &running)
    }

    /// Runs libcurl's timer if it is due at `now`.
    func runTimerIfDue(now: Int64) {
        guard let deadline = timerDeadline, now >= deadline else { return }
        timerDeadline = nil
        var running: Int32 = 0
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
    }

    /// Transfers that finished since the last call, with libcurl's result code, appended to `done`.
    func completed(into done: inout [(CurlEasy, CURLcode)]) {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            var pointer: UnsafeMutableRawPointer?
            ccurl_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &pointer)
            guard let pointer else { continue }
            done.append((Unmanaged<CurlEasy>.fromOpaque(pointer).takeUnretainedValue(), message.pointee.data.result))
        }
    }

    fileprivate func watch(_ fd: Int32, what: Int32) {
        // The poller skips the system call when the interest is what is already registered.
        ccurl_poller_watch(poller.epoll, fd, what, shard)
    }
}

/// libcurl tells which sockets to watch for what.
private func multiSocketCallback(_ easy: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ what: Int32,
                                 _ user: UnsafeMutableRawPointer?, _ socketp: UnsafeMutableRawPointer?) -> Int32 {
    guard let user else { return 0 }
    Unmanaged<CurlMulti>.fromOpaque(user).takeUnretainedValue().watch(fd, what: what)
    return 0
}

/// libcurl asks to be called back after `timeout` ms (-1: cancel the timer).
private func multiTimerCallback(_ multi: UnsafeMutableRawPointer?, _ timeout: Int, _ user: UnsafeMutableRawPointer?) -> Int32 {
    guard let user else { return 0 }
    let me = Unmanaged<CurlMulti>.fromOpaque(user).takeUnretainedValue()
    me.timerDeadline = timeout < 0 ? nil : monotonicMicros() + Int64(timeout) * 1_000
    return 0
}

/// Process-wide libcurl set-up.
enum Curl {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        return true
    }()

    /// Calls curl_global_init once, before any handle exists (it is not thread-safe itself).
    static func globalInit() { _ = initialized }
}
