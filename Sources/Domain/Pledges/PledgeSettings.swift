public import Foundation
public import Engine

/// How a partnership runs its pledge years: when a year starts, when the check-in and the
/// reminders fall, how long organisations have to report and to renew. Data in the
/// partnership file, not code.
public struct PledgeSettings: Sendable, Equatable {
    /// When a pledge year starts.
    public enum YearMode: Sendable, Equatable {
        /// A year from the day the pledge is approved.
        case fromApproval
        /// A fixed scheme year starting every year on this month and day (April to March: 4, 1).
        case schemeYear(month: Int, day: Int)
    }

    public let year: YearMode
    public let checkInAfter: ISODuration
    public let reportReminderBefore: ISODuration
    public let reportDueWorkingDays: WorkingDays
    public let renewalGrace: ISODuration
    public let themes: [NamedKey]

    public static let standard = PledgeSettings(year: .fromApproval, checkInAfter: ISODuration("P6M")!, reportReminderBefore: ISODuration("P1M")!,
                                                reportDueWorkingDays: WorkingDays(20), renewalGrace: ISODuration("P3M")!,
                                                themes: [NamedKey(key: "mental-health", name: "Mental health")])

    public init(year: YearMode, checkInAfter: ISODuration, reportReminderBefore: ISODuration, reportDueWorkingDays: WorkingDays,
                renewalGrace: ISODuration, themes: [NamedKey]) {
        self.year = year
        self.checkInAfter = checkInAfter
        self.reportReminderBefore = reportReminderBefore
        self.reportDueWorkingDays = reportDueWorkingDays
        self.renewalGrace = renewalGrace
        self.themes = themes
    }

    /// The dates of a pledge year for a pledge approved on `approved`.
    public struct YearDates: Sendable, Equatable {
        public let yearStarts: CalendarDay
        public let yearEnds: CalendarDay
        public let checkInOn: CalendarDay
        public let reportReminderOn: CalendarDay
        public let reportDueOn: CalendarDay
        /// When the organisation lapses with no renewal: the year's end plus the grace period.
        public let lapsesOn: CalendarDay
    }

    /// Works out a pledge year's dates.
    /// - Throws: ``CalendarError`` when the report deadline falls beyond the bank-holiday calendar.
    public func dates(approvedOn approved: CalendarDay, time: PartnershipTime) throws -> YearDates {
        let starts: CalendarDay
        switch year {
        case .fromApproval: starts = approved
        case .schemeYear(let month, let day):
            let thisYear = CalendarDay(year: approved.year, month: month, day: day)
            starts = thisYear <= approved ? thisYear : CalendarDay(year: approved.year - 1, month: month, day: day)
        }
        func plus(_ d: ISODuration, _ day: CalendarDay) -> CalendarDay { time.day(of: time.adding(d, to: time.moment(day, hour: 12))) }
        func minus(_ d: ISODuration, _ day: CalendarDay) -> CalendarDay { time.day(of: time.subtracting(d, from: time.moment(day, hour: 12))) }
        let ends = plus(ISODuration("P1Y")!, starts)
        return YearDates(yearStarts: starts, yearEnds: ends,
                         checkInOn: max(plus(checkInAfter, starts), approved),
                         reportReminderOn: max(minus(reportReminderBefore, ends), approved),
                         reportDueOn: try time.workingDays.adding(reportDueWorkingDays, to: ends),
                         lapsesOn: plus(renewalGrace, ends))
    }
}
