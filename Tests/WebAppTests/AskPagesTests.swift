import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// Asks, coverage and recognition through the pages: the secretariat publishes an ask aimed at
/// the districts with fewest pledges, a business pledges against it from the wall, the wall and
/// dashboard count it, and the approved pledge earns a certificate and a badge for its website.
@Suite(.serialized) struct AskPagesTests {
    @Test func anAskIsPublishedAnsweredCountedAndItsPledgeEarnsACertificateAndBadge() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        var page = try sam.get("/asks/new").text
        #expect(page.contains("The districts with fewest pledges on the wall now:"))
        let before = try f.app.asks().count
        let empty = try sam.post("/asks/new", [])
        #expect(empty.status.code == 422 && empty.text.contains("Enter what is asked for") && empty.text.contains("Select at least one FLOURISH area"))
        let badDistrict = try sam.post("/asks/new", [("title", "Holiday clubs"), ("areas", "resilience"), ("districts", "atlantis")])
        #expect(badDistrict.status.code == 422 && badDistrict.text.contains("is not a district here"))
        #expect(try f.app.asks().count == before, "nothing written by a refused form")
        let made = try sam.post("/asks/new", [("title", "Holiday clubs with food"), ("description", "For children on free school meals"),
                                              ("item", "prevention-and-early-help|prevention-and-early-help.10"), ("areas", "resilience"), ("districts", "breckland")])
        #expect(made.status.code == 303)
        let askPath = try #require(made.headers["Location"])
        let askID = String(askPath.dropFirst("/asks/".count))
        page = try sam.get(askPath).text
        #expect(page.contains("Holiday clubs with food") && page.contains("most needed in Breckland") && page.contains("0 pledges so far"))
        #expect(page.contains("From the strategy: “Develop the range of community based short breaks"))

        // A contact pledges against it, from the ask.
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        page = try contact.get("/asks").text
        #expect(page.contains("href=\"/pledges/new?ask=\(askID)\""))
        page = try contact.get("/pledges/new?ask=\(askID)").text
        #expect(page.contains("You are pledging against the partnership’s ask: <strong>Holiday clubs with food</strong>") && page.contains("name=\"ask\" value=\"\(askID)\""))
        let pledged = try contact.post("/pledges/new", [("organisation", organisation), ("ask", askID), ("text", "Lunch and games every school holiday"), ("areas", "resilience"), ("submit", "1")])
        #expect(pledged.status.code == 303)
        let pledgePath = try #require(pledged.headers["Location"])
        let pledgeID = InstanceID(String(pledgePath.dropFirst("/pledges/".count)))
        #expect(try Pledge(f.app.engine.instance(pledgeID)).ask == askID)
        _ = try f.app.approvePledge(RecordID(pledgeID), comment: nil, expectedVersion: nil, by: "sam")

        // Counted on the ask, the wall and the dashboard.
        let visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get(askPath).text.contains("1 pledge so far"))
        page = try visitor.get("/pledges").text
        #expect(page.contains("Holiday clubs with food</a>: 1 pledge so far") && page.contains("href=\"/pledges/coverage\""))
        page = try sam.get("/dashboard").text
        #expect(page.contains("Pledges against the partnership’s asks") && page.contains("Holiday clubs with food") && page.contains("app-heatmap"))
        page = try visitor.get(pledgePath).text
        #expect(page.contains("Answers the partnership’s ask") && page.contains("/pledges/\(pledgeID.rawValue)/certificate"))

        // Coverage: the table's figures, by kind too; a kind that does not exist is said so.
        let coverage = try f.app.pledgeCoverage()
        page = try visitor.get("/pledges/coverage").text
        #expect(page.contains("\(coverage.total) published pledges by area and district"))
        #expect(try visitor.get("/pledges/coverage?kind=business").status.code == 200)
        #expect(try visitor.get("/pledges/coverage?kind=pirates").status.code == 400)

        // The certificate prints; the badge is an SVG image that links nowhere itself and says it is current.
        page = try visitor.get("/pledges/\(pledgeID.rawValue)/certificate").text
        #expect(page.contains("This certifies that") && page.contains("Lunch and games every school holiday") && page.contains("Current until"))
        #expect(page.contains("&lt;a href=") && page.contains("/pledges/\(pledgeID.rawValue)/badge.svg"), "the code to copy is shown, escaped")
        let badge = try visitor.get("/pledges/\(pledgeID.rawValue)/badge.svg")
        #expect(badge.status.code == 200 && badge.headers["Content-Type"] == "image/svg+xml; charset=utf-8")
        #expect(badge.headers["X-Content-Type-Options"] == "nosniff" && badge.headers["Cross-Origin-Resource-Policy"] == "cross-origin")
        let svg = String(decoding: badge.body, as: UTF8.self)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains(">FLOURISH Pledge 2026<") && svg.contains("Current pledge") && !svg.contains("<script"))

        // The secretariat closes the ask; the pledge keeps it.
        let noReason = try sam.post(askPath, [])
        #expect(noReason.status.code == 422 && noReason.text.contains("Enter why the ask is closed"))
        #expect(try sam.post(askPath, [("reason", "Enough clubs now")]).status.code == 303)
        page = try visitor.get("/asks").text
        #expect(page.contains("Closed asks") && page.contains("Holiday clubs with food"))
        let contactRefused = try contact.post(askPath, [("reason", "x")])
        #expect(contactRefused.status.code == 403 || contactRefused.status.code == 404)
    }
}
