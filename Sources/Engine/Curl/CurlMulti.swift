import CCurl
import Foundation

/// A libcurl multi handle driven by epoll through `curl_multi_socket_action`: one thread, many
/// transfers, and work proportional to the sockets that are ready, not to all of them (what
/// `curl_multi_poll` costs with thousands of virtual users).
final class CurlMulti {
    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    private let wakeFD: Int32
    /// Sockets libcurl asked us to watch, with the interest last given to epoll.
    fileprivate var watched: [Int32: Int32] = [:]
    /// Monotonic µs when libcurl wants `socket_action(TIMEOUT)`; nil for no timer.
    fileprivate var timerDeadline: Int64?
    private var readyFDs = [Int32](repeating: 0, count: 256)
    private var readyFlags = [Int32](repeating: 0, count: 256)

    init() {
        Curl.globalInit()
        multi = curl_multi_init()
        epoll = ccurl_epoll_create()
        wakeFD = ccurl_wakeup_create(epoll)
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
        close(epoll)
        close(wakeFD)
    }

    /// The epoll descriptor of this multi's sockets: readable when one of them is ready, so a
    /// `CurlMultiSet` can wait on many multis at once.
    var pollDescriptor: Int32 { epoll }

    /// µs until libcurl's timer is due (0 if it is), nil without a timer.
    func timerRemaining(now: Int64) -> Int64? { timerDeadline.map { max(0, $0 - now) } }

    func add(_ easy: CurlEasy) { curl_multi_add_handle(multi, easy.handle) }
    func remove(_ easy: CurlEasy) { curl_multi_remove_handle(multi, easy.handle) }

    /// Waits at most `milliseconds` for ready sockets or libcurl's timer, and lets libcurl act on them.
    func wait(milliseconds: Int) {
        var timeout = milliseconds
        if let deadline = timerDeadline {
            let left = deadline - monotonicMicros()
            timeout = left <= 0 ? 0 : min(timeout, Int((left + 999) / 1_000))
        }
        let count = readyFDs.withUnsafeMutableBufferPointer { fds in
            readyFlags.withUnsafeMutableBufferPointer { flags in
                Int(ccurl_epoll_wait(epoll, fds.baseAddress, flags.baseAddress, 256, Int32(clamping: timeout)))
            }
        }
        var running: Int32 = 0
        for i in 0..<count {
            let fd = readyFDs[i]
            if fd == wakeFD {
                ccurl_wakeup_drain(wakeFD)
                continue
            }
            curl_multi_socket_action(multi, fd, readyFlags[i], &running)
        }
        if let deadline = timerDeadline, monotonicMicros() >= deadline {
            timerDeadline = nil
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        }
    }

    /// Wakes a `wait` in progress from another thread.
    func wakeup() { ccurl_wakeup_signal(wakeFD) }

    /// Transfers that finished since the last call, with libcurl's result code.
    func completed() -> [(CurlEasy, CURLcode)] {
        var done: [(CurlEasy, CURLcode)] = []
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            var pointer: UnsafeMutableRawPointer?
            ccurl_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &pointer)
            guard let pointer else { continue }
            done.append((Unmanaged<CurlEasy>.fromOpaque(pointer).takeUnretainedValue(), message.pointee.data.result))
        }
        return done
    }

    fileprivate func watch(_ fd: Int32, what: Int32) {
        if what == CURL_POLL_REMOVE {
            if watched.removeValue(forKey: fd) != nil { ccurl_epoll_forget(epoll, fd) }
        } else {
            let current = watched[fd]
            guard current != what else { return }  // no system call when nothing changes
            if ccurl_epoll_watch(epoll, fd, what, current == nil ? 0 : 1) == 0 { watched[fd] = what }
        }
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
