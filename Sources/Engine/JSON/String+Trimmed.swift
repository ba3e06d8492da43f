public import Foundation

extension String {
    /// The text without white space or line breaks at either end, as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives it, but the text itself, untouched
    /// and without Foundation's bridging, when neither end has any: the common case, and an
    /// import trims every field of every row.
    public var trimmed: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if Self.isPlainEnd(first) && Self.isPlainEnd(last) { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The text without spaces or tabs at either end, as `trimmingCharacters(in: .whitespaces)`
    /// gives it, without Foundation when neither end has any (every notification's `{{field}}`
    /// and every list in an imported row is trimmed so).
    public var trimmedOfSpaces: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if Self.isPlainEnd(first) && Self.isPlainEnd(last) { return self }
        return trimmingCharacters(in: .whitespaces)
    }

    /// Whether a scalar is printable ASCII other than a space: never trimmed.
    private static func isPlainEnd(_ s: Unicode.Scalar) -> Bool { s.value > 0x20 && s.value < 0x7F }

    /// Whether any Character is a newline, as `contains(where: \.isNewline)` finds, read on the
    /// bytes when the text is ASCII (every field of every start and import row is checked so).
    public var hasNewline: Bool {
        for byte in utf8 {
            if byte >= 0x80 { return hasNewlineByCharacters }
            if byte >= 0x0A && byte <= 0x0D { return true }
        }
        return false
    }

    /// Whether the text holds an invisible control character: a C0 control (NUL, escape...),
    /// DEL or a C1 control; tab, and line breaks when `allowingLineBreaks`, are text. Such
    /// characters came in through names and titles and were printed raw to terminals (an
    /// escape sequence in an organisation's name recoloured everyone's `org list`).
    public func hasControlCharacter(allowingLineBreaks: Bool) -> Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte < 0x20 {
                if byte == 0x09 { previous = byte; continue }
                if allowingLineBreaks && (byte == 0x0A || byte == 0x0D) { previous = byte; continue }
                return true
            }
            if byte == 0x7F { return true }
            // C1 controls, U+0080 to U+009F, are 0xC2 0x80...0x9F in UTF-8.
            if previous == 0xC2 && byte >= 0x80 && byte <= 0x9F { return true }
            previous = byte
        }
        return false
    }

    /// The text on one line: every run of line breaks (CR, LF, and the Unicode ones: NEL,
    /// U+2028, U+2029, vertical tab, form feed) and the spaces around it becomes one space.
    /// An email's subject is made so: a question's line breaks, put in a subject, started new
    /// header lines ("Bcc: ..."), and the mail went where the text said.
    public var onOneLine: String {
        guard hasNewline else { return self }
        return split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The words for a refusal of text holding one: what to do about it.
    public static let controlCharacterProblem = "holds an invisible control character (such as a NUL or an escape); type it again without it"

    /// The same, Character by Character: the reference the fast path is checked against.
    public var hasNewlineByCharacters: Bool { contains(where: \.isNewline) }

    /// Whether the text has more than `limit` Characters, counting Characters only when its
    /// bytes alone do not settle it (no text has more Characters than UTF-8 bytes, and ASCII
    /// has exactly as many but for CR LF, one Character of two bytes).
    public func hasMoreCharacters(than limit: Int) -> Bool {
        let bytes = utf8.count
        if bytes <= limit { return false }
        if utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) { return true }
        return count > limit
    }
}
