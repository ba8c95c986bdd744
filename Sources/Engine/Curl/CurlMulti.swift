import CCurl

/// A libcurl multi handle: drives many easy handles' transfers on one thread.
final class CurlMulti {
    private let multi: UnsafeMutableRawPointer

    init() {
        Curl.globalInit()
        multi = curl_multi_init()
        // One connection per easy handle and no pipelining: each virtual user is its own client.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 0)
    }

    deinit { curl_multi_cleanup(multi) }

    func add(_ easy: CurlEasy) { curl_multi_add_handle(multi, easy.handle) }
    func remove(_ easy: CurlEasy) { curl_multi_remove_handle(multi, easy.handle) }

    /// Advances every transfer as far as it can go without blocking; returns how many still run.
    @discardableResult
    func perform() -> Int {
        var running: Int32 = 0
        curl_multi_perform(multi, &running)
        return Int(running)
    }

    /// Waits for socket activity, at most `milliseconds` (0 returns at once).
    func poll(milliseconds: Int) {
        var ready: Int32 = 0
        curl_multi_poll(multi, nil, 0, Int32(clamping: milliseconds), &ready)
    }

    /// Wakes a `poll` in progress from another thread.
    func wakeup() { curl_multi_wakeup(multi) }

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
