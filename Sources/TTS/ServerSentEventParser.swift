/// One event of a `text/event-stream` body, as dispatched by `ServerSentEventParser`.
///
/// The buffers belong to the parser and are valid only inside the callback that receives the
/// event: copy what must outlive it.
public struct ServerSentEvent {
    /// The `event:` field's value; empty means the default type, `message`.
    public let type: UnsafeRawBufferPointer
    /// The `data:` lines of the event joined with LF (the last LF removed).
    public let data: UnsafeRawBufferPointer
    /// The last event ID as of this event (`id:` fields persist across events, as the standard says).
    public let lastEventID: UnsafeRawBufferPointer
}

/// An incremental, strict parser of the `text/event-stream` format, fed with body bytes as they
/// arrive (any split: a line, a CRLF pair or the BOM may straddle two calls).
///
/// It follows the WHATWG HTML Standard, "Server-sent events", §9.2.6 "Interpreting an event
/// stream" (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
/// - lines end with CRLF, a lone LF or a lone CR; one leading U+FEFF BOM of the stream is ignored;
/// - an empty line dispatches the event; a line starting with `:` is a comment;
/// - `field:value` (one space after the colon removed), or a whole line without a colon is a field
///   with an empty value; `data` appends the value and an LF to the data buffer, `event` sets the
///   type, `id` sets the last event ID unless the value holds a NUL, `retry` (ASCII digits only)
///   sets the reconnection time; other fields are ignored;
/// - dispatch: an empty data buffer dispatches nothing (and clears the type); otherwise the final
///   LF is removed and the event goes out; the last event ID is kept for the following events;
/// - at the end of the stream an unfinished event (no blank line after it) is discarded, never
///   dispatched (`finish` says whether there was one).
///
/// Why not mattt/EventSource (1.1.1, on this machine): its `Parser` is an actor, so every byte is
/// an `await`, which a libcurl write callback (a synchronous C callback on the engine's thread)
/// cannot do; and it departs from the standard where it matters to a load test: it dispatches the
/// unfinished event at the end of the stream (a cut stream would look whole), strips a BOM from
/// every line rather than once, and dispatches events that have only an `event:` field.
///
/// Bytes are handled as bytes (field names are ASCII); no Foundation, no allocation per call
/// once the buffers have grown to the largest event. Not thread-safe: one body, one thread.
public struct ServerSentEventParser {
    /// Largest event (its data plus the line being read) accepted before the stream is refused:
    /// a server that never ends a line must not make the client grow without bound.
    public static let defaultMaxEventBytes = 16 << 20

    private static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, colon: UInt8 = 0x3A, space: UInt8 = 0x20
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public let maxEventBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var type: [UInt8] = []
    private var lastEventIDBuffer: [UInt8] = []
    private var lastEventID: [UInt8] = []
    /// The last CR ended a line: an LF right after it belongs to the same line ending.
    private var afterCR = false
    /// Bytes of a possible leading BOM matched so far; nil once the start of the stream is past.
    private var bomMatched: Int? = 0
    /// `retry:` as last set (ms); nil if the stream never set it.
    public private(set) var retry: Int?
    /// The stream broke `maxEventBytes`; nothing more is parsed.
    public private(set) var overflowed = false
    /// Events dispatched so far.
    public private(set) var dispatched = 0

    public init(maxEventBytes: Int = ServerSentEventParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Back to the start of a new stream, keeping the buffers' capacity.
    public mutating func reset() {
        line.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        type.removeAll(keepingCapacity: true)
        lastEventIDBuffer.removeAll(keepingCapacity: true)
        lastEventID.removeAll(keepingCapacity: true)
        afterCR = false
        bomMatched = 0
        retry = nil
        overflowed = false
        dispatched = 0
    }

    /// Parses the next bytes of the stream, calling `dispatch` for each event they complete.
    /// After an overflow it returns at once: the caller treats the stream as broken.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ dispatch: (ServerSentEvent) -> Void) {
        var start = 0
        if let matched = bomMatched {
            // The BOM may arrive split; until it is matched or ruled out its bytes are held back.
            var m = matched, i = 0
            while m < 3 && i < bytes.count && bytes[i] == Self.bom[m] {
                m += 1
                i += 1
            }
            if m == 3 {
                bomMatched = nil
                start = i
            } else if i == bytes.count {
                bomMatched = m
                return
            } else {
                // Not a BOM: the bytes held back (none of them CR or LF) start the first line.
                bomMatched = nil
                line.append(contentsOf: Self.bom[0..<matched])
                start = 0
                // Bytes of this call that matched are still in `bytes`, so only earlier calls' are added.
            }
        }
        scan(bytes, from: start, dispatch)
    }

