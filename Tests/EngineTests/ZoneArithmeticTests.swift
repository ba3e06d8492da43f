import Foundation
import Testing
@testable import Engine

/// Issue 22: days, local times and durations worked out from a zone's table of offsets give
/// exactly what Foundation's calendar gives (the reference, `…ByCalendar`), in zones with summer
/// time, half-hour summer time, no summer time, a change of standard offset and a skipped day,
/// at random moments and at every hour around each change of offset.
@Suite struct ZoneArithmeticTests {
    static let zones = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata", "Pacific/Apia",
                        "America/Sao_Paulo", "Europe/Moscow", "Pacific/Chatham", "America/St_Johns"]

    static func time(_ identifier: String) throws -> PartnershipTime {
        PartnershipTime(timeZone: try #require(TimeZone(identifier: identifier)), workingDays: testCalendar)
    }

    /// Moments to try in `zone`: random ones from 1960 to 2230 (beyond the table both ways), and
    /// every 20 minutes for a day either side of the changes of offset from 2010 to 2030.
    static func moments(in zone: TimeZone, random count: Int) -> [Date] {
        var generator = SystemRandomNumberGenerator()
        var moments = (0..<count).map { _ in
            Date(timeIntervalSince1970: TimeInterval(Int64.random(in: -315_619_200...8_200_000_000, using: &generator)) + Double(Int.random(in: 0..<1000, using: &generator)) / 1000)
        }
        var at = Date(timeIntervalSince1970: 1_262_304_000)
        while let change = zone.nextDaylightSavingTimeTransition(after: at), change.timeIntervalSince1970 < 1_893_456_000 {
            for step in stride(from: -26 * 3600, through: 26 * 3600, by: 1200) { moments.append(change + TimeInterval(step)) }
            moments += [change - 0.001, change, change + 0.5]
            at = change
        }
        return moments
    }

    @Test(arguments: zones)
    func aMomentsDayIsTheCalendars(_ zone: String) throws {
        let time = try Self.time(zone)
        // The arithmetic is what is compared here, not the calendar with itself: the zone has a table.
        #expect(ZoneOffsets(time.timeZone, from: 63_072_000, to: 7_258_118_400) != nil)
        for moment in Self.moments(in: time.timeZone, random: 20_000) {
            #expect(time.day(of: moment) == time.dayByCalendar(of: moment), "\(zone) \(moment.timeIntervalSince1970)")
        }
    }

    @Test(arguments: zones)
    func aLocalTimesMomentIsTheCalendars(_ zone: String) throws {
        let time = try Self.time(zone)
        var generator = SystemRandomNumberGenerator()
        for moment in Self.moments(in: time.timeZone, random: 5_000) {
            let day = time.dayByCalendar(of: moment)
            for _ in 0..<4 {
                let (h, m, s) = (Int.random(in: 0..<24, using: &generator), Int.random(in: 0..<60, using: &generator), Int.random(in: 0..<60, using: &generator))
                #expect(time.moment(day, hour: h, minute: m, second: s) == time.momentByCalendar(day, hour: h, minute: m, second: s), "\(zone) \(day) \(h):\(m):\(s)")
            }
            #expect(time.moment(day) == time.momentByCalendar(day), "\(zone) \(day)")
        }
        // Out of range and far years go to the calendar, and agree by being the calendar.
        let day = CalendarDay(year: 2026, month: 3, day: 29)
        #expect(time.moment(day, hour: 25) == time.momentByCalendar(day, hour: 25))
        #expect(time.moment(CalendarDay(year: 12_000, month: 1, day: 1)) == time.momentByCalendar(CalendarDay(year: 12_000, month: 1, day: 1)))
    }

    @Test(arguments: zones)
    func addingAndSubtractingDaysIsTheCalendars(_ zone: String) throws {
        let time = try Self.time(zone)
        var generator = SystemRandomNumberGenerator()
        for moment in Self.moments(in: time.timeZone, random: 5_000) {
            let durations = try ["P\(Int.random(in: 0...400, using: &generator))D", "P\(Int.random(in: 0...60, using: &generator))W", "P1D",
                                 "PT\(Int.random(in: 0...48, using: &generator))H", "P1W3DT2H30M15S", "P0D",
                                 // Months and years: the day kept, or the month's last (31 January, 29 February); with days, the calendar's.
                                 "P1M", "P\(Int.random(in: 1...40, using: &generator))M", "P1Y", "P\(Int.random(in: 1...30, using: &generator))Y", "P1MT12H",
                                 "P1Y1M", "P1M1D", "P1Y2W"].map { try #require(ISODuration($0)) }
            for d in durations {
                #expect(time.adding(d, to: moment) == time.addingByCalendar(d, to: moment), "\(zone) \(moment.timeIntervalSince1970) + \(d)")
                #expect(time.subtracting(d, from: moment) == time.subtractingByCalendar(d, from: moment), "\(zone) \(moment.timeIntervalSince1970) - \(d)")
            }
        }
    }

    @Test(arguments: zones)
    func monthsAndYearsFromTheEndOfAMonthAreTheCalendars(_ zone: String) throws {
        let time = try Self.time(zone)
        let durations = try ["P1M", "P2M", "P3M", "P11M", "P12M", "P13M", "P25M", "P1Y", "P2Y", "P4Y", "P1Y1M"].map { try #require(ISODuration($0)) }
        var generator = SystemRandomNumberGenerator()
        for year in [1972, 1999, 2000, 2011, 2024, 2026, 2027, 2100, 2198] {
            for month in 1...12 {
                for day in [1, 28, 29, 30, 31] where day <= CalendarDay.daysIn(month: month, year: year) {
                    let moment = time.momentByCalendar(CalendarDay(year: year, month: month, day: day), hour: Int.random(in: 0..<24, using: &generator),
                                                       minute: Int.random(in: 0..<60, using: &generator))
                    for d in durations {
                        #expect(time.adding(d, to: moment) == time.addingByCalendar(d, to: moment), "\(zone) \(year)-\(month)-\(day) + \(d)")
                        #expect(time.subtracting(d, from: moment) == time.subtractingByCalendar(d, from: moment), "\(zone) \(year)-\(month)-\(day) - \(d)")
                    }
                }
            }
        }
    }

    @Test func workingDaysKeepTheLocalTimeAsTheCalendarDid() throws {
        let time = try Self.time("Europe/London")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = time.timeZone
        var generator = SystemRandomNumberGenerator()
        let in2026 = (0..<3_000).map { _ in Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 1_767_225_600...1_830_297_600, using: &generator))) }
        for moment in Self.moments(in: time.timeZone, random: 100) + in2026 where time.workingDays.covers(time.dayByCalendar(of: moment).adding(days: -60))
            && time.workingDays.covers(time.dayByCalendar(of: moment).adding(days: 60)) {
            let n = WorkingDays(Int.random(in: 0...30))
            // As it was worked out before: the local time by the calendar, the day moved, the moment by the calendar.
            let local = calendar.dateComponents([.hour, .minute, .second], from: moment)
            let target = try time.workingDays.adding(n, to: time.dayByCalendar(of: moment))
            let expected = time.momentByCalendar(target, hour: local.hour ?? 0, minute: local.minute ?? 0, second: local.second ?? 0)
            #expect(try time.adding(n, to: moment) == expected, "\(moment.timeIntervalSince1970) + \(n.count) working days")
        }
    }

    @Test func workingDaysCountedByDayNumberAreTheDayByDayCount() throws {
        let calendar = try WorkingDayCalendar(json: try readRepositoryJSON("Workflows/calendars/england-and-wales.json"))
        var generator = SystemRandomNumberGenerator()
        let (first, last) = (calendar.coversFrom.ordinal, calendar.coversTo.ordinal)
        // Every start day covered (and a few either side), a random count of days to add.
        for start in (first - 3)...(last + 3) {
            let day = CalendarDay(ordinal: start), n = WorkingDays(Int.random(in: 0...40, using: &generator))
            let counted = Result { try calendar.adding(n, to: day) }, reference = Result { try calendar.addingDayByDay(n, to: day) }
            switch (counted, reference) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(day) + \(n)")
            case (.failure(let a as CalendarError), .failure(let b as CalendarError)): #expect(a == b, "\(day) + \(n)")
            default: Issue.record("\(day) + \(n): \(counted) against \(reference)")
            }
        }
        // A day written past its month's end counts from where it lands, as before.
        #expect(try calendar.adding(WorkingDays(3), to: CalendarDay(year: 2026, month: 2, day: 31)) == (try calendar.addingDayByDay(WorkingDays(3), to: CalendarDay(year: 2026, month: 2, day: 31))))
    }

    @Test func theTableKnowsLondonsChangesAndLeavesTheNearHoursToTheCalendar() throws {
        let zone = try #require(TimeZone(identifier: "Europe/London"))
        let offsets = try #require(ZoneOffsets(zone, from: 63_072_000, to: 7_258_118_400))
        // Two changes a year, 1972 to 2199.
        #expect(offsets.changes.count == 2 * (2199 - 1972 + 1))
        // 2026-03-29 01:00 UTC clocks go forward: 00:30 local is 00:30 UTC, but 01:30 local
        // (which does not exist) and the hours near it are the calendar's to decide.
        let spring = Int64(1_774_746_000)
        #expect(offsets.offset(at: spring - 1) == 0 && offsets.offset(at: spring) == 3600)
        #expect(offsets.utc(ofLocal: spring + 1800) == nil)
        #expect(offsets.utc(ofLocal: spring - 15 * 3600) == spring - 15 * 3600)
        #expect(offsets.utc(ofLocal: spring + 16 * 3600) == spring + 15 * 3600)
    }
}
