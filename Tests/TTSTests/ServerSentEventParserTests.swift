import Testing
@testable import TTS

/// The `text/event-stream` parser against the WHATWG HTML Standard's rules (§9.2.6) and its
/// examples, fed whole, byte by byte, and split at every position.
@Suite struct ServerSentEventParserTests {
    /// An event as plain values, for comparing.
    struct Seen: Equatable, CustomStringConvertible {
        var type: String
        var data: String
        var id: String
        var description: String { "(\(type.isEmpty ? "message" : type) \(data.debugDescription) id \(id.debugDescription))" }
    }

    /// Parses `pieces` in order; returns the events and whether `finish` discarded an unfinished one.
    static func parse(_ pieces: [[UInt8]], parser: inout ServerSentEventParser) -> ([Seen], unfinished: Bool) {
        var seen: [Seen] = []
        for piece in pieces {
            piece.withUnsafeBytes { bytes in
                parser.feed(bytes) { e in
                    seen.append(Seen(type: String(decoding: e.type, as: UTF8.self), data: String(decoding: e.data, as: UTF8.self),
                                     id: String(decoding: e.lastEventID, as: UTF8.self)))
                }
            }
        }
        return (seen, parser.finish())
    }

    static func parse(_ pieces: [[UInt8]]) -> ([Seen], unfinished: Bool) {
        var parser = ServerSentEventParser()
        return parse(pieces, parser: &parser)
    }

    static func parse(_ text: String) -> ([Seen], unfinished: Bool) { parse([Array(text.utf8)]) }

    // MARK: The standard's examples

    @Test func dataLinesAreJoinedWithLineFeeds() {
        let (events, unfinished) = Self.parse("data: YHOO\ndata: +2\ndata: 10\n\n")
        #expect(events == [Seen(type: "", data: "YHOO\n+2\n10", id: "")])
        #expect(!unfinished)
    }

