import Foundation
import SwiftProtobuf
import Testing
import TestSupport
@testable import Export

/// The write request's shape; what a real receiver makes of it is tested against Prometheus
/// itself (CLITests/LiveExportTests).
@Suite struct RemoteWriterTests {
    @Test func everySampleBecomesOneSeriesWithSortedLabels() throws {
        let text = """
        # HELP a_total Things.
        # TYPE a_total counter
        a_total{run="r",label="x"} 3
        a_total{run="r",label="y"} 4.5
        # HELP h Seconds.
        # TYPE h histogram
        h_bucket{run="r",le="0.5"} 1
        h_bucket{run="r",le="+Inf"} 2
        h_sum{run="r"} 1.25
        h_count{run="r"} 2

        """
        let request = try RemoteWriter.writeRequest(exposition: Array(text.utf8), timestampMs: 1_700_000_000_123)
        #expect(request.timeseries.count == 6)
        for series in request.timeseries {
            let names = series.labels.map(\.name)
            #expect(names == names.sorted(), "labels must be sorted by name: \(names)")
            #expect(names.first == "__name__")
            #expect(series.samples.count == 1 && series.samples[0].timestamp == 1_700_000_000_123)
        }
        let y = request.timeseries.first { $0.labels.contains { $0.name == "label" && $0.value == "y" } }
        #expect(y?.samples.first?.value == 4.5)
        let inf = request.timeseries.first { $0.labels.contains { $0.name == "le" && $0.value == "+Inf" } }
        #expect(inf?.labels.first?.value == "h_bucket" && inf?.samples.first?.value == 2)

        // Through snappy and back, byte for byte.
        let bytes: [UInt8] = try request.serializedBytes()
        let packed = try Snappy.compress(bytes)
        #expect(packed.count < bytes.count)
        #expect(try Snappy.uncompress(packed) == bytes)
        #expect(try Prometheus_WriteRequest(serializedBytes: try Snappy.uncompress(packed)) == request)
    }

    @Test func snappyMatchesTheFormatsKnownBytes() throws {
        // The block format: a varint length, then literals (tag 0b000000_00 with length-1 in the top bits).
        #expect(try Snappy.compress(Array("abc".utf8)) == [3, 0b0000_1000, 0x61, 0x62, 0x63])
        #expect(try Snappy.uncompress([3, 0b0000_1000, 0x61, 0x62, 0x63]) == Array("abc".utf8))
        #expect(throws: (any Error).self) { try Snappy.uncompress([200, 1, 2]) }
    }

    @Test func anUnreachableReceiverIsAWarningNotAFailure() throws {
        let port = closedPort()
        let warnings = LockedStrings()
        let writer = RemoteWriter(url: "http://user:s3cret@127.0.0.1:\(port)/api/v1/write") { warnings.append($0) }
        writer.push(exposition: Array("a_total 1\n".utf8), timestampMs: 1)
        writer.push(exposition: Array("a_total 2\n".utf8), timestampMs: 2)
        writer.close(timeout: 20)
        #expect(writer.sent == 0 && writer.dropped == 2)
        #expect(warnings.values.count == 1, "one warning per kind of failure: \(warnings.values)")
        #expect(!warnings.values.joined().contains("s3cret") && warnings.values.joined().contains("***@127.0.0.1"), "\(warnings.values)")
    }
}

final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
