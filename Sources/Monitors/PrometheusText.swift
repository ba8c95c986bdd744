// A strict parser of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Strict so that a broken exporter is reported where it breaks instead of
// yielding silently wrong plots; lenient only where Prometheus' own parsers
// (model/textparse and common/expfmt) accept what real exporters write.

#if canImport(Glibc)
import Glibc // memchr, memcmp
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The type a `# TYPE` line gives a metric family; families without one are `untyped`.
public enum PromMetricType: String, Sendable {
    case counter, gauge, histogram, summary, untyped
}

/// One label of a sample.
public struct PromLabel: Sendable, Equatable, Hashable {
    /// `[a-zA-Z_][a-zA-Z0-9_]*`, as the parser enforces.
    public var name: String
    /// Unescaped: `\\`, `\"` and `\n` are already decoded, so comparisons see the real value.
    public var value: String

    /// A label as given; nothing is validated or escaped.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One sample line.
public struct PromSample: Sendable, Equatable {
    /// The name as written, so histogram and summary samples keep their `_bucket`, `_sum` or `_count` suffix.
    public var name: String
    /// In exposition order (which derived series names preserve), `le` and `quantile` included.
    public var labels: [PromLabel]
    /// May be NaN or ±Inf, which exporters use for "no data" and unbounded values.
    public var value: Double
    /// Milliseconds since the epoch, when the exporter stamped the sample itself.
    public var timestampMs: Int64?

    /// A sample as given, for building families by hand (tests, or derivation from other sources).
    public init(name: String, labels: [PromLabel] = [], value: Double, timestampMs: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
    }
}

/// A metric family: the samples that share one HELP/TYPE, in exposition order.
///
/// A family declared by HELP or TYPE but without samples is kept with empty `samples`
/// (client libraries emit such families for labelled metrics not yet used).
public struct PromFamily: Sendable {
    /// The name of the HELP/TYPE lines, or of the sample itself for a family without them.
    public var name: String
    /// `untyped` when no TYPE line was given.
    public var type: PromMetricType
    /// Unescaped; nil when the family has no HELP line.
    public var help: String?
    /// In exposition order, which is also the order derived points come in.
    public var samples: [PromSample]

    /// A family as given, for building expositions by hand.
    public init(name: String, type: PromMetricType, help: String? = nil, samples: [PromSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}

/// Why an exposition was refused, and where: 1-based line and column (in characters) of the offending token.
public struct PromParseError: Error, CustomStringConvertible, Equatable {
    /// 1-based; lines are separated by `\n`.
    public var line: Int
    /// 1-based, in characters (Unicode scalars), so it matches what an editor shows for non-ASCII label values.
    public var column: Int
    /// Says what was expected, for a person reading the tool's output.
    public var message: String

    /// An error as given.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line L, column C: message`, the form editors and compilers use.
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Entry point of the parser.
public enum PrometheusText {
    /// Longest line accepted, in bytes; a longer one means the target is not an exporter (or is broken).
    public static let maxLineBytes = 64 * 1024
    /// Largest exposition accepted, in bytes, so a runaway target cannot exhaust memory.
    public static let maxExpositionBytes = 32 * 1024 * 1024

    /// Parses a whole exposition into its metric families, in the order they appear.
    ///
    /// Fails on the first violation of the format or of the family rules
    /// (contiguous families, one HELP and TYPE each, no duplicate series,
    /// well-formed histograms and summaries).
    public static func parse(_ text: String) throws(PromParseError) -> [PromFamily] {
        let size = text.utf8.count
        guard size <= maxExpositionBytes else {
            throw PromParseError(line: 1, column: 1,
                                 message: "exposition is \(size) bytes, over the limit of \(maxExpositionBytes)")
        }
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(PromParseError) -> [PromFamily] in
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
                var parser = TextParser(base, count: bytes.count)
                return try parser.run()
            }
        }
        return try result.get()
    }
}

// MARK: - Numbers

/// Outcome of reading a number the way Go's strconv does, so that what Prometheus accepts is accepted here.
enum GoNumber {
    enum Float: Equatable {
        case value(Double)
        case syntax
        case range
    }

