/// Numbers and flags read straight from a JTL field's bytes, with the same results as Swift's
/// `Int64(String)` and `Double(String)` on the field's text: the import's hot path reads ~10
/// numbers per row, and making a String for each before parsing it was most of the parser's time
/// (perf: `JTLRecordParser.next()` + `Int64(String)`/`strtod` + String retain/release).
enum FieldBytes {
    /// `Int64(String)`'s rules: an optional `+` or `-`, then one or more ASCII digits, in range.
    static func int64(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard var p = f.baseAddress, !f.isEmpty else { return nil }
        let end = p + f.count
        var negative = false
        if p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+") {
            negative = p.pointee == UInt8(ascii: "-")
            p += 1
            guard p < end else { return nil }
        }
        // Accumulated as a negative number so that Int64.min reads back too.
        var value: Int64 = 0
        while p < end {
            let d = p.pointee &- 48
            guard d <= 9 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            value = next
            p += 1
        }
        if negative { return value }
        guard value != .min else { return nil }
        return -value
    }

    /// `Double(String)`'s value. Plain decimals (`-?digits(.digits)?`, at most 2^53 as an integer
    /// of all their digits, at most 22 after the point) are exact here: the integer and the power
    /// of ten are both exact doubles, so one IEEE division rounds correctly, as strtod does
    /// (Clinger's fast path). Anything else (exponents, `inf`, longer numbers) goes to `Double(String)`.
    static func double(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        if let v = plainDecimal(f) { return v }
        return Double(String(decoding: f, as: UTF8.self))
    }

    private static let powersOf10: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

    private static func plainDecimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        guard var p = f.baseAddress, !f.isEmpty else { return nil }
        let end = p + f.count
        let negative = p.pointee == UInt8(ascii: "-")
        if negative { p += 1 }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, intDigits = 0
        var point = false
        while p < end {
            let b = p.pointee
            if b == UInt8(ascii: ".") {
                guard !point, intDigits > 0 else { return nil }
                point = true
            } else {
                let d = b &- 48
                guard d <= 9, digits < 19 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
                if point { fraction += 1 } else { intDigits += 1 }
            }
            p += 1
        }
        guard intDigits > 0, !point || fraction > 0, mantissa <= 1 << 53, fraction <= 22 else { return nil }
        let v = Double(mantissa) / powersOf10[fraction]
        return negative ? -v : v
    }

    /// Whether the field is `true` in any letter case (`String.lowercased() == "true"`).
    static func isTrue(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
        guard f.count == 4 else { return false }
        return f[0] | 0x20 == UInt8(ascii: "t") && f[1] | 0x20 == UInt8(ascii: "r")
            && f[2] | 0x20 == UInt8(ascii: "u") && f[3] | 0x20 == UInt8(ascii: "e")
    }

    static func equals(_ f: UnsafeBufferPointer<UInt8>, _ ascii: StaticString) -> Bool {
        guard f.count == ascii.utf8CodeUnitCount else { return false }
        let s = ascii.utf8Start
        for k in 0..<f.count where f[k] != s[k] { return false }
        return true
    }
}
