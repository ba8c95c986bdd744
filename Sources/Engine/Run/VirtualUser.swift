/// One virtual user (closed model) or one in-flight slot (open model) of an engine loop.
final class VirtualUser {
    enum State { case idle, waiting, inFlight, retired }

    let group: Int
    /// 1-based number inside its group, unique across engine threads.
    let number: Int
    let easy: CurlEasy
    /// The multi handle (shard) this user's transfers run on.
    let multi: CurlMulti
    var state = State.idle
    /// Leave once the request in flight ends.
    var retiring = false
    var iteration = 0
    /// Monotonic µs when the request was handed to libcurl, and when it was meant to start (open model).
    var sentAt: Int64 = 0
    var intendedAt: Int64 = 0
    /// The rendered label of the request in flight.
    var label = ""
    var url = ""
    /// The input text of the request in flight (TTS presets).
    var text: String?
    /// The WebSocket session in flight (`WebSocketSessions` token), 0 for none.
    var session = 0
    /// Heap slot bookkeeping: when the user is due to send its next request.
    var dueAt: Int64 = 0

    init(group: Int, number: Int, easy: CurlEasy, multi: CurlMulti) {
        self.group = group
        self.number = number
        self.easy = easy
        self.multi = multi
    }
}
