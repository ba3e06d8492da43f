import Testing
@testable import Domain

/// The periods a measure's value may be for: the ways people write months, quarters, years and
/// financial years are taken; text naming no period, and periods that cannot be, are not.
struct MeasurePeriodTests {
    @Test(arguments: ["2026-Q3", "2026 Q3", "Q3 2026", "q1-2027", "2026-10", "2026-1", "October 2026", "oct 2026", "2026 October", "2026", "2026-27", "2026/27", "1999-00".replacingOccurrences(of: "1999", with: "2099")])
    func aPeriodPeopleWriteIsTaken(_ period: String) {
        #expect(MeasurePeriod.isValid(period), "\(period)")
    }

    @Test(arguments: ["banana", "", "2026-Q5", "2026-Q0", "2026-13", "2026-00", "99999-Q1", "1999", "2101-Q1", "2026-28", "2026 Q3 Q4", "Q3", "10", "Octember 2026", "oc 2026",
                      "２０２６-Q1", "2026-Q3\u{0}", "2026--Q3x"])
    func textNamingNoPeriodIsRefused(_ period: String) {
        #expect(!MeasurePeriod.isValid(period), "\(period)")
    }
}
