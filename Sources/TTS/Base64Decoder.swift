/// Strict base64 (RFC 4648 §4, the standard alphabet, `=` padding required) into a caller's buffer.
///
/// Strict because a load test must notice a server that sends broken audio: whitespace, the URL
/// alphabet (`-`, `_`), missing or misplaced padding and non-zero bits after the last byte are all
/// refused rather than guessed at. No Foundation: `Data(base64Encoded:)` allocates a new buffer per
/// call, and this runs for every audio event of every stream.
public enum Base64Decoder {
    /// 0...63 for the alphabet, 0xFF for anything else.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decodes `text` into the start of `scratch`, which grows only when it is too small (a buffer
    /// kept across calls, so nothing is allocated once it has grown to the largest event).
    /// Returns how many bytes were decoded, or nil and the offset of the first character that
    /// makes the text invalid (`text.count` when its length is wrong).
    public static func decode(_ text: UnsafeRawBufferPointer, into scratch: inout [UInt8]) -> (count: Int, invalidAt: Int?) {
        let n = text.count
        guard n % 4 == 0 else { return (0, n) }
        guard n > 0 else { return (0, nil) }
        let most = n / 4 * 3
        if scratch.count < most { scratch.append(contentsOf: repeatElement(0, count: most - scratch.count)) }
        var written = 0
        let bad = scratch.withUnsafeMutableBufferPointer { buffer in
            // Writes through a plain pointer: no accessor call per byte in unoptimized builds.
            let o = buffer.baseAddress!
            return table.withUnsafeBufferPointer { t -> Int? in
                var i = 0, w = 0
                // Every quartet but the last has no padding.
                while i + 4 < n {
                    let a = t[Int(text[i])], b = t[Int(text[i + 1])], c = t[Int(text[i + 2])], d = t[Int(text[i + 3])]
                    if (a | b | c | d) == 0xFF {
                        return i + [a, b, c, d].firstIndex(of: 0xFF)!
                    }
                    o[w] = a << 2 | b >> 4
                    o[w + 1] = b << 4 | c >> 2
                    o[w + 2] = c << 6 | d
                    w += 3
                    i += 4
                }
                defer { written = w }
                let eq = UInt8(ascii: "=")
                let a = t[Int(text[i])], b = t[Int(text[i + 1])]
                if a == 0xFF { return i }
                if b == 0xFF { return i + 1 }
                if text[i + 2] == eq {
                    // "xx==": one byte; the low 4 bits of the second character must be zero.
                    guard text[i + 3] == eq else { return i + 3 }
                    guard b & 0x0F == 0 else { return i + 1 }
                    o[w] = a << 2 | b >> 4
                    w += 1
                    return nil
                }
                let c = t[Int(text[i + 2])]
                if c == 0xFF { return i + 2 }
                if text[i + 3] == eq {
                    // "xxx=": two bytes; the low 2 bits of the third character must be zero.
                    guard c & 0x03 == 0 else { return i + 2 }
                    o[w] = a << 2 | b >> 4
                    o[w + 1] = b << 4 | c >> 2
                    w += 2
                    return nil
                }
                let d = t[Int(text[i + 3])]
                if d == 0xFF { return i + 3 }
                o[w] = a << 2 | b >> 4
                o[w + 1] = b << 4 | c >> 2
                o[w + 2] = c << 6 | d
                w += 3
                return nil
            }
        }
        return bad.map { (0, $0) } ?? (written, nil)
    }
}
