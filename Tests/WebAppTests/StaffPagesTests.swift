import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine
import Domain

/// The day-to-day tasks that needed the CLI, on the web: measures, groups, memberships,
/// member organisations and the outbox.
@Suite(.serialized) struct StaffPagesTests {
    @Test func aChairDefinesAMeasureRecordsValuesAndSeesTheTrend() throws {
        let f = try WebFixture()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let group = try erin.get("/groups/early-prevention-board").text
        #expect(group.contains("href=\"/groups/early-prevention-board/measures/new\">Define a measure</a>"))
        try erin.get("/groups/early-prevention-board/measures/new")
        let empty = try erin.post("/groups/early-prevention-board/measures/new", [("target", "lots")])
        #expect(empty.status.code == 422)
        for message in ["Enter the measure’s name", "Enter the unit, for example % or children", "Choose whether higher or lower is better", "Enter the baseline",
                        "The target must be a number, for example 75", "Choose how often a value is due", "Choose the FLOURISH area it measures"] {
            #expect(empty.text.contains(message), "all at once: \(message)")
        }
        let before = try f.app.measures().count
        #expect(try f.app.measures().count == before, "nothing written")
        let defined = try erin.post("/groups/early-prevention-board/measures/new", [("name", "Families reached by a family hub"), ("unit", "families"), ("direction", "higher-is-better"),
                                                                                  ("baseline", "400"), ("target", "600"), ("tolerance", "50"), ("frequency", "quarterly"), ("area", "family-and-friends")])
        #expect(defined.status.code == 303)
        let path = try #require(defined.headers["Location"])
        #expect(try erin.get(path).text.contains("The measure is defined."))
        let notANumber = try erin.post(path + "/values", [("period", "2026 Q3"), ("value", "about 500")])
        #expect(notANumber.status.code == 422 && notANumber.text.contains("The value must be a number"))
        #expect(try erin.post(path + "/values", [("period", "2026 Q3"), ("value", "580")]).status.code == 303)
        #expect(try erin.get(path).text.contains("The value for 2026 Q3 is recorded: amber."))
        #expect(try erin.post(path + "/values", [("period", "2026 Q4"), ("value", "610")]).status.code == 303)
        let page = try erin.get(path).text
        #expect(page.contains("Values, oldest first: the trend"))
        #expect(page.contains("up 30"), "the change from the last value")
        #expect(page.contains("<h1 class=\"govuk-heading-l\">Families reached by a family hub</h1>"))
        // A board member reads it; an organisation's contact is told it does not exist.
        let bea = WebFixture.Browser(f.web); try bea.signIn("bea")
        let read = try bea.get(path)
        #expect(read.status.code == 200 && !read.text.contains("Record a value"))
        let contact = WebFixture.Browser(f.web); try contact.signIn("contact-1")
        #expect(try contact.get(path).status.code == 404)
    }
}