    /// Go's `strconv.ParseFloat` minus hexadecimal and `_` digit separators, which Prometheus refuses.
    static func parseFloat(_ buffer: UnsafeBufferPointer<UInt8>) -> Float {
        let n = buffer.count
        guard n > 0, let s = buffer.baseAddress else { return .syntax }
        var i = 0
        var negative = false
        if s[0] == 0x2B || s[0] == 0x2D { // + -
            negative = s[0] == 0x2D
            i = 1
        }
        if i < n, s[i] | 0x20 == 0x69 || s[i] | 0x20 == 0x6E { // i I n N
            if isCaseless(buffer, from: i, "inf") || isCaseless(buffer, from: i, "infinity") {
                return .value(negative ? -.infinity : .infinity)
            }
            return i == 0 && isCaseless(buffer, from: 0, "nan") ? .value(.nan) : .syntax
        }

        // [digits][.digits][e[sign]digits], with at least one mantissa digit. The mantissa's
        // significant digits (at most 19 kept) and the decimal exponent feed the fast path below.
        var digits = 0
        var significant = 0
        var mantissa: UInt64 = 0
        var exponent = 0
        while i < n, s[i] &- 0x30 < 10 {
            if significant > 0 || s[i] != 0x30 {
                if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(s[i] &- 0x30) } else { exponent += 1 }
                significant += 1
            }
            digits += 1
            i += 1
        }
        if i < n, s[i] == 0x2E { // .
            i += 1
            while i < n, s[i] &- 0x30 < 10 {
                if significant > 0 || s[i] != 0x30 {
                    if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(s[i] &- 0x30); exponent -= 1 }
                    significant += 1
                } else {
                    exponent -= 1
                }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return .syntax }
        if i < n, s[i] | 0x20 == 0x65 { // e E
            i += 1
            var negativeExponent = false
            if i < n, s[i] == 0x2B || s[i] == 0x2D { negativeExponent = s[i] == 0x2D; i += 1 }
            var exponentDigits = 0
            var written = 0
            while i < n, s[i] &- 0x30 < 10 {
                if written < 100_000 { written = written * 10 + Int(s[i] &- 0x30) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return .syntax }
            exponent += negativeExponent ? -written : written
        }
        guard i == n else { return .syntax }
        // Clinger's fast path: with at most 15 significant digits and |exponent| <= 22 both
        // operands are exact Doubles, so one IEEE multiplication or division rounds correctly.
        // It covers nearly every value exporters write and avoids a String and strtod.
        if significant <= 15, exponent >= -22, exponent <= 22 {
            var scale = 1.0
            var k = exponent < 0 ? -exponent : exponent
            while k > 0 { scale *= 10; k -= 1 }
            let d = exponent < 0 ? Double(mantissa) / scale : Double(mantissa) * scale
            return .value(negative ? -d : d)
        }
        // Otherwise: the syntax is a subset of what strtod accepts, and Swift's conversion rounds correctly.
        guard let d = Double(String(decoding: buffer, as: UTF8.self)) else { return .syntax }
        // Go reports overflow as an error (ErrRange) but rounds underflow to zero silently.
        return d.isInfinite ? .range : .value(d)
    }

    static func parseFloat(_ s: String) -> Double? {
        var s = s
        if case .value(let d) = s.withUTF8({ parseFloat($0) }) { return d }
        return nil
    }

