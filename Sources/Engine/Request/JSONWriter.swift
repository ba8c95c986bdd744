/// Minimal JSON text output for request bodies.
///
/// Hand-written because bodies are built per request on the engine's hot path, key order must
/// follow the plan, and Foundation's JSONSerialization neither keeps order nor avoids boxing.
enum JSONWriter {
    static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<32:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A number as JSON accepts it, or nil (NaN, infinities, hex, "1." are not JSON numbers).
    static func number(_ text: String) -> String? {
        guard let value = Double(text), value.isFinite,
              text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              text.first != "+", !text.hasSuffix("."), !text.hasPrefix(".")
        else { return nil }
        return text
    }
}
