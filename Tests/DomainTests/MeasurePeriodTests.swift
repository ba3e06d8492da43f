import Testing
@testable import Domain

/// The periods a measure's value may be for: any label a group chooses, and the ways people
/// write months, quarters, years and financial years; but a label shaped as one of those must
/// be one that can be.
struct MeasurePeriodTests {
    @Test(arguments: ["2026-Q3", "2026 Q3", "Q3 2026", "q1-2027", "2026-10", "2026-1", "October 2026", "oct 2026", "2026", "2026-27", "2026/27", "2099-00",
                      "Autumn term", "proof-legit", "Period 3", "banana", "2026 spring", "week 12"])
    func aPeriodOrALabelIsTaken(_ period: String) {
        #expect(MeasurePeriod.isPossible(period), "\(period)")
    }

    @Test(arguments: ["2026-Q5", "2026-Q0", "2026 q9", "Q5 2026", "Q1 1999", "2026-13", "2026-00", "2026-123", "99999-Q1", "99999", "1999", "2101-Q1", "2026-28", "2026 Q3 Q4"])
    func aPeriodThatCannotBeIsRefused(_ period: String) {
        #expect(!MeasurePeriod.isPossible(period), "\(period)")
    }
}
