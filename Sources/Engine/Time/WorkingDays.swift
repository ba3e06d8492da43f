internal import Foundation

/// A number of working days (Monday to Friday, not a bank holiday).
public struct WorkingDays: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public let count: Int
    public init(_ count: Int) { self.count = count }
    public static func < (a: WorkingDays, b: WorkingDays) -> Bool { a.count < b.count }
    public var description: String { count == 1 ? "1 working day" : "\(count) working days" }
}

/// A calendar day, without a time or a zone.
public struct CalendarDay: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int
    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// The date as GOV.UK writes it for people: `9 February 2027`.
    public var inWords: String { "\(day) \(Self.monthNames[month - 1]) \(year)" }

    /// Parses `YYYY-MM-DD`; nil when it is not a real date.
    /// Read byte by byte: every date field of every event is checked with it.
    public init?(_ text: String) {
        var digits = (0, 0, 0), position = 0
        for byte in text.utf8 {
            defer { position += 1 }
            switch position {
            case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
            case 0..<10:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                let digit = Int(byte - UInt8(ascii: "0"))
                if position < 4 { digits.0 = digits.0 * 10 + digit } else if position < 7 { digits.1 = digits.1 * 10 + digit } else { digits.2 = digits.2 * 10 + digit }
            default: return nil
            }
        }
        let (y, m, d) = digits
        guard position == 10, (1...12).contains(m), d >= 1, d <= CalendarDay.daysIn(month: m, year: y) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    /// YYYY-MM-DD, padded as `%04d-%02d-%02d` pads, without Foundation's formatter (a page of
    /// actions writes hundreds of dates).
    public var description: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else { return String(format: "%04d-%02d-%02d", year, month, day) }
        func padded(_ n: Int, _ width: Int) -> String { let digits = String(n); return String(repeating: "0", count: width - digits.count) + digits }
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day `ordinal` days after 1970-01-01.
    public init(ordinal: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// The day `n` calendar days later.
    public func adding(days n: Int) -> CalendarDay { CalendarDay(ordinal: ordinal + n) }

    /// Monday is 1 … Sunday is 7.
    public var isoWeekday: Int { ((ordinal % 7) + 7 + 3) % 7 + 1 }
    /// Whether it is a Saturday or Sunday.
    public var isWeekend: Bool { isoWeekday >= 6 }
}
