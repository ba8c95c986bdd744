import Foundation

/// A JMeter CSV Data Set Config, read the way JMeter reads it and written again as the RFC 4180
/// CSV with a header row that a ttsload `data:` entry needs (docs/jmx-import.md, "CSV Data Set").
struct JMXDataSet {
    /// The ttsload data-set name (an identifier made from the file's name).
    var name: String
    /// Variable names, in column order.
    var columns: [String]
    /// The rewritten file's text (header row, then the rows).
    var csv: String
    /// `order` and `on_end` for the plan.
    var order: String
    var onEnd: String?
    var notes: [String] = []
    var approximated = false

    /// JMeter's data files are small; ttsload refuses data files over 256 MiB, and so does this.
    static let maxBytes = 256 * 1024 * 1024

    enum Failure: Error { case refused(String) }

    /// Reads `element` (a CSVDataSet) whose `filename` resolves (references expanded) to `file`.
    /// Relative names are taken from `baseDirectory` (the .jmx's folder, as JMeter does); a file
    /// outside that folder is refused unless `allowOutside`.
    static func read(_ element: JMXElement, file: String, baseDirectory: String, allowOutside: Bool,
                     value: (String) -> String?) throws(Failure) -> JMXDataSet {
        guard !file.isEmpty else { throw .refused("no filename") }
        let joined = file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
        let resolved = URL(fileURLWithPath: joined).standardizedFileURL.resolvingSymlinksInPath().path
        let base = URL(fileURLWithPath: baseDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        let inside = resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/")
        if !inside && !allowOutside {
            throw .refused("'\(file)' is outside the .jmx's folder (\(base)); pass --allow-outside-files to read it")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
              (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw .refused("'\(file)' (\(resolved)) is not a readable file")
        }
        if let size = attributes[.size] as? Int, size > maxBytes { throw .refused("'\(file)' is over 256 MiB") }
        guard let data = FileManager.default.contents(atPath: resolved) else { throw .refused("'\(file)' cannot be read") }

        let encoding = (value("fileEncoding") ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        let text: String?
        switch encoding {
        case "", "UTF-8", "UTF8": text = String(data: data, encoding: .utf8)
        case "ISO-8859-1", "ISO8859_1", "LATIN1": text = String(data: data, encoding: .isoLatin1)
        case "US-ASCII", "ASCII": text = String(data: data, encoding: .ascii)
        default: throw .refused("file encoding \(encoding) is not read by the importer (UTF-8, ISO-8859-1, US-ASCII)")
        }
        guard var content = text else { throw .refused("'\(file)' is not valid \(encoding.isEmpty ? "UTF-8" : encoding)") }
        if content.hasPrefix("\u{FEFF}") { content.removeFirst() }

        var delimiter = value("delimiter") ?? ","
        if delimiter == "\\t" { delimiter = "\t" }
        if delimiter.isEmpty { delimiter = "," }
        let quoted = element.bool("quotedData")
        var lines = content.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }

        var set = JMXDataSet(name: "", columns: [], csv: "", order: "sequential")
        let names = (value("variableNames") ?? "").trimmingCharacters(in: .whitespaces)
        if names.isEmpty {
            // JMeter takes the names from the file's first line.
            guard !lines.isEmpty else { throw .refused("'\(file)' is empty and no variable names are given") }
            set.columns = split(lines.removeFirst(), delimiter: delimiter, quoted: quoted).map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            set.columns = names.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if element.bool("ignoreFirstLine"), !lines.isEmpty { lines.removeFirst() }
        }
        for column in set.columns where !JMXReferences.isIdentifier(column) {
            throw .refused("variable name '\(column)' is not a ttsload variable name (letters, digits, _)")
        }
        guard Set(set.columns).count == set.columns.count else { throw .refused("a variable name is given twice") }

        var out = [set.columns.map(csvField).joined(separator: ",")]
        var blank = 0, ragged = 0
        for line in lines {
            if line.isEmpty { blank += 1; continue }
            var fields = split(line, delimiter: delimiter, quoted: quoted)
            if fields.count != set.columns.count {
                ragged += 1
                fields = Array((fields + Array(repeating: "", count: max(0, set.columns.count - fields.count))).prefix(set.columns.count))
            }
            out.append(fields.map(csvField).joined(separator: ","))
        }
        guard out.count > 1 else { throw .refused("'\(file)' has no data rows") }
        set.csv = out.joined(separator: "\n") + "\n"
        if blank > 0 { set.notes.append("\(blank) empty line\(blank == 1 ? "" : "s") left out") }
        if ragged > 0 {
            set.notes.append("\(ragged) row\(ragged == 1 ? "" : "s") with another field count than the \(set.columns.count) variables padded or cut (ttsload refuses ragged rows)")
            set.approximated = true
        }

        // Order: JMeter reads lines in turn. shareMode.all shares one cursor (ttsload's
        // `sequential`); per group or per thread cursors have no counterpart.
        let share = (value("shareMode") ?? "shareMode.all").trimmingCharacters(in: .whitespaces)
        if share != "shareMode.all" && !share.isEmpty {
            set.notes.append("sharing mode \(share): ttsload shares one cursor between all users (shareMode.all)")
            set.approximated = true
        }
        let recycle = element.property("recycle") == nil ? true : element.bool("recycle")
        let stopThread = element.bool("stopThread")
        if !recycle && stopThread {
            set.order = "unique"
            set.onEnd = "stop"
        } else if !recycle {
            set.notes.append("recycle off without stopping threads: JMeter sends <EOF> after the last row; ttsload starts again from the first")
            set.approximated = true
        }
        if quoted { set.notes.append("quoted fields read as JMeter's quotedData does") }
        return set
    }

    /// One line split at `delimiter`; with `quoted`, fields in double quotes may hold the
    /// delimiter and `""` stands for a quote (JMeter's quotedData).
    static func split(_ line: String, delimiter: String, quoted: Bool) -> [String] {
        guard quoted else { return line.components(separatedBy: delimiter) }
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let ch = line[index]
            if inQuotes {
                if ch == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" { current.append("\""); index = line.index(after: next); continue }
                    inQuotes = false
                } else {
                    current.append(ch)
                }
                index = line.index(after: index)
            } else if ch == "\"" {
                inQuotes = true
                index = line.index(after: index)
            } else if line[index...].hasPrefix(delimiter) {
                fields.append(current)
                current = ""
                index = line.index(index, offsetBy: delimiter.count)
            } else {
                current.append(ch)
                index = line.index(after: index)
            }
        }
        fields.append(current)
        return fields
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
