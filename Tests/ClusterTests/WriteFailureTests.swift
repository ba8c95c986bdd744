import Foundation
import Testing
import TestSupport
@testable import Cluster
@testable import Results

/// Result files on a disk that fills up: a small tmpfs, so the errors are the kernel's own ENOSPC.
@Suite(.serialized, .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
struct WriteFailureTests {
    static func samples(_ count: Int) -> [Sample] {
        (0..<count).map { i in
            Sample(start: 1_800_000_000_000_000 + Int64(i) * 1_000, elapsed: 20_000, latency: 5_000, status: 200,
                   responseMessage: "OK", success: true, label: "say \"hello\", twice", groupName: "tts", userNumber: i % 7 + 1,
                   url: "http://127.0.0.1:8080/v1/audio/speech")
        }
    }

    @Test func aFullDiskKeepsEveryCompleteRowAndNamesTheFile() throws {
        let disk = try SmallDisk(bytes: 128 * 1024)
        defer { disk.unmount() }
        let path = disk.path + "/results.jtl"
        let writer = try JTLWriter(path: path, variables: JTLFormat.audioVariables)
        var thrown: FileWriteError?
        for sample in Self.samples(5_000) {
            do { try writer.append(sample, values: JTLFormat.audioValues(sample)) } catch let error as FileWriteError {
                thrown = error
                break
            }
        }
        if thrown == nil {
            do { try writer.close() } catch let error as FileWriteError { thrown = error }
        }
        let error = try #require(thrown, "5,000 rows (~700 KB) fit in 128 KiB?")
        #expect(error.description == "\(path): No space left on device")
        #expect(error.code == ENOSPC)
        // After a failure the writer refuses rows rather than leaving a gap in the file.
        #expect(throws: FileWriteError.self) { try writer.append(Self.samples(1)[0]) }
        try? writer.close()

        // The file ends with a whole row: the part of a row the full disk took was cut off again.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.last == 10)
        let read = try JTLSampleReader.read(path: path)
        #expect(read.warnings.isEmpty, "\(read.warnings)")
        #expect(read.samples.count > 100)
        #expect(read.samples.count == writer.rowsOnDisk)
        #expect(read.samples.map(\.start) == Self.samples(read.samples.count).map(\.start))
    }

    @Test func aMergeThatCannotBeWrittenLeavesTheEarlierJTL() throws {
        let disk = try SmallDisk(bytes: 256 * 1024)
        defer { disk.unmount() }
        let path = disk.path + "/results.jtl"
        try SpoolMerge.write(Self.samples(20), to: path, audioColumns: true)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try JTLSampleReader.read(path: path).samples.count == 20)

        // ~2.8 MB of rows: the temporary file fills the disk, the rename never happens.
        #expect {
            try SpoolMerge.write(Self.samples(20_000), to: path, audioColumns: true)
        } throws: { error in
            (error as? FileWriteError)?.description == "\(path): No space left on device"
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // ... and the temporary file is gone, so the disk has its room back.
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path) == ["results.jtl"])
        #expect(disk.freeBytes > 200 * 1024)
    }

    @Test func aSummaryThatCannotBeWrittenNamesItsFileAndLeavesTheEarlierOne() throws {
        let disk = try SmallDisk(bytes: 64 * 1024)
        defer { disk.unmount() }
        let path = disk.path + "/summary.json"
        try OutputFile.writeAtomically(Array("{\"status\": \"complete\"}".utf8), to: path)
        #expect {
            try OutputFile.writeAtomically([UInt8](repeating: 32, count: 200 * 1024), to: path)
        } throws: { error in
            (error as? FileWriteError)?.description == "\(path): No space left on device"
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"status\": \"complete\"}")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path) == ["summary.json"])
    }
}
