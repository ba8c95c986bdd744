import CSnappy

/// Snappy block compression (the format remote write's `Content-Encoding: snappy` means, not the
/// framed stream format), through the reference library.
enum Snappy {
    struct Failure: Error {}

    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        guard !input.isEmpty else { return [0] }  // the length varint 0 and nothing else
        var length = snappy_max_compressed_length(input.count)
        var output = [UInt8](repeating: 0, count: length)
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                source.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, input.count)) { from in
                    target.baseAddress!.withMemoryRebound(to: CChar.self, capacity: length) { to in
                        snappy_compress(from, input.count, to, &length)
                    }
                }
            }
        }
        guard status == SNAPPY_OK else { throw Failure() }
        output.removeSubrange(length...)
        return output
    }

    static func uncompress(_ input: [UInt8]) throws -> [UInt8] {
        guard !input.isEmpty else { throw Failure() }
        var length = 0
        let known = input.withUnsafeBufferPointer { source in
            source.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, input.count)) { snappy_uncompressed_length($0, input.count, &length) }
        }
        guard known == SNAPPY_OK else { throw Failure() }
        var output = [UInt8](repeating: 0, count: max(1, length))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                source.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, input.count)) { from in
                    target.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, length)) { to in
                        snappy_uncompress(from, input.count, to, &length)
                    }
                }
            }
        }
        guard status == SNAPPY_OK else { throw Failure() }
        output.removeSubrange(length...)
        return output
    }
}