    /// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, no overflow.
    static func parseInt64(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if let first = s.first, first == 0x2B || first == 0x2D {
            negative = first == 0x2D
            i = 1
        }
        guard i < s.count else { return nil }
        var magnitude: UInt64 = 0
        while i < s.count {
            let d = s[i] &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            magnitude = a
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    private static func isCaseless(_ s: UnsafeBufferPointer<UInt8>, from start: Int, _ word: StaticString) -> Bool {
        guard s.count - start == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where s[start + k] | 0x20 != w[k] { return false }
        return true
    }
}

// MARK: - Parser
//
// Debug builds matter here (the tool's tests and quick runs use them), and at -Onone
// every call, generic algorithm and copy of a struct holding references costs: hence
// the byte-level work sits in `Line`, which holds no references, hot loops test bytes
// inline, and series are told apart by a digest of their raw bytes rather than by
// hashing and sorting their strings.

/// Where a histogram's or summary's part of a sample goes, decided by its name.
private enum Role {
    case plain, bucket, sum, count, quantile
}

/// Where a label sits in its sample and on its line, and a digest of its raw bytes.
private struct LabelSpan {
    var index: Int
    var name: Int
    var value: Int
    var digest: UInt64
}

/// Byte ranges of a label's name and raw (still escaped) value.
private struct RawLabel {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
}

/// The labels of the previous sample with labels, whose Strings a sample spelling a label
/// the same way reuses: consecutive samples mostly share label names and many values.
private struct LabelMemory {
    var labels: [PromLabel] = []
    /// Valid up to `labels.count`; never shrunk, to spare reallocations.
    var raw: [RawLabel] = []
}

/// What `parseLabels` learnt beyond the labels: the digest of the whole set and
/// where the labels that histograms and summaries check are.
private struct LabelScan {
    var end = 0
    var digest: UInt64 = 0
    var le: LabelSpan?
    var quantile: LabelSpan?
}

/// A series (or a histogram's label set without `le`) as a dictionary key.
///
/// The digest adds up per-label digests, so label order does not matter, as it
/// does not for Prometheus. Raw label bytes are a faithful key because the format
/// allows exactly one spelling of each value (`"`, `\` and newline must be escaped,
/// nothing else may be).
private struct SetKey: Hashable {
    var digest: UInt64
    var name: String
    var labels: [PromLabel]

    func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    static func == (a: SetKey, b: SetKey) -> Bool {
        guard a.digest == b.digest, a.name == b.name, a.labels.count == b.labels.count else { return false }
        var i = 0
        while i < a.labels.count {
            guard let j = labelIndex(a.labels[i].name, in: b.labels), b.labels[j].value == a.labels[i].value else { return false }
            i += 1
        }
        return true
    }
}

/// FNV-1a over `b[s..<e]`, a separator, and `b[s2..<e2]`, then a finalizer so that sums of digests stay well spread.
private func digest(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ s2: Int = 0, _ e2: Int = 0) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    var i = s
    while i < e {
        h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3
        i += 1
    }
    h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3 // no UTF-8 byte is 0xFF: names and values cannot run together
    i = s2
    while i < e2 {
        h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3
        i += 1
    }
    h ^= h >> 33
    h = h &* 0xFF51_AFD7_ED55_8CCD
    return h ^ (h >> 33)
}

/// A position remembered for an error that can only be detected later (at the end of a family).
private struct Mark {
    var line: Int
    var lineStart: Int
    var offset: Int
}

/// Checks of one histogram label set (all labels but `le`) while its family is being read.
private struct BucketRun {
    var lastLe: Double?
    var lastLeText = ""
    var lastCount: Double?
    var infCount: Double?
    var count: Double?
    var lastSample: Mark
    var labels: [PromLabel]
}

private struct FamilyMeta {
    var line: Int
    var typeLine: Int?
    var helpLine: Int?
    var firstSampleLine: Int?
}

/// The line being parsed: its bytes and the token-level syntax.
private struct Line {
    let b: UnsafePointer<UInt8>
    var number = 0
    var start = 0
    var end = 0

    func skipBlanks(_ p: Int) -> Int {
        var p = p
        while p < end, b[p] == 0x20 || b[p] == 0x09 { p += 1 }
        return p
    }

    func tokenEnd(_ p: Int) -> Int {
        var p = p
        while p < end, b[p] != 0x20, b[p] != 0x09 { p += 1 }
        return p
    }

    /// End of the metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or label name (no `:`) at `p`; `p` when there is none.
    func nameEnd(_ p: Int, metric: Bool) -> Int {
        guard p < end else { return p }
        let first = b[p]
        guard (first | 0x20) &- 0x61 < 26 || first == 0x5F || (metric && first == 0x3A) else { return p }
        var e = p + 1
        while e < end {
            let c = b[e]
            guard (c | 0x20) &- 0x61 < 26 || c &- 0x30 < 10 || c == 0x5F || (metric && c == 0x3A) else { break }
            e += 1
        }
        return e
    }

    func slice(_ s: Int, _ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: b + s, count: e - s)
    }

    func string(_ s: Int, _ e: Int) -> String {
        String(decoding: slice(s, e), as: UTF8.self)
    }

    /// Whether `b[s..<e]` holds the same bytes as `b[s2..<e2]`.
    func same(_ s: Int, _ e: Int, _ s2: Int, _ e2: Int) -> Bool {
        e - s == e2 - s2 && memcmp(b + s, b + s2, e - s) == 0
    }

    func hasSuffix(_ s: Int, _ e: Int, _ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard e - s > n else { return false }
        let tail = suffix.utf8Start
        var k = 0
        while k < n, b[e - n + k] == tail[k] { k += 1 }
        return k == n
    }

