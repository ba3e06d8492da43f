public import Foundation

/// Errors about dates and the working-day calendar.
public enum CalendarError: Error, Equatable, Sendable, LocalizedError {
    /// A date outside the years the bank-holiday data covers.
    case outsideCalendar(date: String, from: String, to: String)
    /// A calendar file that cannot be read.
    case invalidCalendar(String)

    public var code: String {
        switch self {
        case .outsideCalendar: return "date-outside-calendar"
        case .invalidCalendar: return "invalid-calendar"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .outsideCalendar(let date, let from, let to):
            return "\(date) is outside the bank-holiday calendar, which covers \(from) to \(to); working days cannot be counted there. Add the later years' bank holidays to the calendar file."
        case .invalidCalendar(let why): return "The bank-holiday calendar cannot be read: \(why)"
        }
    }
}

/// Counts working days: Monday to Friday, less the bank holidays of one calendar.
///
/// A date beyond the calendar's years is refused rather than guessed.
public struct WorkingDayCalendar: Sendable, Equatable {
    /// The calendar's key, e.g. "england-and-wales".
    public let key: String
    /// The first and last day the holiday list covers.
    public let coversFrom: CalendarDay, coversTo: CalendarDay
    /// The bank holidays, with their names.
    public let holidays: [CalendarDay: String]
    /// The bank holidays as day numbers, and the days covered: what counting working days
    /// looks at, one integer comparison a day.
    private let holidayOrdinals: Set<Int>
    private let coveredOrdinals: ClosedRange<Int>?

    public init(key: String, coversFrom: CalendarDay, coversTo: CalendarDay, holidays: [CalendarDay: String]) {
        self.key = key
        self.coversFrom = coversFrom
        self.coversTo = coversTo
        self.holidays = holidays
        holidayOrdinals = Set(holidays.keys.map(\.ordinal))
        coveredOrdinals = coversFrom.ordinal <= coversTo.ordinal ? coversFrom.ordinal...coversTo.ordinal : nil
    }

    /// Loads a calendar file (`Workflows/calendars/*.json`).
    public init(json: JSONValue) throws {
        guard let key = json["key"]?.stringValue,
              let from = json["coversFrom"]?.stringValue.flatMap(CalendarDay.init),
              let to = json["coversTo"]?.stringValue.flatMap(CalendarDay.init),
              let list = json["holidays"]?.arrayValue else {
            throw CalendarError.invalidCalendar("it needs key, coversFrom, coversTo and holidays")
        }
        var holidays: [CalendarDay: String] = [:]
        for item in list {
            guard let day = item["date"]?.stringValue.flatMap(CalendarDay.init) else {
                throw CalendarError.invalidCalendar("a holiday has no valid date")
            }
            holidays[day] = item["title"]?.stringValue ?? "Bank holiday"
        }
        self.init(key: key, coversFrom: from, coversTo: to, holidays: holidays)
    }

    /// Whether `day` is covered by the holiday data.
    public func covers(_ day: CalendarDay) -> Bool { day >= coversFrom && day <= coversTo }

    /// Whether `day` is a working day.
    /// - Throws: ``CalendarError/outsideCalendar(date:from:to:)`` beyond the data.
    public func isWorkingDay(_ day: CalendarDay) throws -> Bool {
        guard covers(day) else { throw CalendarError.outsideCalendar(date: day.description, from: coversFrom.description, to: coversTo.description) }
        return !day.isWeekend && holidays[day] == nil
    }

    /// The day that is `days` working days after `day` (`day` itself does not count).
    public func adding(_ days: WorkingDays, to day: CalendarDay) throws -> CalendarDay {
        // By day number: a day's weekday and whether it is a holiday without making a date of
        // it (every logged action counts its tolerance, every working-day timer its delay).
        var current = day.ordinal
        var remaining = days.count
        while remaining > 0 {
            current += 1
            guard let covered = coveredOrdinals, covered.contains(current) else {
                throw CalendarError.outsideCalendar(date: CalendarDay(ordinal: current).description, from: coversFrom.description, to: coversTo.description)
            }
            if ((current % 7) + 7 + 3) % 7 < 5 && !holidayOrdinals.contains(current) { remaining -= 1 }
        }
        return CalendarDay(ordinal: current)
    }

    /// ``adding(_:to:)`` a day at a time through ``isWorkingDay(_:)``: the reference it is checked against.
    public func addingDayByDay(_ days: WorkingDays, to day: CalendarDay) throws -> CalendarDay {
        var current = day
        var remaining = days.count
        while remaining > 0 {
            current = current.adding(days: 1)
            if try isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Working days from `start` to `end`: how many working days fall after `start`, up to and including `end`.
    public func workingDays(from start: CalendarDay, to end: CalendarDay) throws -> WorkingDays {
        guard start < end else { return WorkingDays(0) }
        var count = 0
        var current = start
        while current < end {
            current = current.adding(days: 1)
            if try isWorkingDay(current) { count += 1 }
        }
        return WorkingDays(count)
    }
}
