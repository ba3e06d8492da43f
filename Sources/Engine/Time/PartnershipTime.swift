public import Foundation

/// Calendar arithmetic in a partnership's time zone (Europe/London by default).
///
/// Deadlines fall at a local time of day, so a deadline "in 10 working days" lands on the
/// same wall-clock time across a change to or from British Summer Time.
public struct PartnershipTime: Sendable {
    public let timeZone: TimeZone
    public let workingDays: WorkingDayCalendar
    private let calendar: Calendar
    /// The zone's offsets, for arithmetic in place of Foundation's calendar where no change of
    /// offset is near (every timer a start sets, every deadline; the calendar took a twentieth
    /// of a logged action's time, behind a lock every thread shares).
    private let offsets: ZoneOffsets

    public init(timeZone: TimeZone, workingDays: WorkingDayCalendar) {
        self.timeZone = timeZone
        self.workingDays = workingDays
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        offsets = ZoneOffsets.of(timeZone)
    }

    /// The local calendar day of a moment.
    public func day(of moment: Date) -> CalendarDay {
        if let local = offsets.localSeconds(moment) { return CalendarDay(ordinal: Self.floorDiv(local.whole, 86_400)) }
        return dayByCalendar(of: moment)
    }

    /// ``day(of:)`` through Foundation's calendar: the reference the arithmetic is checked against.
    public func dayByCalendar(of moment: Date) -> CalendarDay {
        let c = calendar.dateComponents([.year, .month, .day], from: moment)
        return CalendarDay(year: c.year!, month: c.month!, day: c.day!)
    }

