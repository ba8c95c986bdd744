// A strict parser of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Strict so that a broken exporter is reported where it breaks instead of
// yielding silently wrong plots; lenient only where Prometheus' own parsers
// (model/textparse and common/expfmt) accept what real exporters write.

/// The type a `# TYPE` line gives a metric family; families without one are `untyped`.
public enum PromMetricType: String, Sendable {
    case counter, gauge, histogram, summary, untyped
}

/// One label of a sample, its value already unescaped.
public struct PromLabel: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

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
    public var value: Double
    /// Milliseconds since the epoch, when the exporter stamped the sample itself.
    public var timestampMs: Int64?

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
    public var name: String
    public var type: PromMetricType
    /// Unescaped; nil when the family has no HELP line.
    public var help: String?
    public var samples: [PromSample]

    public init(name: String, type: PromMetricType, help: String? = nil, samples: [PromSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}

/// Why an exposition was refused, and where: 1-based line and column (in characters) of the offending token.
public struct PromParseError: Error, CustomStringConvertible, Equatable {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

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
                var parser = TextParser(bytes)
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
    static func parseFloat(_ s: UnsafeBufferPointer<UInt8>) -> Float {
        let n = s.count
        guard n > 0 else { return .syntax }
        var i = 0
        var negative = false
        if s[0] == 0x2B || s[0] == 0x2D { // + -
            negative = s[0] == 0x2D
            i = 1
        }
        if isCaseless(s, from: i, "inf") || isCaseless(s, from: i, "infinity") {
            return .value(negative ? -.infinity : .infinity)
        }
        if i == 0 && isCaseless(s, from: 0, "nan") { return .value(.nan) }

        // [digits][.digits][e[sign]digits], with at least one mantissa digit.
        var digits = 0
        var integer: UInt64 = 0
        while i < n, s[i] &- 0x30 < 10 {
            if digits < 19 { integer = integer &* 10 &+ UInt64(s[i] &- 0x30) }
            digits += 1
            i += 1
        }
        let simple = i == n && digits > 0 && digits <= 15
        if simple {
            // Exact in a Double, and the common case in real expositions.
            let d = Double(integer)
            return .value(negative ? -d : d)
        }
        if i < n, s[i] == 0x2E { // .
            i += 1
            while i < n, s[i] &- 0x30 < 10 { digits += 1; i += 1 }
        }
        guard digits > 0 else { return .syntax }
        if i < n, s[i] | 0x20 == 0x65 { // e E
            i += 1
            if i < n, s[i] == 0x2B || s[i] == 0x2D { i += 1 }
            var exponentDigits = 0
            while i < n, s[i] &- 0x30 < 10 { exponentDigits += 1; i += 1 }
            guard exponentDigits > 0 else { return .syntax }
        }
        guard i == n else { return .syntax }
        // The syntax is now a subset of what strtod accepts, and Swift's conversion rounds correctly.
        guard let d = Double(String(decoding: s, as: UTF8.self)) else { return .syntax }
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

private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

private func isNameStart(_ c: UInt8, metric: Bool) -> Bool {
    (c | 0x20) &- 0x61 < 26 || c == 0x5F || (metric && c == 0x3A) // letter _ :
}

private func isNameChar(_ c: UInt8, metric: Bool) -> Bool {
    isNameStart(c, metric: metric) || c &- 0x30 < 10
}

/// Where a histogram's or summary's part of a sample goes, decided by its name.
private enum Role {
    case plain, bucket, sum, count, quantile
    /// A histogram family's own name used as a sample name, which no histogram has.
    case bareHistogram
}

private struct SeriesKey: Hashable {
    var name: String
    /// Sorted by name, because `{a="1",b="2"}` and `{b="2",a="1"}` are one series.
    var labels: [PromLabel]
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

private struct TextParser {
    let b: UnsafeBufferPointer<UInt8>
    var line = 0
    var lineStart = 0
    var lineEnd = 0

    var families: [PromFamily] = []
    var meta: [FamilyMeta] = []
    var familyIndex: [String: Int] = [:]
    /// Which family each sample name went to, to catch a family reappearing under a member name.
    var sampleOwner: [String: Int] = [:]
    var seriesLine: [SeriesKey: Int] = [:]

    // The current family is always the last one; these describe it.
    var bucketName = "", sumName = "", countName = "", totalName = ""
    var runByLabels: [[PromLabel]: Int] = [:]
    var runs: [BucketRun] = []

    /// The previous sample's name and its bytes, so consecutive samples of a family share one String.
    var lastName = ""
    var lastNameRange = 0..<0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    mutating func run() throws(PromParseError) -> [PromFamily] {
        let n = b.count
        var pos = 0
        while pos < n {
            line += 1
            lineStart = pos
            var e = pos
            while e < n, b[e] != 0x0A { e += 1 }
            lineEnd = e
            if e - pos > PrometheusText.maxLineBytes {
                throw error(at: pos, "line is \(e - pos) bytes, over the limit of \(PrometheusText.maxLineBytes)")
            }
            if e > pos, b[e - 1] == 0x0D {
                throw error(at: e - 1, "carriage return at end of line; lines must end with \\n alone")
            }
            try parseLine()
            pos = e + 1
        }
        try closeFamily()
        return families
    }

    // MARK: Lines

    mutating func parseLine() throws(PromParseError) {
        let p = skipBlanks(lineStart)
        if p == lineEnd { return }
        if b[p] == 0x23 { // #
            try parseComment(after: p + 1)
        } else {
            try parseSample(at: p)
        }
    }

    mutating func parseComment(after hash: Int) throws(PromParseError) {
        // As in Prometheus' lexer, only "#" followed by a blank can start HELP or TYPE.
        guard hash < lineEnd, isBlank(b[hash]) else { return }
        let k = skipBlanks(hash)
        let ke = tokenEnd(k)
        let keyword = string(k, ke)
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        let ns = skipBlanks(ke)
        let ne = nameEnd(ns, metric: true)
        if ne == ns { throw error(at: ns, "expected a metric name after \(keyword)") }
        if ne < lineEnd, !isBlank(b[ne]) {
            throw error(at: ne, "unexpected \(quotedChar(at: ne)) in metric name after \(keyword)")
        }
        let name = string(ns, ne)
        let ts = skipBlanks(ne)
        if keyword == "HELP" {
            let help = try unescape(ts, lineEnd, what: "HELP text")
            try addMetadata(name, at: ns, help: help, type: nil)
            return
        }
        let te = tokenEnd(ts)
        if ts == te {
            throw error(at: ts, "expected a metric type after \"\(name)\" (counter, gauge, histogram, summary or untyped)")
        }
        guard let type = PromMetricType(rawValue: string(ts, te)) else {
            throw error(at: ts, "unknown metric type \"\(string(ts, te))\"; expected counter, gauge, histogram, summary or untyped")
        }
        let rest = skipBlanks(te)
        if rest < lineEnd { throw error(at: rest, "unexpected text after the metric type; expected end of line") }
        try addMetadata(name, at: ns, help: nil, type: type)
    }

    mutating func parseSample(at start: Int) throws(PromParseError) {
        let ne = nameEnd(start, metric: true)
        if ne == start {
            throw error(at: start, "expected a metric name, a comment or a blank line, found \(quotedChar(at: start))")
        }
        let name = internedName(start, ne)
        var p = skipBlanks(ne)
        var labels: [PromLabel] = []
        var labelPositions: [(name: Int, value: Int)] = []
        if p < lineEnd, b[p] == 0x7B { // {
            p = skipBlanks(try parseLabels(after: p + 1, into: &labels, positions: &labelPositions))
        } else if p == ne, p < lineEnd {
            throw error(at: p, "unexpected \(quotedChar(at: p)) after metric name; expected '{' or a blank")
        }
        if p == lineEnd { throw error(at: p, "expected a value after \"\(name)\"") }
        let vs = p
        let ve = tokenEnd(vs)
        let value: Double
        switch GoNumber.parseFloat(slice(vs, ve)) {
        case .value(let d): value = d
        case .syntax:
            throw error(at: vs, "invalid value \"\(string(vs, ve))\"; expected a float such as 1, -2.5e3, NaN or +Inf")
        case .range:
            throw error(at: vs, "value \"\(string(vs, ve))\" is out of range of a 64-bit float")
        }
        var timestamp: Int64?
        p = skipBlanks(ve)
        if p < lineEnd {
            let te = tokenEnd(p)
            guard let t = GoNumber.parseInt64(slice(p, te)) else {
                throw error(at: p, "invalid timestamp \"\(string(p, te))\"; expected an integer number of milliseconds")
            }
            timestamp = t
            let rest = skipBlanks(te)
            if rest < lineEnd { throw error(at: rest, "unexpected text after the timestamp; expected end of line") }
        }
        try addSample(PromSample(name: name, labels: labels, value: value, timestampMs: timestamp),
                      namePos: start, valuePos: vs, labelPositions: labelPositions)
    }

    /// Reads `name="value"` pairs up to and including `}`; returns the position after it.
    func parseLabels(after open: Int, into labels: inout [PromLabel],
                     positions: inout [(name: Int, value: Int)]) throws(PromParseError) -> Int {
        var p = open
        while true {
            p = skipBlanks(p)
            if p < lineEnd, b[p] == 0x7D { return p + 1 } // } (also after a trailing comma)
            let ns = p
            let ne = nameEnd(ns, metric: false)
            if ne == ns { throw error(at: p, "expected a label name or '}'") }
            let name = string(ns, ne)
            if labels.contains(where: { $0.name == name }) {
                throw error(at: ns, "duplicate label name \"\(name)\"")
            }
            p = skipBlanks(ne)
            guard p < lineEnd, b[p] == 0x3D else { // =
                throw error(at: p, "expected '=' after label name \"\(name)\"")
            }
            p = skipBlanks(p + 1)
            guard p < lineEnd, b[p] == 0x22 else { // "
                throw error(at: p, "expected '\"' to start the value of label \"\(name)\"")
            }
            let close = try closingQuote(p)
            labels.append(PromLabel(name: name, value: try unescape(p + 1, close, what: "label value")))
            positions.append((ns, p + 1))
            p = skipBlanks(close + 1)
            guard p < lineEnd else { throw error(at: p, "expected ',' or '}' after the value of label \"\(name)\"") }
            switch b[p] {
            case 0x2C: p += 1 // ,
            case 0x7D: return p + 1
            default: throw error(at: p, "expected ',' or '}' after the value of label \"\(name)\"")
            }
        }
    }

    /// The position of the quote closing the label value opened at `open`, skipping escaped quotes.
    func closingQuote(_ open: Int) throws(PromParseError) -> Int {
        var p = open + 1
        while p < lineEnd {
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
    func unescape(_ s: Int, _ e: Int, what: String) throws(PromParseError) -> String {
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
            case nil: throw error(at: p, "backslash at the end of the \(what); write \\\\ for a backslash")
            default:
                throw error(at: p, "invalid escape sequence \\\(character(at: p + 1)) in \(what); only \\\\, \\\" and \\n are allowed")
            }
            p += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Families

    mutating func addMetadata(_ name: String, at pos: Int, help: String?, type: PromMetricType?) throws(PromParseError) {
        let what = type == nil ? "HELP" : "TYPE"
        let index: Int
        if let i = familyIndex[name] {
            guard i == families.count - 1 else {
                throw error(at: pos, "\(what) line for \"\(name)\", whose family already ended (it started on line \(meta[i].line)); a family's lines must be contiguous")
            }
            index = i
        } else {
            if let owner = sampleOwner[name] {
                throw error(at: pos, "\(what) line for \"\(name)\" after samples of that name (family \"\(families[owner].name)\", line \(meta[owner].line))")
            }
            try checkNotReopening(name, at: pos)
            try startFamily(name)
            index = families.count - 1
        }
        if let type {
            if let first = meta[index].typeLine {
                throw error(at: pos, "second TYPE line for \"\(name)\" (the first is on line \(first))")
            }
            if let first = meta[index].firstSampleLine {
                throw error(at: pos, "TYPE line for \"\(name)\" after its samples (the first is on line \(first))")
            }
            families[index].type = type
            meta[index].typeLine = line
        } else {
            if let first = meta[index].helpLine {
                throw error(at: pos, "second HELP line for \"\(name)\" (the first is on line \(first))")
            }
            families[index].help = help
            meta[index].helpLine = line
        }
    }

    mutating func addSample(_ sample: PromSample, namePos: Int, valuePos: Int,
                            labelPositions: [(name: Int, value: Int)]) throws(PromParseError) {
        var role = families.isEmpty ? nil : role(of: sample.name)
        if role == nil {
            if let owner = sampleOwner[sample.name] {
                throw error(at: namePos, "\"\(sample.name)\" reappears after other families; its family \"\(families[owner].name)\" started on line \(meta[owner].line) and a family's samples must be contiguous")
            }
            if let i = familyIndex[sample.name] {
                throw error(at: namePos, "\"\(sample.name)\" reappears after other families; its family started on line \(meta[i].line) and a family's samples must be contiguous")
            }
            try checkNotReopening(sample.name, at: namePos)
            try startFamily(sample.name)
            role = .plain
        }
        let fi = families.count - 1
        // Only name and type: holding the family itself would make the append below copy all its samples.
        let (familyName, familyType) = (families[fi].name, families[fi].type)
        if let owner = sampleOwner[sample.name] {
            if owner != fi {
                throw error(at: namePos, "\"\(sample.name)\" already appeared as a family of its own on line \(meta[owner].line); it cannot also belong to \(familyType.rawValue) family \"\(familyName)\"")
            }
        } else {
            sampleOwner[sample.name] = fi
        }

        let sorted = sample.labels.count < 2 ? sample.labels : sample.labels.sorted { $0.name < $1.name }
        let key = SeriesKey(name: sample.name, labels: sorted)
        if let first = seriesLine[key] {
            throw error(at: namePos, "duplicate series \(sample.name)\(renderLabels(sample.labels)) (first on line \(first))")
        }
        seriesLine[key] = line

        func labelIndex(_ name: String) -> Int? { sample.labels.firstIndex { $0.name == name } }
        switch (familyType, role ?? .plain) {
        case (_, .plain):
            break
        case (_, .bareHistogram):
            throw error(at: namePos, "sample \"\(sample.name)\" in histogram family \"\(familyName)\"; expected \(bucketName), \(sumName) or \(countName)")
        case (.histogram, let part):
            let le = labelIndex("le")
            if part == .bucket {
                guard let le else { throw error(at: namePos, "histogram bucket \"\(sample.name)\" has no \"le\" label") }
                try checkBucket(sample, le: le, sortedLabels: sorted, namePos: namePos, valuePos: valuePos,
                                lePos: labelPositions[le].value)
            } else {
                if let le { throw error(at: labelPositions[le].name, "\"le\" label on \"\(sample.name)\"; only \(bucketName) samples take it") }
                let i = run(for: sorted, namePos: namePos)
                runs[i].lastSample = mark(namePos)
                if part == .count, !sample.value.isNaN {
                    runs[i].count = sample.value
                    if let inf = runs[i].infCount, !inf.isNaN, inf != sample.value {
                        throw error(at: valuePos, "\(sample.name) is \(sample.value) but the le=\"+Inf\" bucket is \(inf); they must be equal")
                    }
                }
            }
        case (.summary, let part):
            let q = labelIndex("quantile")
            if part == .quantile {
                guard let q else { throw error(at: namePos, "summary sample \"\(sample.name)\" has no \"quantile\" label") }
                let text = sample.labels[q].value
                guard let v = GoNumber.parseFloat(text), v >= 0, v <= 1 else {
                    throw error(at: labelPositions[q].value, "quantile=\"\(text)\" is not a float between 0 and 1")
                }
            } else if let q {
                throw error(at: labelPositions[q].name, "\"quantile\" label on \"\(sample.name)\"; only \(familyName) samples take it")
            }
        default:
            break
        }
        if meta[fi].firstSampleLine == nil { meta[fi].firstSampleLine = line }
        families[fi].samples.append(sample)
    }

    mutating func checkBucket(_ sample: PromSample, le: Int, sortedLabels: [PromLabel],
                              namePos: Int, valuePos: Int, lePos: Int) throws(PromParseError) {
        let leText = sample.labels[le].value
        guard let bound = GoNumber.parseFloat(leText), !bound.isNaN else {
            throw error(at: lePos, "le=\"\(leText)\" is not a float")
        }
        let i = run(for: sortedLabels.filter { $0.name != "le" }, namePos: namePos)
        if let previous = runs[i].lastLe, bound <= previous {
            throw error(at: lePos, "bucket le=\"\(leText)\" is not above the previous bucket's le=\"\(runs[i].lastLeText)\"; buckets must be in increasing order")
        }
        if let previous = runs[i].lastCount, sample.value < previous {
            throw error(at: valuePos, "cumulative count \(sample.value) of bucket le=\"\(leText)\" is below the previous bucket's \(previous)")
        }
        runs[i].lastLe = bound
        runs[i].lastLeText = leText
        runs[i].lastSample = mark(namePos)
        if !sample.value.isNaN { runs[i].lastCount = sample.value }
        if bound == .infinity {
            runs[i].infCount = sample.value
            if let count = runs[i].count, !sample.value.isNaN, count != sample.value {
                throw error(at: valuePos, "le=\"+Inf\" bucket is \(sample.value) but \(countName) is \(count); they must be equal")
            }
        }
    }

    /// The histogram run of one label set (without `le`), created on first use.
    mutating func run(for labels: [PromLabel], namePos: Int) -> Int {
        if let i = runByLabels[labels] { return i }
        runByLabels[labels] = runs.count
        runs.append(BucketRun(lastSample: mark(namePos), labels: labels))
        return runs.count - 1
    }

    /// Which part of the current family a sample named `name` is, or nil when it starts another family.
    func role(of name: String) -> Role? {
        let family = families[families.count - 1].name
        switch families[families.count - 1].type {
        case .histogram:
            if name == bucketName { return .bucket }
            if name == sumName { return .sum }
            if name == countName { return .count }
            return name == family ? .bareHistogram : nil
        case .summary:
            if name == family { return .quantile }
            if name == sumName { return .sum }
            return name == countName ? .count : nil
        case .counter:
            // Prometheus also files `foo_total` under `# TYPE foo counter` (OpenMetrics-style naming).
            return name == family || name == totalName ? .plain : nil
        case .gauge, .untyped:
            return name == family ? .plain : nil
        }
    }

    /// Refuses a name that is a member of an earlier histogram, summary or counter family,
    /// which would split that family in two.
    func checkNotReopening(_ name: String, at pos: Int) throws(PromParseError) {
        let members: [(String, [PromMetricType])] = [
            ("_bucket", [.histogram]), ("_sum", [.histogram, .summary]),
            ("_count", [.histogram, .summary]), ("_total", [.counter]),
        ]
        for (suffix, types) in members where name.utf8.count > suffix.utf8.count && name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let i = familyIndex[base], types.contains(families[i].type) {
                throw error(at: pos, "\"\(name)\" belongs to the \(families[i].type.rawValue) family \"\(base)\" (line \(meta[i].line)); a family's lines must be contiguous")
            }
        }
    }

    mutating func startFamily(_ name: String) throws(PromParseError) {
        try closeFamily()
        familyIndex[name] = families.count
        families.append(PromFamily(name: name, type: .untyped))
        meta.append(FamilyMeta(line: line))
        bucketName = name + "_bucket"
        sumName = name + "_sum"
        countName = name + "_count"
        totalName = name + "_total"
    }

    /// Checks what can only be checked once a family is complete.
    mutating func closeFamily() throws(PromParseError) {
        defer {
            runs.removeAll(keepingCapacity: true)
            runByLabels.removeAll(keepingCapacity: true)
        }
        guard let family = families.last, family.type == .histogram else { return }
        for run in runs where run.infCount == nil {
            let at = run.lastSample
            throw PromParseError(line: at.line, column: column(at.offset, lineStart: at.lineStart),
                                 message: "histogram \"\(family.name)\"\(renderLabels(run.labels)) has no le=\"+Inf\" bucket")
        }
    }

    // MARK: Bytes

    func skipBlanks(_ p: Int) -> Int {
        var p = p
        while p < lineEnd, isBlank(b[p]) { p += 1 }
        return p
    }

    func tokenEnd(_ p: Int) -> Int {
        var p = p
        while p < lineEnd, !isBlank(b[p]) { p += 1 }
        return p
    }

    func nameEnd(_ p: Int, metric: Bool) -> Int {
        guard p < lineEnd, isNameStart(b[p], metric: metric) else { return p }
        var e = p + 1
        while e < lineEnd, isNameChar(b[e], metric: metric) { e += 1 }
        return e
    }

    func slice(_ s: Int, _ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: b[s..<e])
    }

    func string(_ s: Int, _ e: Int) -> String {
        String(decoding: slice(s, e), as: UTF8.self)
    }

    mutating func internedName(_ s: Int, _ e: Int) -> String {
        let r = lastNameRange
        if r.count == e - s {
            var k = 0
            while k < r.count, b[r.lowerBound + k] == b[s + k] { k += 1 }
            if k == r.count { lastNameRange = s..<e; return lastName }
        }
        lastName = string(s, e)
        lastNameRange = s..<e
        return lastName
    }

    /// The whole UTF-8 character starting at `p`, for messages.
    func character(at p: Int) -> String {
        guard p < lineEnd else { return "end of line" }
        var e = p + 1
        while e < lineEnd, b[e] & 0xC0 == 0x80 { e += 1 }
        return string(p, e)
    }

    func quotedChar(at p: Int) -> String {
        p < lineEnd ? "'\(character(at: p))'" : "end of line"
    }

    func mark(_ p: Int) -> Mark { Mark(line: line, lineStart: lineStart, offset: p) }

    /// Columns count characters, not bytes, so they match what an editor shows.
    func column(_ p: Int, lineStart: Int) -> Int {
        var c = 1
        var i = lineStart
        while i < p {
            if b[i] & 0xC0 != 0x80 { c += 1 }
            i += 1
        }
        return c
    }

    func error(at p: Int, _ message: String) -> PromParseError {
        PromParseError(line: line, column: column(p, lineStart: lineStart), message: message)
    }
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