    /// Reads `name="value"` pairs up to and including `}`, recording their byte ranges in `raw`.
    ///
    /// Blanks are tested inline before calling `skipBlanks`, since there rarely are any.
    func parseLabels(after open: Int, into labels: inout [PromLabel], raw: inout [RawLabel],
                     previous: LabelMemory) throws(PromParseError) -> LabelScan {
        var scan = LabelScan()
        var p = open
        while true {
            if p < end, b[p] == 0x20 || b[p] == 0x09 { p = skipBlanks(p) }
            if p < end, b[p] == 0x7D { // } (also after a trailing comma)
                scan.end = p + 1
                return scan
            }
            let ns = p
            let ne = nameEnd(ns, metric: false)
            if ne == ns { throw error(at: p, "expected a label name or '}'") }
            let i = labels.count
            let before: RawLabel? = i < previous.labels.count ? previous.raw[i] : nil
            var name: String
            if let before, same(ns, ne, before.nameStart, before.nameEnd) {
                name = previous.labels[i].name
            } else {
                name = string(ns, ne)
            }
            if labelIndex(name, in: labels) != nil { throw error(at: ns, "duplicate label name \"\(name)\"") }
            p = ne
            if p < end, b[p] == 0x20 || b[p] == 0x09 { p = skipBlanks(p) }
            guard p < end, b[p] == 0x3D else { // =
                throw error(at: p, "expected '=' after label name \"\(name)\"")
            }
            p += 1
            if p < end, b[p] == 0x20 || b[p] == 0x09 { p = skipBlanks(p) }
            guard p < end, b[p] == 0x22 else { // "
                throw error(at: p, "expected '\"' to start the value of label \"\(name)\"")
            }
            let close = try closingQuote(p)
            let span = LabelSpan(index: i, name: ns, value: p + 1, digest: digest(b, ns, ne, p + 1, close))
            scan.digest = scan.digest &+ span.digest
            if ne - ns == 2, b[ns] == 0x6C, b[ns + 1] == 0x65 { scan.le = span } // le
            if ne - ns == 8, name == "quantile" { scan.quantile = span }
            var value: String
            if let before, same(p + 1, close, before.valueStart, before.valueEnd) {
                value = previous.labels[i].value
            } else {
                value = try unescape(p + 1, close, help: false)
            }
            labels.append(PromLabel(name: name, value: value))
            let here = RawLabel(nameStart: ns, nameEnd: ne, valueStart: p + 1, valueEnd: close)
            if i < raw.count { raw[i] = here } else { raw.append(here) }
            p = close + 1
            if p < end, b[p] == 0x20 || b[p] == 0x09 { p = skipBlanks(p) }
            guard p < end else { throw error(at: p, "expected ',' or '}' after the value of label \"\(name)\"") }
            switch b[p] {
            case 0x2C: p += 1 // ,
            case 0x7D:
                scan.end = p + 1
                return scan
            default: throw error(at: p, "expected ',' or '}' after the value of label \"\(name)\"")
            }
        }
    }

    /// The position of the quote closing the label value opened at `open`, skipping escaped quotes.
    func closingQuote(_ open: Int) throws(PromParseError) -> Int {
        var p = open + 1
        while p < end {
            switch b[p] {
            case 0x22: return p
            case 0x5C: p += 2 // the escape itself is checked by unescape
            default: p += 1
            }
        }
        throw error(at: open, "unterminated label value; expected a closing '\"'")
    }

