import CZlib
import Foundation

/// gzip for agents' spools (a JTL compresses about ten to one); the controller's libcurl inflates it.
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { "gzip failed (zlib error \(code))" }
    }

    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = bytes.withUnsafeBufferPointer { czlib_gzip($0.baseAddress, $0.count, &output, &length, level) }
        guard status == 0, let output else { throw Failure(code: status) }
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }
}
