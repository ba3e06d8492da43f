public import Foundation

/// A measure's figure (a baseline, target, tolerance or value) as a person types it: decimal
/// digits with an optional sign, decimal point and thousands commas ("1,250", "-3.5", ".5").
/// The one reading of typed figures for the web's forms and the CLI's options: Swift's own
/// `Double(_:)` also took "0x10" (as 16), "inf", "nan" and "1e309".
public enum MeasureFigure {
    /// The figure, or nil when the text is not a plain decimal number of finite size.
    public static func parse(_ text: String) -> Double? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        let negative = rest.first == "-"
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let halves = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = halves[0], fraction = halves.count > 1 ? halves[1] : ""
        let isDigits: (Substring) -> Bool = { $0.allSatisfy { ("0"..."9").contains($0) } }
        // Commas only between digits, as thousands are written: "1,250" yes; ",5", "5," and "1,,2" no.
        guard whole.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && isDigits($0) }) || whole.isEmpty,
              isDigits(fraction), !(whole.isEmpty && fraction.isEmpty),
              let magnitude = Double(whole.replacingOccurrences(of: ",", with: "") + (fraction.isEmpty ? "" : ".\(fraction)")),
              magnitude.isFinite else { return nil }
        return negative ? -magnitude : magnitude
    }
}
