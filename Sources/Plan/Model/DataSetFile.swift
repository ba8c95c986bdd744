import Foundation
import SwiftCSV

/// The rows of a data set, read from its file.
public struct DataTable: Sendable, Equatable {
    /// Variable names, in column order.
    public var columns: [String]
    /// One array of values per row, aligned with `columns`.
    public var rows: [[String]]
}

/// Why a data file could not be used.
public struct DataSetFailure: Error, Sendable, Equatable {
    public var message: String
}

/// Reads data-set files: CSV (header row = variable names) or one text per line.
public enum DataSetFile {
    /// Files larger than this are refused at validation rather than read into memory by surprise.
    public static let maxBytes = 256 * 1024 * 1024

    /// Resolves `spec.file` against `baseDirectory` and reads it whole.
    public static func read(_ spec: DataSetSpec, baseDirectory: String) -> Result<DataTable, DataSetFailure> {
        let path = spec.file.hasPrefix("/") ? spec.file : (baseDirectory as NSString).appendingPathComponent(spec.file)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            return .failure(DataSetFailure(message: "data file '\(spec.file)' not found (looked at \(path))"))
        }
        if (attributes[.size] as? Int ?? 0) > maxBytes {
            return .failure(DataSetFailure(message: "data file '\(spec.file)' is over \(maxBytes / 1_048_576) MiB"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DataSetFailure(message: "data file '\(spec.file)' cannot be read"))
        }
        guard var text = String(data: data, encoding: .utf8) else {
            return .failure(DataSetFailure(message: "data file '\(spec.file)' is not UTF-8 text"))
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        switch spec.format {
        case .lines: return .success(lines(text, variable: spec.variable))
        case .csv: return csv(text, delimiter: spec.delimiter, file: spec.file)
        }
    }

    /// Every non-empty line is one row (a line of spaces is kept: it is a text too).
    static func lines(_ text: String, variable: String) -> DataTable {
        let rows = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { [String($0.hasSuffix("\r") ? $0.dropLast() : $0)] }
            .filter { !$0[0].isEmpty }
        return DataTable(columns: [variable], rows: rows)
    }

    static func csv(_ text: String, delimiter: Character, file: String) -> Result<DataTable, DataSetFailure> {
        let table: CSV<Enumerated>
        do {
            table = try CSV<Enumerated>(string: text, delimiter: CSVDelimiter(unicodeScalarLiteral: delimiter), loadColumns: false)
        } catch {
            return .failure(DataSetFailure(message: "data file '\(file)' is not valid CSV: \(error)"))
        }
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !header.isEmpty, header.allSatisfy({ !$0.isEmpty }) else {
            return .failure(DataSetFailure(message: "data file '\(file)': the first row must name every column"))
        }
        if let bad = header.first(where: { !isIdentifier($0) }) {
            return .failure(DataSetFailure(message: "data file '\(file)': column '\(bad)' is not a variable name (letters, digits, _)"))
        }
        if let duplicate = header.first(where: { name in header.filter { $0 == name }.count > 1 }) {
            return .failure(DataSetFailure(message: "data file '\(file)': column '\(duplicate)' appears twice"))
        }
        var rows: [[String]] = []
        for (index, row) in table.rows.enumerated() {
            if row.count == 1 && row[0].isEmpty { continue }  // blank line
            guard row.count == header.count else {
                return .failure(DataSetFailure(
                    message: "data file '\(file)': row \(index + 1) has \(row.count) fields, the header has \(header.count)"))
            }
            rows.append(row)
        }
        return .success(DataTable(columns: header, rows: rows))
    }
}
