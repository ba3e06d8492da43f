import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
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
        #expect(history.text.contains("<td class=\"govuk-table__cell\">Started</td>") && !history.text.contains(">start<"), "the workflow's words, not its event keys")
        #expect(try erin.get("/history/no-such-thing").status.code == 404)
        #expect(try erin.get("/dashboard/areas/no-such-area").status.code == 404)

        let priority = try erin.get("/dashboard/priorities/prevention-and-early-help")
        #expect(priority.text.contains("href=\"/groups/early-prevention-board\">Early Prevention Board</a>"))
    }
}

/// Decisions whose plans are late are counted where the secretariat and the partnership look
/// (the defect: "accepted into a plan" was free text that nothing followed).
@Suite(.serialized) struct LatePlansTests {
    @Test func aPlanWithAnActionPastItsDueDateIsCountedLateOnTheDashboardTheConsoleAndTheHome() throws {
        let f = try WebFixture()
        // The demo has one plan already, half done and not late.
        let demo = try f.app.plansInProgress(for: try f.app.viewer(for: "sam"))
        #expect(demo.count == 1 && demo.first?.planProgress.done == 1 && demo.first?.planProgress.of == 2 && demo.first?.planIsLate == false)
        let raised = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues for the hubs", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        let body = try #require(raised.open.first?.body)
        _ = try f.app.decideEscalation(raised.escalation.id, at: body, outcome: "accepted", fields: ["plan": "Libraries"],
                                       plan: [PlannedAction(title: "Book the libraries", group: "early-prevention-board", owner: "erin", dueDate: "2026-12-01")], by: "sam")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/dashboard").text.contains("2 escalations are in a plan, 0 with a late action."))
        f.clock.advance(bySeconds: 10 * 86_400)
        _ = try f.app.engine.tick()
        try sam.signIn("sam")  // ten days on, a new session
        let dashboard = try sam.get("/dashboard").text
        #expect(dashboard.contains("2 escalations are in a plan, 1 with a late action."))
        #expect(dashboard.contains("0 of 1 done <strong class=\"app-overdue\">Late</strong>"))
        #expect(try sam.get("/escalations").text.contains("Decisions becoming work"))
        #expect(try sam.get("/home").text.contains("plan is late"), "the secretariat's home counts it")
    }
}

/// The monitoring framework's pages: coverage by area, naming an owner, and a chair revising a
/// measure at the annual review from its page.
@Suite(.serialized) struct MonitoringPagesTests {
    @Test func theCoveragePageShowsGapsTheSecretariatNamesAnOwnerAndAChairRevisesAMeasure() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let page = try sam.get("/monitoring").text
        #expect(page.contains("8 of 8 areas have gaps.") && page.contains("No owner"))
        let saved = try sam.post("/monitoring/owners", [("area", "healthy"), ("owner", "cyp-mental-health-alliance-executive-management-group")])
        #expect(saved.status.code == 303)
        #expect(try sam.get("/monitoring").text.contains("CYP Mental Health Alliance Executive Management Group now owns the monitoring of Healthy."))
        let measure = try #require(try f.app.measures(group: "early-prevention-board").first?.measure)
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let path = "/measures/\(measure.id.rawValue)"
        #expect(try erin.get(path).text.contains("Revise at the annual review"))
        let empty = try erin.post(path + "/revise", [("newTarget", ""), ("newTolerance", "x")])
        #expect(empty.status.code == 422)
        for message in ["Enter the new target", "The new tolerance must be a number", "Enter why, from the review"] { #expect(empty.text.contains(message), "every problem at once: \(message)") }
        let done = try erin.post(path + "/revise", [("newTarget", String(repeating: "9", count: 300)), ("newTolerance", "2"), ("core", "yes"), ("sharingAgreement", "DSA-7"), ("reviseReason", "Annual review")])
        #expect(done.status.code == 303)
        let after = try erin.get(path).text
        #expect(after.contains("Revisions at the annual review") && after.contains("One of its area") && after.contains("sharing agreement DSA-7"), "a huge target is shown, not a crash")
        let monitoring = try sam.get("/monitoring").text
        #expect(monitoring.contains("1 of"), "its area now has a core measure")
    }
}