    /// The moment a local day starts, or another local time on it.
    public func moment(_ day: CalendarDay, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Date {
        if (1...9999).contains(day.year), (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
           let utc = offsets.utc(ofLocal: Int64(day.ordinal) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) {
            return Date(timeIntervalSince1970: TimeInterval(utc))
        }
        return momentByCalendar(day, hour: hour, minute: minute, second: second)
    }

    /// ``moment(_:hour:minute:second:)`` through Foundation's calendar: the reference the
    /// arithmetic is checked against, and the way near a change of offset.
    public func momentByCalendar(_ day: CalendarDay, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Date {
        let components = DateComponents(timeZone: timeZone, year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: second)
        // Foundation has no date for a year beyond its range: the far past or future stands in,
        // so a wild year from a request cannot stop the server (services refuse such years first).
        return calendar.date(from: components) ?? (day.year < 1 ? .distantPast : .distantFuture)
    }

    /// `moment` plus an ISO 8601 duration, with calendar units in local time.
    public func adding(_ duration: ISODuration, to moment: Date) -> Date {
        if let moved = addingCalendarUnits(years: duration.years, months: duration.months, days: duration.weeks * 7 + duration.days, to: moment) {
            return moved + TimeInterval(duration.hours * 3600 + duration.minutes * 60 + duration.seconds)
        }
        return addingByCalendar(duration, to: moment)
    }

    /// ``adding(_:to:)`` through Foundation's calendar: the reference the arithmetic is checked against.
    public func addingByCalendar(_ duration: ISODuration, to moment: Date) -> Date {
        var components = DateComponents()
        components.year = duration.years
        components.month = duration.months
        components.day = duration.weeks * 7 + duration.days
        var result = calendar.date(byAdding: components, to: moment, wrappingComponents: false) ?? moment
        result += TimeInterval(duration.hours * 3600 + duration.minutes * 60 + duration.seconds)
        return result
    }

    /// `moment` less an ISO 8601 duration, with calendar units in local time.
    public func subtracting(_ duration: ISODuration, from moment: Date) -> Date {
        if let moved = addingCalendarUnits(years: -duration.years, months: -duration.months, days: -(duration.weeks * 7 + duration.days), to: moment) {
            return moved - TimeInterval(duration.hours * 3600 + duration.minutes * 60 + duration.seconds)
        }
        return subtractingByCalendar(duration, from: moment)
    }

    /// ``subtracting(_:from:)`` through Foundation's calendar: the reference the arithmetic is checked against.
    public func subtractingByCalendar(_ duration: ISODuration, from moment: Date) -> Date {
        var components = DateComponents()
        components.year = -duration.years
        components.month = -duration.months
        components.day = -(duration.weeks * 7 + duration.days)
        var result = calendar.date(byAdding: components, to: moment, wrappingComponents: false) ?? moment
        result -= TimeInterval(duration.hours * 3600 + duration.minutes * 60 + duration.seconds)
        return result
    }

    /// `moment` plus working days, keeping its local time of day.
    public func adding(_ days: WorkingDays, to moment: Date) throws -> Date {
        if let local = offsets.localSeconds(moment) {
            let ordinal = Self.floorDiv(local.whole, 86_400)
            let inDay = Int(local.whole - Int64(ordinal) * 86_400)
            let target = try workingDays.adding(days, to: CalendarDay(ordinal: ordinal))
            return self.moment(target, hour: inDay / 3600, minute: inDay % 3600 / 60, second: inDay % 60)
        }
        let local = calendar.dateComponents([.hour, .minute, .second], from: moment)
        let target = try workingDays.adding(days, to: day(of: moment))
        return self.moment(target, hour: local.hour ?? 0, minute: local.minute ?? 0, second: local.second ?? 0)
    }

    /// `moment` moved by whole local days, by up to 11 months on, or by whole years (the day
    /// kept, or the month's last if it has fewer: 31 January and a month is 28 or 29 February),
    /// at the same local time of day, as Foundation's calendar moves it, worked out by
    /// arithmetic. Nil for days with months or years together (the calendar adds them one unit
    /// after another), for months back or a year's worth and more, near a change of offset and
    /// outside the years the zone's offsets are known for: there the calendar decides.
    func addingCalendarUnits(years: Int, months: Int, days: Int, to moment: Date) -> Date? {
        let monthsInAll = years * 12 + months
        // Months going back, or a year and more of them, are left to the calendar: it clamps
        // them by another year's February (29 March 2006 less 25 months is 28 February 2004).
        guard abs(days) <= 3_000_000, abs(years) <= 8_000, (0..<12).contains(months), days == 0 || monthsInAll == 0, years == 0 || months == 0,
              let local = offsets.localSeconds(moment) else { return nil }
        let ordinal = Self.floorDiv(local.whole, 86_400)
        let inDay = local.whole - Int64(ordinal) * 86_400
        var target = ordinal + days
        if monthsInAll != 0 {
            let day = CalendarDay(ordinal: ordinal)
            // Months counted from the start of year 0, so a year and month are one division.
            let counted = day.year * 12 + (day.month - 1) + monthsInAll
            let year = Self.floorDiv(Int64(counted), 12), month = counted - year * 12 + 1
            guard (1...9999).contains(year) else { return nil }
            target = CalendarDay(year: year, month: month, day: min(day.day, CalendarDay.daysIn(month: month, year: year))).ordinal
        }
        guard let utc = offsets.utc(ofLocal: Int64(target) * 86_400 + inDay),
              // Foundation keeps the local time across a change of summer time, but not across a
              // change of the zone's standard offset (Samoa's skipped day): that is its to decide.
              offsets.standard[local.stretch] == offsets.standard[offsets.stretch(utc)] else { return nil }
        // Moved by whole seconds, so the fraction of a second is the moment's own, to the bit.
        return moment.addingTimeInterval(TimeInterval(utc - (local.whole - local.offset)))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int { Int(a >= 0 ? a / b : (a - b + 1) / b) }

    /// Parses an ISO 8601 date (`2026-04-01`, meaning the start of that local day) or
    /// date-time (`2026-04-01T09:30:00Z`, `2026-04-01T09:30`, local when it has no offset).
    public func parse(_ text: String) -> Date? {
        if let day = CalendarDay(text) { return moment(day) }
        // Timestamps as the system writes them are read by arithmetic: Foundation's formatter
        // is built anew for each (it is not safe to share) and a list of escalations reads
        // thousands of them.
        if let moment = Self.internetMoment(text) { return moment }
        return parseByFormatter(text)
    }

    /// ``parse(_:)`` through Foundation's ISO 8601 formatter: the reference the arithmetic is
    /// checked against, and the reader of every form the arithmetic leaves alone.
    public func parseByFormatter(_ text: String) -> Date? {
        if let day = CalendarDay(text) { return moment(day) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let d = formatter.date(from: text) { return d }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: text) { return d }
        // A local date-time with no offset.
        let parts = text.split(separator: "T")
        if parts.count == 2, let day = CalendarDay(String(parts[0])) {
            let hms = parts[1].split(separator: ":").map { Int($0) }
            guard (2...3).contains(hms.count), hms.allSatisfy({ $0 != nil }) else { return nil }
            let h = hms[0]!, m = hms[1]!, s = hms.count == 3 ? hms[2]! : 0
            guard (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
            return moment(day, hour: h, minute: m, second: s)
        }
        return nil
    }

    /// An RFC 3339 timestamp in exactly the form the system writes, `YYYY-MM-DDTHH:MM:SS`,
    /// then `.mmm` or nothing, then `Z` or `±HH:MM`, worked out by arithmetic; nil for every
    /// other text (which ``parseByFormatter(_:)`` then reads, or refuses).
    static func internetMoment(_ text: String) -> Date? {
        var numbers = (year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, milliseconds: 0, offsetHours: 0, offsetMinutes: 0)
        var sign = 0, position = 0, zoneAt = 19
        func digit(_ byte: UInt8) -> Int? { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil }
        for byte in text.utf8 {
            defer { position += 1 }
            switch position {
            case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
            case 10: guard byte == UInt8(ascii: "T") else { return nil }
            case 13, 16: guard byte == UInt8(ascii: ":") else { return nil }
            case 0..<19:
                guard let d = digit(byte) else { return nil }
                switch position {
                case 0..<4: numbers.year = numbers.year * 10 + d
                case 5, 6: numbers.month = numbers.month * 10 + d
                case 8, 9: numbers.day = numbers.day * 10 + d
                case 11, 12: numbers.hour = numbers.hour * 10 + d
                case 14, 15: numbers.minute = numbers.minute * 10 + d
                default: numbers.second = numbers.second * 10 + d
                }
            case 19 where byte == UInt8(ascii: "."): zoneAt = 23
            case 20..<23 where zoneAt == 23:
                guard let d = digit(byte) else { return nil }
                numbers.milliseconds = numbers.milliseconds * 10 + d
            default:
                let at = position - zoneAt
                switch at {
                case 0:
                    if byte == UInt8(ascii: "Z") { sign = 0 } else if byte == UInt8(ascii: "+") { sign = 1 } else if byte == UInt8(ascii: "-") { sign = -1 } else { return nil }
                case 3: guard sign != 0, byte == UInt8(ascii: ":") else { return nil }
                case 1, 2:
                    guard sign != 0, let d = digit(byte) else { return nil }
                    numbers.offsetHours = numbers.offsetHours * 10 + d
                case 4, 5:
                    guard sign != 0, let d = digit(byte) else { return nil }
                    numbers.offsetMinutes = numbers.offsetMinutes * 10 + d
                default: return nil
                }
            }
        }
        guard position == zoneAt + (sign == 0 ? 1 : 6), numbers.year >= 1600, (1...12).contains(numbers.month), numbers.day >= 1,
              numbers.day <= CalendarDay.daysIn(month: numbers.month, year: numbers.year),
              numbers.hour < 24, numbers.minute < 60, numbers.second < 60, numbers.offsetHours < 24, numbers.offsetMinutes < 60 else { return nil }
        let day = CalendarDay(year: numbers.year, month: numbers.month, day: numbers.day)
        let seconds = day.ordinal * 86_400 + numbers.hour * 3600 + numbers.minute * 60 + numbers.second - sign * (numbers.offsetHours * 3600 + numbers.offsetMinutes * 60)
        return Date(timeIntervalSince1970: Double(seconds) + Double(numbers.milliseconds) / 1000)
    }

    /// A moment as an ISO 8601 UTC timestamp, e.g. `2026-11-24T09:00:00Z`, or with
    /// milliseconds (`2026-11-24T09:00:00.000Z`) where the moment must round-trip exactly.
    /// Worked out by arithmetic, and checked against ``timestampByFormatter(_:withMilliseconds:)``.
    public static func timestamp(_ moment: Date, withMilliseconds: Bool = false) -> String {
        let seconds = moment.timeIntervalSince1970
        guard seconds.isFinite, seconds > -11_676_096_000, seconds < 253_402_300_800 else { return timestampByFormatter(moment, withMilliseconds: withMilliseconds) }
        // Foundation's formatter writes the moment rounded to the nearest millisecond (and, without
        // milliseconds, that moment's whole second), worked out in this order in doubles.
        let total = Int(((moment.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let whole = total >= 0 ? total / 1000 : (total - 999) / 1000
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let inDay = whole - days * 86_400
        func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
        var text = CalendarDay(ordinal: days).description + "T" + two(inDay / 3600) + ":" + two(inDay % 3600 / 60) + ":" + two(inDay % 60)
        if withMilliseconds {
            let milliseconds = total - whole * 1000
            text += "." + (milliseconds < 100 ? "0" : "") + two(milliseconds)
        }
        return text + "Z"
    }

    /// ``timestamp(_:withMilliseconds:)`` through Foundation's formatter: the reference.
    public static func timestampByFormatter(_ moment: Date, withMilliseconds: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = withMilliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.string(from: moment)
    }

    /// A moment as ISO 8601 with the partnership's own offset, e.g. `2026-10-08T00:00:00+01:00`
    /// (or with milliseconds): what JSON for people and programs carries, so a time reads as the
    /// same day there as in the text beside it. (Digests and published reports keep
    /// ``timestamp(_:withMilliseconds:)``, in UTC.)
    ///
    /// Worked out from the zone's offset at that moment and the day count (every API response
    /// carries several; Foundation's calendar took a tenth of a write's time), and checked
    /// against ``localTimestampByCalendar(_:withMilliseconds:)``.
    public func localTimestamp(_ moment: Date, withMilliseconds: Bool = false) -> String {
        let offset = timeZone.secondsFromGMT(for: moment)
        let seconds = moment.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e11 else { return localTimestampByCalendar(moment, withMilliseconds: withMilliseconds) }
        let whole = Int(seconds.rounded(.down))
        let local = whole + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let inDay = local - days * 86_400
        let day = CalendarDay(ordinal: days)
        guard (0...9999).contains(day.year) else { return localTimestampByCalendar(moment, withMilliseconds: withMilliseconds) }
        func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
        var text = day.description + "T" + two(inDay / 3600) + ":" + two(inDay % 3600 / 60) + ":" + two(inDay % 60)
        if withMilliseconds {
            let milliseconds = Int((seconds * 1000).rounded(.down)) - whole * 1000
            text += "." + (milliseconds < 100 ? "0" : "") + two(milliseconds)
        }
        return text + (offset < 0 ? "-" : "+") + two(abs(offset) / 3600) + ":" + two(abs(offset) % 3600 / 60)
    }

    /// ``localTimestamp(_:withMilliseconds:)`` through Foundation's calendar: the reference the
    /// arithmetic is checked against.
    public func localTimestampByCalendar(_ moment: Date, withMilliseconds: Bool = false) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: moment)
        let offset = timeZone.secondsFromGMT(for: moment)
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if withMilliseconds {
            let milliseconds = Int((moment.timeIntervalSince1970 * 1000).rounded(.down)) - Int(moment.timeIntervalSince1970.rounded(.down)) * 1000
            text += String(format: ".%03d", milliseconds)
        }
        return text + String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 3600, abs(offset) % 3600 / 60)
    }

    /// A moment as GOV.UK writes it for people: `9 February 2027` at midnight, where only the
    /// day matters, else `9 February 2027 at 3:30pm`.
    public func inWords(_ moment: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute], from: moment)
        let day = self.day(of: moment).inWords
        guard let hour = c.hour, let minute = c.minute, hour != 0 || minute != 0 else { return day }
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        return day + " at \(twelve)" + (minute == 0 ? "" : String(format: ":%02d", minute)) + (hour < 12 ? "am" : "pm")
    }

    /// A deadline moment as the last day allowed: a timer due at the start of 10 February has
    /// the whole of 9 February before it, so "by 9 February 2027".
    public func deadlineInWords(_ moment: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute], from: moment)
        guard c.hour == 0 && c.minute == 0 else { return inWords(moment) }
        return day(of: moment.addingTimeInterval(-1)).inWords
    }

    /// A moment in local time for people, e.g. `2026-11-24 09:00 GMT`.
    public func display(_ moment: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
        // Foundation on Linux names British Summer Time "GMT+1"; people expect BST.
        let abbreviation = timeZone.identifier == "Europe/London"
            ? (timeZone.isDaylightSavingTime(for: moment) ? "BST" : "GMT")
            : (timeZone.abbreviation(for: moment) ?? timeZone.identifier)
        return String(format: "%04d-%02d-%02d %02d:%02d ", c.year!, c.month!, c.day!, c.hour!, c.minute!) + abbreviation
    }
}

/// A time zone's offsets from UTC, from the start of 1972 to the end of 2199, between the
/// zone's changes of offset as Foundation reports them; built once for each zone and checked
/// against Foundation when built (a zone whose offsets do not agree everywhere sampled is left
/// to Foundation's calendar altogether).
///
/// The arithmetic is used only where it cannot differ from the calendar: a local time is turned
/// into a moment only when no change of offset falls within 14 hours of it either way (so the
/// local time exists once, at that one offset); nearer a change, or outside the years, the
/// calendar decides as before.
final class ZoneOffsets: Sendable {
    /// Moments (seconds since 1970, UTC) at which the offset changes, in order.
    let changes: [Int64]
    /// The offset in force before `changes[0]`, then after each change: one more than `changes`.
    let offsets: [Int64]
    /// The zone's standard offset in each stretch (its offset less summer time).
    let standard: [Int64]
    let first: Int64, last: Int64

