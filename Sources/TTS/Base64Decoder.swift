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

    /// Appends the bytes `text` encodes to `out`. Returns nil on success, or the offset of the
    /// first character that makes the text invalid (`text.count` when its length is wrong).
    public static func decode(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Int? {
        let n = text.count
        guard n % 4 == 0 else { return n }
        guard n > 0 else { return nil }
        out.reserveCapacity(out.count + n / 4 * 3)
        return table.withUnsafeBufferPointer { t -> Int? in
            var i = 0
            // Every quartet but the last has no padding.
            while i + 4 < n {
                let a = t[Int(text[i])], b = t[Int(text[i + 1])], c = t[Int(text[i + 2])], d = t[Int(text[i + 3])]
                if (a | b | c | d) == 0xFF {
                    return i + [a, b, c, d].firstIndex(of: 0xFF)!
                }
                out.append(a << 2 | b >> 4)
                out.append(b << 4 | c >> 2)
                out.append(c << 6 | d)
                i += 4
            }
            let eq = UInt8(ascii: "=")
            let a = t[Int(text[i])], b = t[Int(text[i + 1])]
            if a == 0xFF { return i }
            if b == 0xFF { return i + 1 }
            if text[i + 2] == eq {
                // "xx==": one byte; the low 4 bits of the second character must be zero.
                guard text[i + 3] == eq else { return i + 3 }
                guard b & 0x0F == 0 else { return i + 1 }
                out.append(a << 2 | b >> 4)
                return nil
            }
            let c = t[Int(text[i + 2])]
            if c == 0xFF { return i + 2 }
            if text[i + 3] == eq {
                // "xxx=": two bytes; the low 2 bits of the third character must be zero.
                guard c & 0x03 == 0 else { return i + 2 }
                out.append(a << 2 | b >> 4)
                out.append(b << 4 | c >> 2)
                return nil
            }
            let d = t[Int(text[i + 3])]
            if d == 0xFF { return i + 3 }
            out.append(a << 2 | b >> 4)
            out.append(b << 4 | c >> 2)
            out.append(c << 6 | d)
            return nil
        }
    }
}
