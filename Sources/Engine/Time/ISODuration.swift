internal import Foundation

/// An ISO 8601 duration such as `P1Y`, `P6M`, `P2W`, `P10DT12H` or `PT30M`.
///
/// Years, months, weeks and days are calendar units: `P1Y` from 29 February ends on
/// 28 February, `P1M` from 31 January ends on the last day of February.
public struct ISODuration: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var years = 0, months = 0, weeks = 0, days = 0
    public var hours = 0, minutes = 0, seconds = 0
    /// The text it was parsed from.
    public let text: String

    /// Parses an ISO 8601 duration; nil when `text` is not one.
    public init?(_ text: String) {
        self.text = text
        let chars = Array(text)
        guard chars.count >= 2, chars[0] == "P" else { return nil }
        var i = 1
        var inTime = false
        var sawAny = false
        var lastUnitRank = -1
        while i < chars.count {
            if chars[i] == "T" {
                guard !inTime, i + 1 < chars.count else { return nil }
                inTime = true
                i += 1
                continue
            }
            var digits = ""
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { digits.append(chars[i]); i += 1 }
            guard !digits.isEmpty, digits.count <= 6, let value = Int(digits), i < chars.count else { return nil }
            let unit = chars[i]
            i += 1
            let rank: Int
            switch (inTime, unit) {
            case (false, "Y"): years = value; rank = 0
            case (false, "M"): months = value; rank = 1
            case (false, "W"): weeks = value; rank = 2
            case (false, "D"): days = value; rank = 3
            case (true, "H"): hours = value; rank = 4
            case (true, "M"): minutes = value; rank = 5
            case (true, "S"): seconds = value; rank = 6
            default: return nil
            }
            guard rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            sawAny = true
        }
        guard sawAny else { return nil }
    }

    public var description: String { text }
}
