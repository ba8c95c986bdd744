import Foundation
import Results
import Testing

@Suite struct JTLSampleReaderTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)-\(name)").path
    }

    @Test func ourJTLRoundTrips() throws {
        let path = Self.temporaryPath("ours.jtl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var samples = SyntheticRun(levels: [2, 4], counts: [30, 60], bases: [80_000, 120_000], label: "say \"hi\", twice").samples
        samples[5].success = false
        samples[5].status = 0
        samples[5].errorClass = .timeout
        samples[5].responseMessage = "Operation timed out after 10000 milliseconds"
        samples[5].audio = nil
        samples[6].label = "multi\nline"
        let writer = try JTLWriter(path: path, variables: JTLFormat.audioVariables)
        for s in samples { try writer.append(s, values: JTLFormat.audioValues(s)) }
        try writer.close()

        let result = try JTLSampleReader.read(path: path)
        #expect(!result.headerless && result.warnings.isEmpty)
        #expect(result.samples.count == samples.count)
        // Writing what was read gives the file again, byte for byte.
        var again = JTLFormat.header(variables: JTLFormat.audioVariables) + "\n"
        for s in result.samples { again += JTLFormat.row(s, variables: JTLFormat.audioValues(s)) + "\n" }
        #expect(again == (try String(contentsOfFile: path, encoding: .utf8)))
        for (read, written) in zip(result.samples, samples) {
            #expect(read.start == written.start / 1_000 * 1_000)
            #expect(read.elapsed == JTLFormat.ms(written.elapsed) * 1_000)
            #expect(read.success == written.success && read.label == written.label && read.allThreads == written.allThreads)
            #expect(read.groupName == "g" && read.userNumber == written.userNumber)
            #expect(read.audio?.audioSeconds == written.audio?.audioSeconds)
        }
        #expect(result.samples[5].errorClass == .timeout && result.samples[5].status == 0)
        #expect(result.samples[7].audio?.ttfa == ((samples[7].audio?.ttfa ?? 0) + 50) / 100 * 100)
    }

    /// JMeter 5.x's default 17 columns, written by hand per JTL.md: a quoted label with a comma,
    /// a non-HTTP failure with JMeter's Java exception text, an assertion failure on a 200.
    static let jmeterFile = """
        timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect
        1700000000000,812,"synthesize, short",200,OK,Thread Group 1-1,bin,true,,44144,210,1,2,http://tts.local/v1/tts,96,0,12
        1700000000100,650,"synthesize, short",200,OK,Thread Group 1-2,bin,true,,44144,210,2,2,http://tts.local/v1/tts,80,0,0
        1700000000900,10003,"synthesize, short",Non HTTP response code: java.net.SocketTimeoutException,Non HTTP response message: Read timed out,Thread Group 1-1,text,false,,2345,210,2,2,http://tts.local/v1/tts,0,0,0
        1700000001000,120,voices,200,OK,Thread Group 1-2,text,false,"Test failed: text expected to contain /en-US/",512,120,2,2,http://tts.local/v1/voices,118,0,0
        1700000001300,95,voices,200,OK,Thread Group 1-1,text,true,,512,120,2,2,http://tts.local/v1/voices,90,0,0
        1700000001500,3,voices,Non HTTP response code: java.net.ConnectException,Non HTTP response message: Connection refused,Thread Group 1-2,text,false,,1620,0,2,2,http://tts.local/v1/voices,0,0,3

        """

    @Test func jmeterDefaultColumnsReadWithTheRightCounts() throws {
        let result = try JTLSampleReader.parse(Data(Self.jmeterFile.utf8))
        #expect(result.samples.count == 6)
        let byLabel = Dictionary(grouping: result.samples, by: \.label)
        #expect(byLabel["synthesize, short"]?.count == 3 && byLabel["voices"]?.count == 3)
        #expect(byLabel["synthesize, short"]?.filter { !$0.success }.count == 1)
        #expect(byLabel["voices"]?.filter { !$0.success }.count == 2)
        let timeout = result.samples[2]
        #expect(timeout.status == 0 && timeout.errorClass == .timeout && timeout.elapsed == 10_003_000)
        #expect(result.samples[3].errorClass == .checkFailed && result.samples[3].failureMessage.hasPrefix("Test failed"))
        #expect(result.samples[5].errorClass == .connectRefused && result.samples[5].connect == 3_000)
        #expect(result.samples[0].groupName == "Thread Group" && result.samples[1].userNumber == 2)
        #expect(result.samples[0].start == 1_700_000_000_000_000 && result.samples[0].latency == 96_000)
        #expect(result.samples.allSatisfy { $0.audio == nil })
    }

    @Test func headerSubsetAndHeaderlessFilesRead() throws {
        let subset = """
            timeStamp,elapsed,label,responseCode,success,allThreads
            1700000000000,100,a,200,true,3
            1700000000500,200,a,500,false,3

            """
        let s = try JTLSampleReader.parse(Data(subset.utf8)).samples
        #expect(s.count == 2 && s[1].errorClass == .checkFailed && s[0].allThreads == 3 && s[1].elapsed == 200_000)
        // JMeter 2.x's headerless 12 columns.
        let headerless = """
            1434025823001,140,HTTP Request,200,OK,Thread Group 1-1,text,true,1591,1,1,139
            1434025823141,21,HTTP Request,Non HTTP response code: java.net.UnknownHostException,Non HTTP response message: nohost,Thread Group 1-1,text,false,1723,1,1,0

            """
        let h = try JTLSampleReader.parse(Data(headerless.utf8))
        #expect(h.headerless && h.samples.count == 2 && h.columns == JTLSampleReader.jmeter2Columns)
        #expect(h.samples[1].errorClass == .dns && h.samples[0].latency == 139_000)
        #expect(throws: JTLReader.Failure.self) { try JTLSampleReader.parse(Data("1,2,3\n".utf8)) }
        #expect(throws: JTLReader.Failure.self) { try JTLSampleReader.parse(Data("label,success\nx,true\n".utf8)) }
    }

    @Test func tornLastLineIsDroppedAndBadRowsNameTheirLine() throws {
        let text = JTLFormat.header() + "\n"
            + "1,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0\n\n"
            + "3,4,\"b\nc\",200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0\n"
            + "5,6,d,200,OK,g 1-1,te"
        let result = try JTLSampleReader.parse(Data(text.utf8))
        #expect(result.samples.map(\.label) == ["a", "b\nc"])
        #expect(result.warnings.count == 1)
        let bad = JTLFormat.header() + "\n1,2,a,200,OK,g 1-1,text,true,,1,1,1,1,http://x,1,0,0\n\n3,4,short\n"
        #expect { try JTLSampleReader.parse(Data(bad.utf8)) } throws: { error in
            "\(error)".hasPrefix("line 4:")
        }
    }
}
