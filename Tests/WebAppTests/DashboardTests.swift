import Foundation
import Testing
@testable import WebApp
import HTTPServer
import Services
import Engine

@Suite(.serialized) struct DashboardTests {
    /// partnership → area → action → its history, and partnership → priority → group.
    @Test func theDashboardDrillsDownFromThePartnershipToARecordsHistory() throws {
        let f = try WebFixture()
        let visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get("/dashboard").headers["Location"]?.hasPrefix("/sign-in") == true)
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let dashboard = try erin.get("/dashboard")
        #expect(dashboard.status.code == 200)
        #expect(dashboard.text.contains("<h1 class=\"govuk-heading-l\">Dashboard 2026</h1>"))
        #expect(dashboard.text.contains("<svg") && dashboard.text.contains("aria-hidden=\"true\""), "the chart is drawn, and hidden from screen readers which read the table")
        let report = try f.app.annualReport(year: 2026)
        let busiest = try #require(report.areas.max { $0.actions.total < $1.actions.total })
        #expect(dashboard.text.contains("href=\"/dashboard/areas/\(busiest.key)\">\(busiest.name)</a>"))

        let area = try erin.get("/dashboard/areas/\(busiest.key)")
        #expect(area.status.code == 200)
        let action = try #require(try f.app.actions(ActionFilter(area: busiest.key)).first)
        #expect(area.text.contains("href=\"/actions/\(action.action.id.rawValue)\""))
        let history = try erin.get("/history/\(action.action.id.rawValue)")
        #expect(history.status.code == 200)
        #expect(history.text.contains("<td class=\"govuk-table__cell\">start</td>") || history.text.contains(">start<"))
        #expect(try erin.get("/history/no-such-thing").status.code == 404)
        #expect(try erin.get("/dashboard/areas/no-such-area").status.code == 404)

        let priority = try erin.get("/dashboard/priorities/prevention-and-early-help")
        #expect(priority.text.contains("href=\"/groups/early-prevention-board\">Early Prevention Board</a>"))
    }
}