    /// Decodes `\\`, `\n` and `\"`; any other escape is an error.
    ///
    /// HELP text also takes `\"`: the format only names `\\` and `\n` there, but Go's expfmt
    /// (used by node_exporter's textfile collector) accepts it, so writers may rely on it.
    func unescape(_ s: Int, _ e: Int, help: Bool) throws(PromParseError) -> String {
        var p = s
        while p < e, b[p] != 0x5C { p += 1 }
        if p == e { return string(s, e) }
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        out.append(contentsOf: slice(s, p))
        while p < e {
            let c = b[p]
            guard c == 0x5C else { out.append(c); p += 1; continue }
            let next: UInt8? = p + 1 < e ? b[p + 1] : nil
            switch next {
            case 0x5C: out.append(0x5C)
            case 0x6E: out.append(0x0A)
            case 0x22: out.append(0x22)
            case nil: throw error(at: p, "backslash at the end of the \(help ? "HELP text" : "label value"); write \\\\ for a backslash")
            default:
                throw error(at: p, "invalid escape sequence \\\(character(at: p + 1)) in \(help ? "HELP text" : "label value"); only \\\\, \\\" and \\n are allowed")
            }
            p += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The whole UTF-8 character starting at `p`, for messages.
    func character(at p: Int) -> String {
        var e = p + 1
        while e < end, b[e] & 0xC0 == 0x80 { e += 1 }
        return string(p, e)
    }

    func quotedChar(at p: Int) -> String {
        p < end ? "'\(character(at: p))'" : "end of line"
    }

    func mark(_ p: Int) -> Mark { Mark(line: number, lineStart: start, offset: p) }

    func error(at p: Int, _ message: String) -> PromParseError {
        error(at: mark(p), message)
    }

    /// Columns count characters, not bytes, so they match what an editor shows.
    func error(at mark: Mark, _ message: String) -> PromParseError {
        var column = 1
        for i in mark.lineStart..<mark.offset where b[i] & 0xC0 != 0x80 { column += 1 }
        return PromParseError(line: mark.line, column: column, message: message)
    }
}

private struct TextParser {
    let count: Int
    var cur: Line

    var families: [PromFamily] = []
    var meta: [FamilyMeta] = []
    var familyIndex: [String: Int] = [:]
    /// Which family each sample name went to, to catch a family reappearing under a member name.
    var sampleOwner: [String: Int] = [:]
    var seriesLine: [SetKey: Int] = [:]

    // The current family is always the last one; these describe it.
    var bucketName = "", sumName = "", countName = "", totalName = ""
    var runByLabels: [SetKey: Int] = [:]
    var runs: [BucketRun] = []

    /// The previous sample's name and where its bytes are, so a family's samples share one String
    /// and the family checks run once per name rather than once per sample.
    var lastName = ""
    var lastNameStart = 0
    var lastNameEnd = 0
    var lastNameDigest: UInt64 = 0
    var lastNameRole: Role?
    var previousLabels = LabelMemory()
    var raw: [RawLabel] = []

    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.count = count
        cur = Line(b: base)
        // About one series per 60 bytes in real expositions; growing the table rehashes every key.
        seriesLine.reserveCapacity(count / 60)
    }

    mutating func run() throws(PromParseError) -> [PromFamily] {
        let n = count
        let b = cur.b
        var pos = 0
        while pos < n {
            var e = n
            if let newline = memchr(b + pos, 0x0A, n - pos) { e = UnsafeRawPointer(b).distance(to: newline) }
            cur.number += 1
            cur.start = pos
            cur.end = e
            if e - pos > PrometheusText.maxLineBytes {
                throw cur.error(at: pos, "line is \(e - pos) bytes, over the limit of \(PrometheusText.maxLineBytes)")
            }
            if e > pos, b[e - 1] == 0x0D {
                throw cur.error(at: e - 1, "carriage return at end of line; lines must end with \\n alone")
            }
            let p = cur.skipBlanks(pos)
            if p < e {
                if b[p] == 0x23 { // #
                    try parseComment(after: p + 1)
                } else {
                    try parseSample(at: p)
                }
            }
            pos = e + 1
        }
        try closeFamily()
        return families
    }

    // MARK: Lines

    mutating func parseComment(after hash: Int) throws(PromParseError) {
        // As in Prometheus' lexer, only "#" followed by a blank can start HELP or TYPE.
        let line = cur
        let b = line.b
        guard hash < line.end, b[hash] == 0x20 || b[hash] == 0x09 else { return }
        let k = line.skipBlanks(hash)
        let ke = line.tokenEnd(k)
        guard ke - k == 4 else { return }
        let isHelp = b[k] == 0x48 && b[k + 1] == 0x45 && b[k + 2] == 0x4C && b[k + 3] == 0x50 // HELP
        let isType = b[k] == 0x54 && b[k + 1] == 0x59 && b[k + 2] == 0x50 && b[k + 3] == 0x45 // TYPE
        guard isHelp || isType else { return }
        let keyword = isHelp ? "HELP" : "TYPE"
        let ns = line.skipBlanks(ke)
        let ne = line.nameEnd(ns, metric: true)
        if ne == ns { throw line.error(at: ns, "expected a metric name after \(keyword)") }
        if ne < line.end, b[ne] != 0x20, b[ne] != 0x09 {
            throw line.error(at: ne, "unexpected \(line.quotedChar(at: ne)) in metric name after \(keyword)")
        }
        let name = line.string(ns, ne)
        let ts = line.skipBlanks(ne)
        if isHelp {
            let help = try line.unescape(ts, line.end, help: true)
            try addMetadata(name, at: ns, nameEnd: ne, help: help, type: nil)
            return
        }
        let te = line.tokenEnd(ts)
        if ts == te {
            throw line.error(at: ts, "expected a metric type after \"\(name)\" (counter, gauge, histogram, summary or untyped)")
        }
        guard let type = PromMetricType(rawValue: line.string(ts, te)) else {
            throw line.error(at: ts, "unknown metric type \"\(line.string(ts, te))\"; expected counter, gauge, histogram, summary or untyped")
        }
        let rest = line.skipBlanks(te)
        if rest < line.end { throw line.error(at: rest, "unexpected text after the metric type; expected end of line") }
        try addMetadata(name, at: ns, nameEnd: ne, help: nil, type: type)
    }

    mutating func parseSample(at start: Int) throws(PromParseError) {
        let line = cur
        // Most samples repeat the previous sample's name: compare bytes before scanning the name.
        var ne = start + lastNameEnd - lastNameStart
        let repeated = lastNameEnd > lastNameStart && ne <= line.end && line.same(start, ne, lastNameStart, lastNameEnd)
            && (ne == line.end || !isMetricNameByte(line.b[ne]))
        if !repeated {
            ne = line.nameEnd(start, metric: true)
            if ne == start {
                throw line.error(at: start, "expected a metric name, a comment or a blank line, found \(line.quotedChar(at: start))")
            }
            lastName = line.string(start, ne)
            lastNameDigest = digest(line.b, start, ne)
            lastNameRole = nil
        }
        lastNameStart = start
        lastNameEnd = ne
        let name = lastName
        var p = line.skipBlanks(ne)
        var labels: [PromLabel] = []
        var scan = LabelScan()
        if p < line.end, line.b[p] == 0x7B { // {
            labels.reserveCapacity(max(4, previousLabels.labels.count)) // growing one at a time reallocates
            scan = try line.parseLabels(after: p + 1, into: &labels, raw: &raw, previous: previousLabels)
            previousLabels.labels = labels
            swap(&previousLabels.raw, &raw)
            p = line.skipBlanks(scan.end)
        } else if p == ne, p < line.end {
            throw line.error(at: p, "unexpected \(line.quotedChar(at: p)) after metric name; expected '{' or a blank")
        }
        if p == line.end { throw line.error(at: p, "expected a value after \"\(name)\"") }
        let vs = p
        let ve = line.tokenEnd(vs)
        let value: Double
        switch GoNumber.parseFloat(line.slice(vs, ve)) {
        case .value(let d): value = d
        case .syntax:
            throw line.error(at: vs, "invalid value \"\(line.string(vs, ve))\"; expected a float such as 1, -2.5e3, NaN or +Inf")
        case .range:
            throw line.error(at: vs, "value \"\(line.string(vs, ve))\" is out of range of a 64-bit float")
        }
        var timestamp: Int64?
        p = line.skipBlanks(ve)
        if p < line.end {
            let te = line.tokenEnd(p)
            guard let t = GoNumber.parseInt64(line.slice(p, te)) else {
                throw line.error(at: p, "invalid timestamp \"\(line.string(p, te))\"; expected an integer number of milliseconds")
            }
            timestamp = t
            let rest = line.skipBlanks(te)
            if rest < line.end { throw line.error(at: rest, "unexpected text after the timestamp; expected end of line") }
        }
        let role: Role
        if repeated, let known = lastNameRole {
            role = known
        } else {
            role = try assignFamily(name, namePos: start, nameEnd: ne)
            lastNameRole = role
        }
        try addSample(PromSample(name: name, labels: labels, value: value, timestampMs: timestamp), role: role,
                      namePos: start, valuePos: vs, scan: scan)
    }

    // MARK: Families

    mutating func addMetadata(_ name: String, at pos: Int, nameEnd: Int, help: String?, type: PromMetricType?) throws(PromParseError) {
        let what = type == nil ? "HELP" : "TYPE"
        let index: Int
        if let i = familyIndex[name] {
            guard i == families.count - 1 else {
                throw cur.error(at: pos, "\(what) line for \"\(name)\", whose family already ended (it started on line \(meta[i].line)); a family's lines must be contiguous")
            }
            index = i
        } else {
            if let owner = sampleOwner[name] {
                throw cur.error(at: pos, "\(what) line for \"\(name)\" after samples of that name (family \"\(families[owner].name)\", line \(meta[owner].line))")
            }
            try checkNotReopening(name, at: pos, nameEnd: nameEnd)
            try startFamily(name)
            index = families.count - 1
        }
        if let type {
            if let first = meta[index].typeLine {
                throw cur.error(at: pos, "second TYPE line for \"\(name)\" (the first is on line \(first))")
            }
            if let first = meta[index].firstSampleLine {
                throw cur.error(at: pos, "TYPE line for \"\(name)\" after its samples (the first is on line \(first))")
            }
            families[index].type = type
            meta[index].typeLine = cur.number
            switch type {
            case .histogram: (bucketName, sumName, countName) = (name + "_bucket", name + "_sum", name + "_count")
            case .summary: (sumName, countName) = (name + "_sum", name + "_count")
            case .counter: totalName = name + "_total"
            case .gauge, .untyped: break
            }
        } else {
            if let first = meta[index].helpLine {
                throw cur.error(at: pos, "second HELP line for \"\(name)\" (the first is on line \(first))")
            }
            families[index].help = help
            meta[index].helpLine = cur.number
        }
        lastNameRole = nil // a TYPE line can change what the next sample's name means
    }

    /// Files a sample name under the current family or starts a new one; returns the sample's role there.
    mutating func assignFamily(_ name: String, namePos: Int, nameEnd: Int) throws(PromParseError) -> Role {
        var role: Role?
        if let family = families.last {
            switch family.type {
            case .histogram:
                if name == bucketName { role = .bucket }
                else if name == sumName { role = .sum }
                else if name == countName { role = .count }
                else if name == family.name {
                    throw cur.error(at: namePos, "sample \"\(name)\" in histogram family \"\(family.name)\"; expected \(bucketName), \(sumName) or \(countName)")
                }
            case .summary:
                if name == family.name { role = .quantile }
                else if name == sumName { role = .sum }
                else if name == countName { role = .count }
            case .counter:
                // Prometheus also files `foo_total` under `# TYPE foo counter` (OpenMetrics-style naming).
                if name == family.name || name == totalName { role = .plain }
            case .gauge, .untyped:
                if name == family.name { role = .plain }
            }
        }
        if role == nil {
            if let owner = sampleOwner[name] {
                throw cur.error(at: namePos, "\"\(name)\" reappears after other families; its family \"\(families[owner].name)\" started on line \(meta[owner].line) and a family's samples must be contiguous")
            }
            if let i = familyIndex[name] {
                throw cur.error(at: namePos, "\"\(name)\" reappears after other families; its family started on line \(meta[i].line) and a family's samples must be contiguous")
            }
            try checkNotReopening(name, at: namePos, nameEnd: nameEnd)
            try startFamily(name)
            role = .plain
        }
        let fi = families.count - 1
        if let owner = sampleOwner.updateValue(fi, forKey: name), owner != fi {
            throw cur.error(at: namePos, "\"\(name)\" already appeared as a family of its own on line \(meta[owner].line); it cannot also belong to \(families[fi].type.rawValue) family \"\(families[fi].name)\"")
        }
        return role!
    }

    mutating func addSample(_ sample: PromSample, role: Role, namePos: Int, valuePos: Int,
                            scan: LabelScan) throws(PromParseError) {
        let fi = families.count - 1
        let key = SetKey(digest: lastNameDigest &+ scan.digest, name: sample.name, labels: sample.labels)
        if let first = seriesLine.updateValue(cur.number, forKey: key) {
            throw cur.error(at: namePos, "duplicate series \(sample.name)\(renderLabels(sample.labels)) (first on line \(first))")
        }

        switch role {
        case .plain:
            break
        case .bucket:
            guard let le = scan.le else {
                throw cur.error(at: namePos, "histogram bucket \"\(sample.name)\" has no \"le\" label")
            }
            try checkBucket(sample, le: le.index, labelsDigest: scan.digest &- le.digest, namePos: namePos,
                            valuePos: valuePos, lePos: le.value)
        case .sum where families[fi].type == .histogram, .count where families[fi].type == .histogram:
            if let le = scan.le {
                throw cur.error(at: le.name, "\"le\" label on \"\(sample.name)\"; only \(bucketName) samples take it")
            }
            let r = run(SetKey(digest: scan.digest, name: "", labels: sample.labels), namePos: namePos)
            runs[r].lastSample = cur.mark(namePos)
            if role == .count, !sample.value.isNaN {
                runs[r].count = sample.value
                if let inf = runs[r].infCount, !inf.isNaN, inf != sample.value {
                    throw cur.error(at: valuePos, "\(sample.name) is \(sample.value) but the le=\"+Inf\" bucket is \(inf); they must be equal")
                }
            }
        case .quantile:
            guard let q = scan.quantile else {
                throw cur.error(at: namePos, "summary sample \"\(sample.name)\" has no \"quantile\" label")
            }
            let text = sample.labels[q.index].value
            guard let v = GoNumber.parseFloat(text), v >= 0, v <= 1 else {
                throw cur.error(at: q.value, "quantile=\"\(text)\" is not a float between 0 and 1")
            }
        case .sum, .count: // of a summary
            if let q = scan.quantile {
                throw cur.error(at: q.name, "\"quantile\" label on \"\(sample.name)\"; only \(families[fi].name) samples take it")
            }
        }
        if meta[fi].firstSampleLine == nil { meta[fi].firstSampleLine = cur.number }
        families[fi].samples.append(sample)
    }

    mutating func checkBucket(_ sample: PromSample, le: Int, labelsDigest: UInt64,
                              namePos: Int, valuePos: Int, lePos: Int) throws(PromParseError) {
        let leText = sample.labels[le].value
        guard let bound = GoNumber.parseFloat(leText), !bound.isNaN else {
            throw cur.error(at: lePos, "le=\"\(leText)\" is not a float")
        }
        var others = sample.labels
        others.remove(at: le)
        let i = run(SetKey(digest: labelsDigest, name: "", labels: others), namePos: namePos)
        if let previous = runs[i].lastLe, bound <= previous {
            throw cur.error(at: lePos, "bucket le=\"\(leText)\" is not above the previous bucket's le=\"\(runs[i].lastLeText)\"; buckets must be in increasing order")
        }
        if let previous = runs[i].lastCount, sample.value < previous {
            throw cur.error(at: valuePos, "cumulative count \(sample.value) of bucket le=\"\(leText)\" is below the previous bucket's \(previous)")
        }
        runs[i].lastLe = bound
        runs[i].lastLeText = leText
        runs[i].lastSample = cur.mark(namePos)
        if !sample.value.isNaN { runs[i].lastCount = sample.value }
        if bound == .infinity {
            runs[i].infCount = sample.value
            if let count = runs[i].count, !sample.value.isNaN, count != sample.value {
                throw cur.error(at: valuePos, "le=\"+Inf\" bucket is \(sample.value) but \(countName) is \(count); they must be equal")
            }
        }
    }

    /// The histogram run of one label set (without `le`), created on first use.
    mutating func run(_ key: SetKey, namePos: Int) -> Int {
        if let i = runByLabels[key] { return i }
        runByLabels[key] = runs.count
        runs.append(BucketRun(lastSample: cur.mark(namePos), labels: key.labels))
        return runs.count - 1
    }

    /// Refuses a name that is a member of an earlier histogram, summary or counter family,
    /// which would split that family in two.
    func checkNotReopening(_ name: String, at pos: Int, nameEnd: Int) throws(PromParseError) {
        let line = cur
        let cut: Int
        let owners: (PromMetricType, PromMetricType)
        if line.hasSuffix(pos, nameEnd, "_bucket") {
            (cut, owners) = (7, (.histogram, .histogram))
        } else if line.hasSuffix(pos, nameEnd, "_sum") {
            (cut, owners) = (4, (.histogram, .summary))
        } else if line.hasSuffix(pos, nameEnd, "_count") {
            (cut, owners) = (6, (.histogram, .summary))
        } else if line.hasSuffix(pos, nameEnd, "_total") {
            (cut, owners) = (6, (.counter, .counter))
        } else {
            return
        }
        let base = line.string(pos, nameEnd - cut)
        if let i = familyIndex[base], families[i].type == owners.0 || families[i].type == owners.1 {
            throw cur.error(at: pos, "\"\(name)\" belongs to the \(families[i].type.rawValue) family \"\(base)\" (line \(meta[i].line)); a family's lines must be contiguous")
        }
    }

    mutating func startFamily(_ name: String) throws(PromParseError) {
        try closeFamily()
        familyIndex[name] = families.count
        families.append(PromFamily(name: name, type: .untyped))
        meta.append(FamilyMeta(line: cur.number))
    }

    /// Checks what can only be checked once a family is complete.
    mutating func closeFamily() throws(PromParseError) {
        guard !runs.isEmpty else { return }
        defer {
            runs.removeAll(keepingCapacity: true)
            runByLabels.removeAll(keepingCapacity: true)
        }
        for run in runs where run.infCount == nil {
            throw cur.error(at: run.lastSample, "histogram \"\(families[families.count - 1].name)\"\(renderLabels(run.labels)) has no le=\"+Inf\" bucket")
        }
    }
}

private func isMetricNameByte(_ c: UInt8) -> Bool {
    (c | 0x20) &- 0x61 < 26 || c &- 0x30 < 10 || c == 0x5F || c == 0x3A
}

private func labelIndex(_ name: String, in labels: [PromLabel]) -> Int? {
    var i = 0
    while i < labels.count {
        if labels[i].name == name { return i }
        i += 1
    }
    return nil
}

/// `{a="1",b="x\"y"}` with values escaped as in the format, or "" without labels.
func renderLabels(_ labels: [PromLabel]) -> String {
    guard !labels.isEmpty else { return "" }
    var out = "{"
    for (i, label) in labels.enumerated() {
        if i > 0 { out += "," }
        out += label.name
        out += "=\""
        for ch in label.value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        out += "\""
    }
    return out + "}"
}
