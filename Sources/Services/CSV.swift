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
        var text = text
        try text.withUTF8 { bytes in
            try forEachRecord(in: UnsafeRawBufferPointer(bytes)) { record, _ in records.append(record) }
        }
        return records
    }

    /// Reads UTF-8 bytes one record at a time, as ``parse(_:)`` reads a text, handing each
    /// record to `body` with the offset of the byte after it, so a file of any size is read
    /// without holding its records (an import reads a mapped file twice this way: once to
    /// check, once to write).
    ///
    /// - Throws: ``CSVError`` naming the line, for text that is not RFC 4180 or not UTF-8.
    public static func forEachRecord(in bytes: UnsafeRawBufferPointer, _ body: (Record, _ endOffset: Int) throws -> Void) throws {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var field: [UInt8] = []
        field.reserveCapacity(256)
        var fields: [String] = []
        var line = 1, recordLine = 1
        var inQuotes = false, quotedFieldClosed = false
        let count = bytes.count
        var i = count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        func endField() throws {
            // ASCII (the common case) is decoded directly; anything else is checked as UTF-8.
            guard let text = field.allSatisfy({ $0 < 0x80 }) ? String(decoding: field, as: UTF8.self) : String(validating: field, as: UTF8.self) else {
                throw CSVError(line: line, message: "the text is not UTF-8; save the file as CSV UTF-8")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            quotedFieldClosed = false
        }
        func endRecord(at end: Int) throws {
            if fields.isEmpty && field.isEmpty && !quotedFieldClosed {
                try body(Record(line: recordLine, fields: []), end)  // a blank line
                return
            }
            try endField()
            let record = Record(line: recordLine, fields: fields)
            fields.removeAll(keepingCapacity: true)
            try body(record, end)
        }
        let afterQuote = "text after a closing double quote; a quoted field must end at a comma or the end of the line"
        while i < count {
            let c = bytes[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < count, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                    inQuotes = false
                    quotedFieldClosed = true
                } else {
                    if c == lf { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case comma:
                try endField()
            case cr:
                if i + 1 < count, bytes[i + 1] == lf { i += 1 }
                try endRecord(at: i + 1)
                line += 1
                recordLine = line
            case lf:
                try endRecord(at: i + 1)
                line += 1
                recordLine = line
            case quote:
                if quotedFieldClosed { throw CSVError(line: line, message: afterQuote) }
                // A quote opening a field starts a quoted field; inside unquoted text it is kept as it is.
                if field.isEmpty { inQuotes = true } else { field.append(c) }
            default:
                if quotedFieldClosed { throw CSVError(line: line, message: afterQuote) }
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw CSVError(line: recordLine, message: "a double quote opened on this line is never closed") }
        if !field.isEmpty || !fields.isEmpty || quotedFieldClosed { try endRecord(at: count) }
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