    @Test func commentsIdsAndOneSpaceAfterTheColon() {
        let (events, _) = Self.parse(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n")
        #expect(events == [
            Seen(type: "", data: "first event", id: "1"),
            // `id` without a colon sets the last event ID to empty.
            Seen(type: "", data: "second event", id: ""),
            // Only one space is removed.
            Seen(type: "", data: " third event", id: ""),
        ])
    }

    @Test func fieldsWithoutColonAndTheUnfinishedLastEvent() {
        // "data" alone is a data field with an empty value; the last "data:" has no blank line after it.
        let (events, unfinished) = Self.parse("data\n\ndata\ndata\n\ndata:")
        #expect(events == [Seen(type: "", data: "", id: ""), Seen(type: "", data: "\n", id: "")])
        #expect(unfinished, "an event without its blank line is discarded at the end")
    }

    @Test func spaceAfterColonIsOptional() {
        let (events, _) = Self.parse("data:test\n\ndata: test\n\n")
        #expect(events == [Seen(type: "", data: "test", id: ""), Seen(type: "", data: "test", id: "")])
    }

    // MARK: Line endings

    @Test func crLfAndCrlfEndLinesAlike() {
        let lf = Self.parse("event: a\ndata: 1\ndata: 2\n\ndata: 3\n\n").0
        #expect(lf.count == 2)
        #expect(Self.parse("event: a\rdata: 1\rdata: 2\r\rdata: 3\r\r").0 == lf)
        #expect(Self.parse("event: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n").0 == lf)
        #expect(Self.parse("event: a\r\ndata: 1\rdata: 2\n\r\ndata: 3\r\r").0 == lf)
        // LF CR is two line endings (an empty line): the event goes out there.
        #expect(Self.parse("data: x\n\rdata: y\n\n").0 == [Seen(type: "", data: "x", id: ""), Seen(type: "", data: "y", id: "")])
        // CR CR LF: an end of line, then an empty line ending in CRLF.
        #expect(Self.parse("data: x\r\r\n").0 == [Seen(type: "", data: "x", id: "")])
    }

    // MARK: Fields

    @Test func eventTypeIsPerEventAndAnEventWithoutDataIsNotDispatched() {
        let (events, _) = Self.parse("event: speech.audio.delta\ndata: a\n\nevent: ignored\n\ndata: b\n\n")
        #expect(events == [Seen(type: "speech.audio.delta", data: "a", id: ""), Seen(type: "", data: "b", id: "")])
    }

    @Test func idPersistsAndIgnoresNul() {
        let (events, _) = Self.parse("id: 7\ndata: a\n\ndata: b\n\nid: x\u{0}y\ndata: c\n\nid\ndata: d\n\n")
        #expect(events.map(\.id) == ["7", "7", "7", ""])
    }

    @Test func retryTakesOnlyDigitsAndUnknownFieldsAreIgnored() {
        var parser = ServerSentEventParser()
        let (events, _) = Self.parse([Array("retry: 1500\nretry: 2x\nretry: -1\nfoo: bar\nDATA: upper\ndata: ok\n\n".utf8)], parser: &parser)
        #expect(parser.retry == 1500)
        #expect(events == [Seen(type: "", data: "ok", id: "")])
    }

    @Test func colonsInValuesAndEmptyValues() {
        let (events, _) = Self.parse("data: {\"a\": \"b:c\"}\ndata:\n\n")
        #expect(events == [Seen(type: "", data: "{\"a\": \"b:c\"}\n", id: "")])
    }

    // MARK: The byte order mark

    @Test func oneLeadingBOMIsIgnored() {
        #expect(Self.parse("\u{FEFF}data: a\n\n").0 == [Seen(type: "", data: "a", id: "")])
        // A second one is part of the first field's name, which is then unknown.
        #expect(Self.parse("\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n").0 == [Seen(type: "", data: "b", id: "")])
        // Only at the start of the stream.
        #expect(Self.parse("data: a\n\n\u{FEFF}data: b\n\n").0 == [Seen(type: "", data: "a", id: "")])
        // Split over three calls, and a false start (EF BB then not BF) that is kept as line bytes.
        #expect(Self.parse([[0xEF], [0xBB], [0xBF] + Array("data: a\n\n".utf8)]).0 == [Seen(type: "", data: "a", id: "")])
        #expect(Self.parse([[0xEF, 0xBB], Array("data: a\n\ndata: b\n\n".utf8)]).0 == [Seen(type: "", data: "b", id: "")])
        #expect(Self.parse([[0xEF], [0xBB]]).unfinished)
    }

    // MARK: Any split

    /// Everything at once: BOM, CRLF, CR, comments, fields without colon, multi-line data, ids.
    static let mixed: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
        ": keep-alive\r\nevent: speech.audio.delta\r\ndata: {\"type\":\"speech.audio.delta\",\r\ndata:\"audio\":\"AAAA\"}\r\n\r\n"
        + "data\rid: 42\rdata: second\r\r"
        + "data:  third: with colon\n:\nretry: 10\nunknown\n\n"
        + "data: {\"type\":\"speech.audio.done\"}\n\n").utf8)

    @Test func everySplitGivesTheSameEvents() {
        let expected = Self.parse([Self.mixed])
        #expect(expected.0.count == 4 && !expected.unfinished)
        #expect(expected.0[0] == Seen(type: "speech.audio.delta", data: "{\"type\":\"speech.audio.delta\",\n\"audio\":\"AAAA\"}", id: ""))
        #expect(expected.0[1] == Seen(type: "", data: "\nsecond", id: "42"))
        #expect(expected.0[2] == Seen(type: "", data: " third: with colon", id: "42"))
        let bytes = Self.mixed
        // One byte at a time.
        #expect(Self.parse(bytes.map { [$0] }) == expected)
        // Two pieces, cut at every position; three pieces, cut at every pair of positions.
        for i in 0...bytes.count {
            let two = Self.parse([Array(bytes[..<i]), Array(bytes[i...])])
            #expect(two == expected, "cut at \(i)")
            for j in i...bytes.count where j % 3 == 0 || j == i {
                let three = Self.parse([Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])])
                #expect(three == expected, "cut at \(i) and \(j)")
            }
        }
    }

    @Test func aCutStreamIsUnfinishedUnlessItStopsBetweenEvents() {
        let bytes = Self.mixed
        func find(_ marker: String, from: Int) -> Int {
            let m = Array(marker.utf8)
            return (from...(bytes.count - m.count)).first { bytes[$0..<($0 + m.count)].elementsEqual(m) }! + m.count
        }
        // Where each event's blank line ends, and the comment before the first event.
        let afterComment = find(": keep-alive\r\n", from: 0)
        let first = find("\r\n\r\n", from: 0), second = find("\r\r", from: first)
        let third = find("\n\n", from: second), fourth = find("\n\n", from: third)
        #expect(fourth == bytes.count)
        for clean in [0, 3, afterComment, first, second, third, fourth] {
            #expect(!Self.parse([Array(bytes[..<clean])]).unfinished, "cut at \(clean)")
        }
        for (from, to) in [(afterComment, first), (first, second), (second, third), (third, fourth)] {
            // The last byte before `to` is skipped: after the CR of a final CRLF the event is already out.
            for cut in (from + 1)..<(to - 1) {
                // Inside an event: a partial line or fields without their blank line.
                #expect(Self.parse([Array(bytes[..<cut])]).unfinished, "cut at \(cut)")
            }
        }
        #expect(Self.parse([Array(bytes[..<1])]).unfinished, "part of the BOM")
    }

    // MARK: Bounds and reuse

    @Test func anEndlessLineOverflowsInsteadOfGrowing() {
        var parser = ServerSentEventParser(maxEventBytes: 1_000)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
        var events = 0
        for _ in 0..<10 {
            chunk.withUnsafeBytes { parser.feed($0) { _ in events += 1 } }
        }
        #expect(parser.overflowed && events == 0)
        // Many small data lines add up too.
        var lines = ServerSentEventParser(maxEventBytes: 1_000)
        let line = Array("data: 0123456789\n".utf8)
        for _ in 0..<100 { line.withUnsafeBytes { lines.feed($0) { _ in events += 1 } } }
        #expect(lines.overflowed && events == 0)
    }

    @Test func resetStartsANewStream() {
        var parser = ServerSentEventParser()
        _ = Self.parse([Array("id: 9\ndata: a\n\ndata: half".utf8)], parser: &parser)
        parser.reset()
        let (events, unfinished) = Self.parse([[0xEF, 0xBB, 0xBF] + Array("data: b\n\n".utf8)], parser: &parser)
        #expect(events == [Seen(type: "", data: "b", id: "")])
        #expect(!unfinished)
    }
}
