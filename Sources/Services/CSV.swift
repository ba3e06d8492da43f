public import Foundation

/// A CSV text that does not follow RFC 4180, with where.
public struct CSVError: Error, Equatable, Sendable, LocalizedError {
    /// 1-based line of the file where the problem is.
    public let line: Int
    public let message: String
    public var errorDescription: String? { "Line \(line): \(message)" }
}

/// RFC 4180 CSV: reading and writing, written here because the project takes no packages.
///
/// Fields are separated by commas and records by CRLF or LF; a field in double quotes may hold
/// commas, quotes (doubled) and line breaks. Checked against Python's `csv` module by
/// `Tests/proof/check_csv_peer.py`.
public enum CSV {
    /// One record with the file line it started on.
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    /// Parses a whole text into records. A byte-order mark is skipped; a trailing line break
    /// ends the last record rather than starting an empty one; a blank line is a record with
    /// no fields. A double quote inside unquoted text is kept as it is (as Python's csv does).
    public static func parse(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var field = ""
        var fields: [String] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedFieldClosed = false
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0
        func endField() {
            fields.append(field)
            field = ""
            quotedFieldClosed = false
        }
        func endRecord() {
            if fields.isEmpty && field.isEmpty && !quotedFieldClosed {
                records.append(Record(line: recordLine, fields: []))  // a blank line
                return
            }
            endField()
            records.append(Record(line: recordLine, fields: fields))
            fields = []
        }
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count, scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 2; continue }
                    inQuotes = false
                    quotedFieldClosed = true
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case ",":
                endField()
            case "\r":
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                if quotedFieldClosed {
                    throw CSVError(line: line, message: "text after a closing double quote; a quoted field must end at a comma or the end of the line")
                }
                // A quote opening a field starts a quoted field; inside unquoted text it is kept as it is.
                if field.isEmpty { inQuotes = true } else { field.unicodeScalars.append(c) }
            default:
                if quotedFieldClosed {
                    throw CSVError(line: line, message: "text after a closing double quote; a quoted field must end at a comma or the end of the line")
                }
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw CSVError(line: recordLine, message: "a double quote opened on this line is never closed") }
        if !field.isEmpty || !fields.isEmpty || quotedFieldClosed { endRecord() }
        return records
    }

    /// One field, quoted when it needs to be.
    public static func escape(_ field: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character and would match neither line end.
        let needs = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || field.hasPrefix(" ") || field.hasSuffix(" ")
        return needs ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    /// Records as RFC 4180 text, with CRLF line ends, every cell made safe for a spreadsheet
    /// (see ``spreadsheetSafe(_:)``).
    public static func write(_ rows: [[String]]) -> String {
        rows.map { $0.map { escape(spreadsheetSafe($0)) }.joined(separator: ",") + "\r\n" }.joined()
    }

    /// The characters that make a spreadsheet read a cell as a formula (or, for tab and
    /// carriage return, hide one): OWASP's list for CSV injection.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A cell a spreadsheet will show as text rather than run: one beginning with `=`, `+`,
    /// `-`, `@`, a tab or a carriage return gets a leading apostrophe (OWASP's advice), so
    /// `=HYPERLINK(...)` in an organisation's name arrives as the text `'=HYPERLINK(...)`.
    /// A plain number (`-3`, `+1.5`) is left as it is: a spreadsheet reads it as a number, not a formula.
    public static func spreadsheetSafe(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, formulaStarts.contains(first) else { return cell }
        if isPlainNumber(cell) { return cell }
        return "'" + cell
    }

    static func isPlainNumber(_ cell: String) -> Bool {
        var scalars = Substring(cell).unicodeScalars[...]
        if let sign = scalars.first, sign == "-" || sign == "+" { scalars = scalars.dropFirst() }
        let parts = String(scalars).split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && $0.isNumber })
    }
}
