import Foundation
import Testing
@testable import Results

/// The byte-buffer record parser against the string-per-field parser it replaced
/// (`ReferenceRecordParser`), on random CSV-ish inputs read in chunks of every small size.
@Suite struct JTLRecordParserTests {
    struct Parsed: Equatable, CustomStringConvertible {
        var records: [[String]] = []
        var lines: [Int] = []
        var terminated: [Bool] = []
        var error: String?
        var description: String { "\(records) lines \(lines) terminated \(terminated) error \(error ?? "-")" }
    }

    static func reference(_ bytes: [UInt8]) -> Parsed {
        var parser = ReferenceRecordParser(bytes: bytes)
        var out = Parsed()
        do {
            while let record = try parser.next() {
                out.records.append(record.fields)
                out.lines.append(record.line)
                out.terminated.append(record.terminated)
            }
        } catch {
            out.error = "\(error)"
        }
        return out
    }

    static func parsed(_ parser: inout JTLRecordParser) -> Parsed {
        var out = Parsed()
        do {
            while try parser.advance() {
                out.records.append(parser.texts())
                out.lines.append(parser.recordLine)
                out.terminated.append(parser.terminated)
            }
        } catch {
            out.error = "\(error)"
        }
        return out
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parser-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func check(_ bytes: [UInt8], chunks: [Int]) throws {
        let expected = reference(bytes)
        var whole = JTLRecordParser(bytes: bytes)
        #expect(parsed(&whole) == expected, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for chunk in chunks {
            let handle = try #require(FileHandle(forReadingAtPath: path))
            defer { try? handle.close() }
            var parser = JTLRecordParser(file: handle, chunkSize: chunk)
            #expect(parsed(&parser) == expected, "chunk \(chunk): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    @Test func knownCasesAgreeWithTheReference() throws {
        let cases = [
            "", "\n", "\n\n", "a", "a,b\n", "a,b", "a,b\r\nc,d\r\n", "a\rb\r", "1,\"2\",-3\n", "\"a,b\",\"c\"\"d\"\n",
            "\"a\nb\",c\n\"x\r\ny\"\n", "a,\"\"\n", "\"\"\n", "\"\"\"\"\n", "a,b\"c\n", "\"a\"x,y\n", "\"a\" \"b\"\n",
            "\"unterminated", "a,b\n\n\nc,d", "\"a\"\"\"", ",,\n,\n", "é,ü\n", "\"1700000000000\",\"-42\"\n",
            "timeStamp,elapsed\n1,2\n3,", "a\n\r\nb\n", "\"a\"\"", "x\n\"",
        ]
        for text in cases { try Self.check(Array(text.utf8), chunks: [1, 2, 3, 7, 4_096]) }
    }

    @Test func randomInputsAgreeWithTheReference() throws {
        let alphabet: [[UInt8]] = ["a", "7", "-", ".", ",", ",", "\"", "\"\"", "\n", "\r", "\r\n", " ", "é"].map { Array($0.utf8) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) { bytes += alphabet.randomElement(using: &rng)! }
            try Self.check(bytes, chunks: [1, 2, 5])
        }
    }
}

/// Rows -> samples through the byte path: numbers quoted, negative, split across chunks; errors
/// that name the line and the column with the field's text.
@Suite struct JTLRowNumberTests {
    static let header = JTLFormat.header() + ",audio_seconds,ttfa_ms,max_gap_ms,underrun_ms,rtf,chars\n"

    static func samples(_ text: String, chunk: Int) throws -> [Sample] {
        let file = try JTLRecordParserTests.temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let handle = try #require(FileHandle(forReadingAtPath: file))
        defer { try? handle.close() }
        var parser = JTLRecordParser(file: handle, chunkSize: chunk)
        var out: [Sample] = []
        _ = try JTLSampleReader.scan(&parser, name: file, columns: nil) { out.append($0) }
        return out
    }

    @Test func quotedNegativeAndSplitNumbersRead() throws {
        let text = Self.header
            + "\"1700000000123\",\"-5\",\"a, b\",\"200\",OK,\"Group One 2-7\",bin,\"TRUE\",,\"48044\",-1,3,\"4\",http://x,+12,0,007,"
            + "\"1.300\",-33.3,0.0,\"1e2\",0.0123,42\r\n"
            + "1700000000999,5,a,503,Unavailable,solo,text,false,failed,0,0,1,1,http://x,0,0,0,,,,,,\n"
        let expectedFirst = (start: Int64(1_700_000_000_123_000), elapsed: Int64(-5_000), latency: Int64(12_000))
        for chunk in [1, 2, 3, 7, 64, 1 << 20] {
            let s = try Self.samples(text, chunk: chunk)
            try #require(s.count == 2, "chunk \(chunk)")
            #expect(s[0].start == expectedFirst.start && s[0].elapsed == expectedFirst.elapsed && s[0].latency == expectedFirst.latency)
            #expect(s[0].connect == 7_000 && s[0].bytesReceived == 48_044 && s[0].bodyBytes == 48_044 && s[0].bytesSent == -1)
            #expect(s[0].status == 200 && s[0].success && s[0].label == "a, b" && s[0].groupThreads == 3 && s[0].allThreads == 4)
            #expect(s[0].groupName == "Group One" && s[0].groupIndex == 1 && s[0].userNumber == 7)
            #expect(s[0].audio?.audioSeconds == Double("1.300") && s[0].audio?.ttfa == -33_300 && s[0].audio?.underrun == 100_000)
            #expect(s[0].audio?.rtf == Double("0.0123") && s[0].audio?.characters == 42)
            #expect(s[1].status == 503 && !s[1].success && s[1].errorClass == .checkFailed && s[1].groupName == "solo")
            #expect(s[1].audio == nil && s[1].contentType == "text/plain" && s[1].bodyBytes == 0)
        }
    }

    @Test func badNumbersNameLineColumnAndText() throws {
        let row = "1,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0,1.0,,,,,\n"
        let cases = [
            (row + "\n12x,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0,,,,,,\n", "line 4: timeStamp '12x' is not a whole number"),
            (row + "1,2,a,200,OK,g 1-1,text,true,,1,1,\"1\n2\",1,http://x,1,0,0,,,,,,\n", "line 3: grpThreads '1\n2' is not a whole number"),
            (row + "1,2,a,200,OK,g 1-1,text,true,,-,1,1,1,http://x,1,0,0,,,,,,\n", "line 3: bytes '-' is not a whole number"),
            (row + "1,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0,,x1,,,,\n", "line 3: ttfa_ms 'x1' is not a number"),
        ]
        for (text, message) in cases {
            for chunk in [1, 5, 1 << 20] {
                #expect { try Self.samples(Self.header + text, chunk: chunk) } throws: { error in
                    "\(error)" == message
                }
            }
        }
    }
}
