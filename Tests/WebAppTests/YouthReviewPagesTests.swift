import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// The youth review through the pages: the secretariat switches it on and sends the waiting
/// pledge to the panel; the panel's lead endorses it; the secretariat sees the view and may
/// then publish it (the defect: no youth step anywhere).
@Suite(.serialized) struct YouthReviewPagesTests {
    static let panel = "youth-advisory-boards"

    @Test func thePanelSeesAPledgeBeforeItIsPublished() throws {
        let f = try WebFixture()
        try f.addMember("yan", name: "Yan Young", body: Self.panel, role: "chair")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        var page = try sam.get("/youth-review").text
        #expect(page.contains("The youth review is <strong>off</strong>") && page.contains("Switch the youth review on"))
        let noPanel = try sam.post("/youth-review", [("step", "on"), ("workingDays", "10")])
        #expect(noPanel.status.code == 422 && noPanel.text.contains("Choose the participation group that reviews pledges"))
        #expect(try f.app.youthReviewSetting() == nil)
        #expect(try sam.post("/youth-review", [("step", "on"), ("panel", Self.panel), ("workingDays", "10")]).status.code == 303)
        page = try sam.get("/youth-review").text
        #expect(page.contains("The youth review is <strong>on</strong>") && page.contains("Submitted pledges the panel has not had"))
        #expect(try sam.get("/review").text.contains("Send pledges to the panel"))
        let waiting = try #require(try f.app.pledgesForYouthReview().first)
        let nothing = try sam.post("/youth-review", [("step", "send")])
        #expect(nothing.status.code == 422 && nothing.text.contains("Choose at least one pledge to send to the youth panel"))
        let sent = try sam.post("/youth-review", [("step", "send"), ("pledges", waiting.id.rawValue)])
        #expect(sent.status.code == 303)
        let batchPath = try #require(sent.headers["Location"])
        // Not yet: the panel has not seen it.
        let early = try sam.post("/pledges/\(waiting.id.rawValue)/events/approve", [("version", "\(waiting.version)")])
        #expect(early.status.code == 422 && early.text.contains("have until") && early.text.contains("to give their view on this pledge"))

        let yan = WebFixture.Browser(f.web)
        try yan.signIn("yan")
        page = try yan.get(batchPath).text
        #expect(page.contains(waiting.text) && page.contains("We endorse it") && page.contains("The panel has finished"))
        let bare = try yan.post(batchPath, [("pledge", waiting.id.rawValue), ("view", "comment")])
        #expect(bare.status.code == 422 && bare.text.contains("Enter the panel&#x27;s comment") || bare.text.contains("Enter the panel’s comment") || bare.text.contains("Enter the panel's comment"))
        #expect(try yan.post(batchPath, [("pledge", waiting.id.rawValue), ("view", "endorse"), ("comment", "Reading with families is great")]).status.code == 303)
        #expect(try yan.get(batchPath).text.contains("The panel endorses it:</strong> Reading with families is great"))

        // The secretariat sees the view on the pledge, and publishes it.
        page = try sam.get("/pledges/\(waiting.id.rawValue)").text
        #expect(page.contains("Youth panel (Youth Advisory Boards)") && page.contains("Endorsed: Reading with families is great"))
        let current = try Pledge(f.app.engine.instance(waiting.id.instance))
        #expect(try sam.post("/pledges/\(waiting.id.rawValue)/events/approve", [("version", "\(current.version)")]).status.code == 303)

        // Others: neither the page nor the batch.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        #expect(try erin.get("/youth-review").status.code == 403)
        #expect(try erin.get(batchPath).status.code == 404)
        #expect(try erin.post(batchPath, [("step", "finish")]).status.code == 404)
    }
}
