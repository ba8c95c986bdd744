import Foundation
import Testing
@testable import Results

@Suite struct JTLTests {
    @Test func headerIsJMeterDefaultByteForByte() {
        #expect(JTLFormat.header() ==
            "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect")
        #expect(JTLFormat.header(variables: ["audio_seconds", "ttfa_ms"]).hasSuffix(",Connect,\"audio_seconds\",\"ttfa_ms\""))
    }

    @Test func quotesOnlyWhatJMeterQuotes() {
        #expect(JTLFormat.quote("tts ok") == "tts ok")
        #expect(JTLFormat.quote("busy, retry later") == "\"busy, retry later\"")
        #expect(JTLFormat.quote("say \"hi\" twice") == "\"say \"\"hi\"\" twice\"")
        #expect(JTLFormat.quote("two\nlines") == "\"two\nlines\"")
        #expect(JTLFormat.quote("cr\rhere") == "\"cr\rhere\"")
        #expect(JTLFormat.quote("") == "")
        #expect(JTLFormat.quote("semi;colon 'single'") == "semi;colon 'single'")
    }

    @Test func rowHasTheDefaultColumnsInOrder() {
        let ok = Sample(start: 1_700_000_000_123_456, elapsed: 812_499, latency: 95_500, connect: 1_499, bytesReceived: 44_144,
                        bytesSent: 210, bodyBytes: 44_000, status: 200, responseMessage: "OK", contentType: "audio/wav",
                        success: true, label: "happy, short", groupIndex: 1, groupName: "emotional-tts", userNumber: 7,
                        groupThreads: 10, allThreads: 12, url: "http://127.0.0.1:8080/v1/tts")
        #expect(JTLFormat.row(ok) ==
            "1700000000123,812,\"happy, short\",200,OK,emotional-tts 2-7,bin,true,,44144,210,10,12,http://127.0.0.1:8080/v1/tts,96,0,1")
        let refused = Sample(start: 1_700_000_000_000_000, elapsed: 300, latency: 0, status: 0,
                             responseMessage: "Failed to connect to 127.0.0.1 port 9: Connection refused", success: false,
                             failureMessage: "connect refused", errorClass: .connectRefused, label: "tts", groupName: "g",
                             url: "http://127.0.0.1:9/v1/tts")
        let fields = JTLFormat.row(refused).split(separator: ",", omittingEmptySubsequences: false)
        #expect(fields[3] == "Non HTTP response code: ConnectException")
        #expect(fields[6] == "text" && fields[7] == "false")
    }

    @Test func threadNameIsTheSameFieldWhicheverWayItIsWritten() {
        // Plain names are written in place, names that need quoting through the quoting path;
        // both must be the quoted `threadName` JMeter would write.
        for (group, agent) in [("tts", ""), ("load, steady", ""), ("say \"hi\"", ""), ("two\nlines", ""), ("tts", "a1"), ("x,y", "a2")] {
            let s = Sample(start: 1_000_000, elapsed: 1_000, latency: 500, status: 200, success: true, label: "l",
                           groupIndex: 2, groupName: group, userNumber: 41, agent: agent)
            var out: [UInt8] = []
            JTLFormat.append(s, to: &out)
            let row = String(decoding: out, as: UTF8.self)
            #expect(row.contains(",l,200,," + JTLFormat.quote(s.threadName) + ",text,true,"), "\(row)")
        }
        #expect(JTLFormat.audioValues(Sample(start: 0, elapsed: 0, latency: 0, status: 200, success: true, label: "l", groupName: "g"))
            == Array(repeating: "", count: 9))
    }

    @Test func decimalsMatchSwiftsOwn() {
        for n: Int64 in [0, 7, 9, 10, 99, 100, 1_700_000_000_123, -1, -45, Int64.max, Int64.min] {
            var out: [UInt8] = []
            JTLFormat.appendDecimal(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(n))
        }
    }

    @Test func writtenFileReadsBackWithTheSameRows() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jtl-\(UUID().uuidString).jtl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try JTLWriter(path: path, variables: ["audio_seconds"])
        let labels = ["plain", "with, comma", "with \"quotes\"", "multi\nline", "中文标签", ""]
        for (i, label) in labels.enumerated() {
            try writer.append(Sample(start: Int64(i) * 1_000_000, elapsed: 1_000, latency: 500, status: 200, success: true,
                                 label: label, groupName: "g", userNumber: i + 1), values: ["\(Double(i) / 2)"])
        }
        try writer.close()
        let table = try JTLReader.read(path: path)
        #expect(table.header == JTLFormat.defaultColumns + ["audio_seconds"])
        #expect(table.rows.count == labels.count)
        #expect(table.rows.map { $0[2] } == labels)
        #expect(table.rows.map { $0[17] } == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
        #expect(table.warnings.isEmpty)
    }

    @Test func tornLastLineIsDroppedWithAWarning() throws {
        let text = JTLFormat.header() + "\n"
            + "1,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0\n"
            + "3,4,b,200,OK,g 1-1,te"
        let table = try JTLReader.parse(Data(text.utf8))
        #expect(table.rows.count == 1)
        #expect(table.warnings.count == 1)
        #expect(throws: JTLReader.Failure.self) {
            try JTLReader.parse(Data((JTLFormat.header() + "\n1,2,a\"b,200\n").utf8))
        }
    }
}

/// A failure's class survives the JTL: written as responseCode, read back the same (spools and
/// imported runs have only the JTL).
@Suite struct ErrorClassRoundTripTests {
    @Test func everyTransportAndStreamClassReadsBackAsItself() throws {
        for errorClass in ErrorClass.allCases where errorClass != .checkFailed {
            #expect(JTLSampleReader.errorClass(responseCode: errorClass.nonHTTPCode) == errorClass, "\(errorClass)")
            let s = Sample(start: 1_700_000_000_000_000, elapsed: 5_000, latency: 1_000, status: 0, responseMessage: "broken",
                           success: false, failureMessage: "HTTP 200, then: broken", errorClass: errorClass, label: "l", groupName: "g")
            let text = JTLFormat.header() + "\n" + JTLFormat.row(s) + "\n"
            let read = try JTLSampleReader.parse(Data(text.utf8))
            #expect(read.samples.first?.errorClass == errorClass, "\(errorClass) as \(errorClass.nonHTTPCode)")
        }
        // JMeter's own names keep their classes.
        #expect(JTLSampleReader.errorClass(responseCode: "Non HTTP response code: java.net.SocketTimeoutException") == .timeout)
        #expect(JTLSampleReader.errorClass(responseCode: "Non HTTP response code: org.apache.http.ConnectionClosedException") == .reset)
    }
}
