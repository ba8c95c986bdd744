import Foundation

/// Escaping and number formatting for the dashboard.
enum HTMLText {
    /// Escapes text for HTML element content and double-quoted attributes: `& < > " '`.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Milliseconds from µs: `0.412`, `12.3`, `812`, `12 400`.
    static func ms(_ micros: Int64) -> String { number(Double(micros) / 1_000) }

    /// Three significant digits below 1000, whole numbers above (the precision of the histograms).
    static func number(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1_000 { return grouped(Int64(v.rounded())) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    /// A step level: whole users as `200`, rates as `12.5`.
    static func level(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? grouped(Int64(v)) : number(v) }

    /// `12 400 000`: thin groups that read well in tables.
    static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{2009}" }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }

    /// `1m05s`, `12.5s`.
    static func seconds(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1fs", s) }
        let total = Int(s.rounded())
        return total >= 3_600 ? "\(total / 3_600)h\(pad(total % 3_600 / 60))m\(pad(total % 60))s" : "\(total / 60)m\(pad(total % 60))s"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