    private mutating func scan(_ p: UnsafeRawBufferPointer, from start: Int, _ dispatch: (ServerSentEvent) -> Void) {
        var i = start
        let n = p.count
        while i < n && !overflowed {
            if afterCR {
                afterCR = false
                if p[i] == Self.lf {
                    i += 1
                    continue
                }
            }
            var j = i
            while j < n, p[j] != Self.lf, p[j] != Self.cr { j += 1 }
            if j > i {
                guard line.count + data.count + (j - i) <= maxEventBytes else {
                    overflowed = true
                    return
                }
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i..<j]))
            }
            if j == n { return }
            afterCR = p[j] == Self.cr
            endLine(dispatch)
            i = j + 1
        }
    }

    /// The line in `line` is complete.
    private mutating func endLine(_ dispatch: (ServerSentEvent) -> Void) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatchEvent(dispatch)
            return
        }
        if line[0] == Self.colon { return }  // a comment
        // Plain loops here and below: the generic firstIndex/contains allocate in unoptimized builds
        // (the test suite's, whose AllocationTests must see none).
        let colonAt = line.withUnsafeBytes { all -> Int? in
            var i = 0
            while i < all.count, all[i] != Self.colon { i += 1 }
            return i < all.count ? i : nil
        }
        let nameEnd = colonAt ?? line.count
        var valueStart = colonAt.map { $0 + 1 } ?? line.count
        if valueStart < line.count && line[valueStart] == Self.space { valueStart += 1 }
        // The name is classified in a closure that only reads; the buffers are changed outside it
        // (a closure that changes `self` allocated per line in unoptimized builds).
        let field = line.withUnsafeBytes { all -> Field in
            let name = UnsafeRawBufferPointer(rebasing: all[0..<nameEnd])
            if name.elementsEqual("data".utf8) { return .data }
            if name.elementsEqual("event".utf8) { return .event }
            if name.elementsEqual("id".utf8) {
                var i = valueStart
                while i < all.count, all[i] != 0 { i += 1 }
                return i < all.count ? .ignored : .id
            }
            if name.elementsEqual("retry".utf8) { return .retry }
            return .ignored
        }
        let value = line[valueStart...]
        switch field {
        case .data:
            data.append(contentsOf: value)
            data.append(Self.lf)
        case .event:
            type.removeAll(keepingCapacity: true)
            type.append(contentsOf: value)
        case .id:
            lastEventIDBuffer.removeAll(keepingCapacity: true)
            lastEventIDBuffer.append(contentsOf: value)
        case .retry:
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                // Digits beyond any sane delay saturate rather than overflow.
                var ms = 0
                for digit in value { ms = ms > (Int.max - 9) / 10 ? Int.max : ms * 10 + Int(digit - 0x30) }
                retry = ms
            }
        case .ignored:
            break
        }
        if data.count > maxEventBytes { overflowed = true }
    }

    private enum Field { case data, event, id, retry, ignored }

    private mutating func dispatchEvent(_ dispatch: (ServerSentEvent) -> Void) {
        lastEventID.removeAll(keepingCapacity: true)
        lastEventID.append(contentsOf: lastEventIDBuffer)
        guard !data.isEmpty else {
            type.removeAll(keepingCapacity: true)
            return
        }
        data.removeLast()  // the LF after the last data line
        dispatched += 1
        data.withUnsafeBytes { d in
            type.withUnsafeBytes { t in
                lastEventID.withUnsafeBytes { id in dispatch(ServerSentEvent(type: t, data: d, lastEventID: id)) }
            }
        }
        data.removeAll(keepingCapacity: true)
        type.removeAll(keepingCapacity: true)
    }

    /// The end of the stream. True when an unfinished event (fields or a line not yet followed by
    /// a blank line) was discarded, as the standard requires.
    public mutating func finish() -> Bool {
        let unfinished = !line.isEmpty || !data.isEmpty || !type.isEmpty || (bomMatched ?? 0) > 0
        line.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        type.removeAll(keepingCapacity: true)
        return unfinished
    }
}
