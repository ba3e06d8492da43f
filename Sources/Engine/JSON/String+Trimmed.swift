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
}