    /// The widest any zone's offset is from UTC, and more.
    static let margin: Int64 = 14 * 3600 + 60

    init?(_ zone: TimeZone, from: Int64, to: Int64) {
        func standardOffset(_ at: Date) -> Int64 { Int64(zone.secondsFromGMT(for: at)) - Int64(zone.daylightSavingTimeOffset(for: at)) }
        var changes: [Int64] = [], offsets: [Int64] = [Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(from))))]
        var standard = [standardOffset(Date(timeIntervalSince1970: TimeInterval(from)))]
        var at = Date(timeIntervalSince1970: TimeInterval(from))
        while let next = zone.nextDaylightSavingTimeTransition(after: at), next.timeIntervalSince1970 < TimeInterval(to) {
            let seconds = Int64(next.timeIntervalSince1970.rounded(.down))
            // Changes fall on whole seconds; anything else is not a zone this arithmetic knows.
            guard TimeInterval(seconds) == next.timeIntervalSince1970, seconds > (changes.last ?? from), changes.count < 10_000 else { return nil }
            changes.append(seconds)
            offsets.append(Int64(zone.secondsFromGMT(for: next)))
            standard.append(standardOffset(next))
            at = next
        }
        self.changes = changes; self.offsets = offsets; self.standard = standard; first = from; last = to
        // Checked where a missed change would show: just before and at each change, and in
        // the middle of every stretch between two.
        var samples: [Int64] = [from, to - 1]
        for (i, change) in changes.enumerated() {
            samples += [change - 1, change, change + 1]
            let previous = i == 0 ? from : changes[i - 1]
            samples.append(previous + (change - previous) / 2)
        }
        samples.append((changes.last ?? from) + (to - (changes.last ?? from)) / 2)
        for s in samples where offset(at: s) != Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(s)))) { return nil }
    }

    /// Where `seconds` falls among the changes: the index of the offset in force.
    func stretch(_ seconds: Int64) -> Int {
        var low = 0, high = changes.count
        while low < high {
            let middle = (low + high) / 2
            if changes[middle] <= seconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func offset(at seconds: Int64) -> Int64? {
        guard seconds >= first, seconds < last else { return nil }
        return offsets[stretch(seconds)]
    }

    /// A moment as whole local seconds since 1970, and the offset in force.
    func localSeconds(_ moment: Date) -> (whole: Int64, offset: Int64, stretch: Int)? {
        let t = moment.timeIntervalSince1970
        guard t.isFinite, t >= TimeInterval(first), t < TimeInterval(last) else { return nil }
        let whole = Int64(t.rounded(.down))
        let stretch = self.stretch(whole)
        return (whole + offsets[stretch], offsets[stretch], stretch)
    }

    /// The moment (UTC seconds) of a local time, when no change of offset is within 14 hours
    /// of it either way; nil otherwise.
    func utc(ofLocal local: Int64) -> Int64? {
        let before = local - Self.margin, after = local + Self.margin
        guard before >= first, after < last else { return nil }
        let stretch = self.stretch(before)
        guard stretch == self.stretch(after) else { return nil }
        return local - offsets[stretch]
    }

    /// The tables built so far, by zone.
    private final class Known: @unchecked Sendable {  // `tables` is read and written under `lock`
        let lock = NSLock()
        var tables: [String: ZoneOffsets] = [:]
    }
    private static let known = Known()

    /// The offsets of `zone` (built the first time it is asked for), or an empty table that
    /// leaves every question to the calendar.
    static func of(_ zone: TimeZone) -> ZoneOffsets {
        known.lock.lock()
        defer { known.lock.unlock() }
        if let built = known.tables[zone.identifier] { return built }
        // 1972: after British Standard Time's experiment, when the zones settled into changes
        // that Foundation reports as such.
        let built = ZoneOffsets(zone, from: 63_072_000, to: 7_258_118_400) ?? none
        known.tables[zone.identifier] = built
        return built
    }

    private static let none = ZoneOffsets(empty: ())
    private init(empty: ()) { changes = []; offsets = [0]; standard = [0]; first = 0; last = 0 }
}
