import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// Five defects a black-box probe of the demo server found (each reproduced, then fixed; each
/// test fails on the code before): an organisation's contact made an action's owner, so every
/// chair read their name; the role checked after the youth review's rule and the report's
/// sections; a withdrawn pledge's badge still public; API writes dropping fields they do not
/// take; the annual report's record readable through the instance routes while collecting.
@Suite(.serialized) struct TrustBoundaryFindingsTests {
    static let epb = "early-prevention-board"

    func pledges(_ f: WebFixture, _ state: String) throws -> [Pledge] {
        try f.app.engine.instances(workflow: "pledge", state: state, limit: 1000).map { try Pledge($0) }
    }

    /// This year's report started, its sections and the youth panel's statement awaited.
    func startReport(_ f: WebFixture, _ year: Int) throws -> AnnualReportStatus {
        try f.app.startAnnualReport(year: year, sectionsDueOn: f.app.time.day(of: f.clock.now()).adding(days: 28),
                                    statementsFrom: ["mental-health-participation-group"], by: "sam")
    }

    func postJSON(_ client: WebFixture.Browser, _ path: String, _ auth: (String, String), _ body: String) throws -> HTTPResponse {
        try client.send("POST", path, headers: [auth, ("Content-Type", "application/json")], body: Array(body.utf8))
    }

    /// Only the partnership's own people own actions, through the API, the page and a plan
    /// alike; a contact is refused in the words an unknown user name is, so the answer does not
    /// tell whether the contact exists.
    @Test func anOrganisationsContactCannotBeMadeAnActionsOwner() throws {
        let f = try WebFixture()
        let erin = try f.bearer("erin"), client = WebFixture.Browser(f.web)
        let before = try f.app.actions().count
        let contact = try postJSON(client, "/api/v1/actions", erin, #"{"group":"early-prevention-board","title":"EOWN","dueDate":"2027-03-01","owner":"contact-2","areas":["learning"]}"#)
        let nobody = try postJSON(client, "/api/v1/actions", erin, #"{"group":"early-prevention-board","title":"EOWN","dueDate":"2027-03-01","owner":"no-one-here","areas":["learning"]}"#)
        #expect(contact.status.code == 422 && nobody.status.code == 422, "\(contact.status.code) \(contact.text)")
        let said = { (r: HTTPResponse) in try JSONValue.parse(r.text)["detail"]?.stringValue?.replacingOccurrences(of: "contact-2", with: "X").replacingOccurrences(of: "no-one-here", with: "X") }
        #expect(try said(contact) == said(nobody), "the same words for a contact and for no one")
        #expect(try JSONValue.parse(contact.text)["field"]?.stringValue == "owner")
        // The page's form, and a plan decided at the Alliance.
        let page = WebFixture.Browser(f.web)
        try page.signIn("erin")
        try page.get("/groups/\(Self.epb)/actions/new")
        let form = try page.post("/groups/\(Self.epb)/actions/new", [("title", "Hubs"), ("areas", "learning"), ("owner", "contact-1"), ("dueDate", "2027-03-01")])
        #expect(form.status.code == 422 && form.text.contains("is not") && form.text.contains("href=\"#owner\""))
        let raised = try f.app.raiseEscalation(EscalationRequest(group: Self.epb, title: "Venues", severity: "high", areas: ["learning"]), by: "erin")
        let body = try #require(raised.open.first?.body)
        #expect(throws: (any Error).self) {
            try f.app.decideEscalation(raised.escalation.id, at: body, outcome: "accepted", fields: ["plan": "Use the libraries"],
                                       plan: [PlannedAction(title: "Book them", group: Self.epb, owner: "contact-3", dueDate: "2027-03-01")], by: "ann")
        }
        #expect(try f.app.actions().count == before, "nothing was written")
        #expect(try f.app.actionOwners().allSatisfy { !$0.id.hasPrefix("contact-") }, "the picker and the rule agree")
    }

    /// Who may approve is said before the youth review's rule, and who may compile or decide the
    /// annual report before which sections or statements are awaited.
    @Test func whoMayIsSaidBeforeASettingOrARecordsStateIsTold() throws {
        let f = try WebFixture()
        _ = try f.app.switchYouthReview(on: true, panel: "mental-health-participation-group", by: "sam")
        let waiting = try #require(try pledges(f, "submitted").first)
        let contact = try #require(try f.app.organisation(waiting.organisation).organisation.contacts.first)
        let auth = try f.bearer(contact), client = WebFixture.Browser(f.web)
        let api = try postJSON(client, "/api/v1/instances/\(waiting.id.rawValue)/events/approve", auth, "{}")
        #expect(api.status.code == 403 && !api.text.contains("youth review"), "\(api.status.code) \(api.text)")
        let approve = #expect(throws: WorkflowError.self) { try f.app.approvePledge(waiting.id, comment: nil, expectedVersion: nil, by: contact) }
        #expect(approve?.deniesAccess == true)
        // The secretariat, who may approve, is told of the youth review.
        #expect(throws: YouthReviewError.self) { try f.app.approvePledge(waiting.id, comment: nil, expectedVersion: nil, by: "sam") }
        // The annual report: a contact approving, a chair compiling.
        let year = 2026
        _ = try startReport(f, year)
        for (person, step) in [(contact, "approve"), ("erin", "compile"), ("bea", "compile")] {
            let browser = WebFixture.Browser(f.web)
            try browser.signIn(person)
            try browser.get("/annual-report")
            let r = try browser.post("/annual-report/\(year)/\(step)", [])
            #expect(r.status.code == 403 && !r.text.contains("sections are still awaited") && !r.text.contains("statement is not in"), "\(person) \(step): \(r.status.code)")
        }
    }

    /// A withdrawn pledge's badge answers as missing, as its page and certificate do.
    @Test func aWithdrawnPledgeHasNoBadge() throws {
        let f = try WebFixture()
        let published = try #require(try pledges(f, "approved").first)
        let visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get("/pledges/\(published.id.rawValue)/badge.svg").status.code == 200)
        let contact = try #require(try f.app.organisation(published.organisation).organisation.contacts.first)
        _ = try f.app.firePledge(published.id, event: "withdraw", fields: ["reason": "Closing down"], expectedVersion: nil, by: contact)
        for path in ["", "/certificate", "/badge.svg"] {
            #expect(try visitor.get("/pledges/\(published.id.rawValue)\(path)").status.code == 404, "\(path)")
        }
    }

    /// A field a write route does not take is refused, naming it, not dropped; nothing is written.
    @Test func apiWritesRefuseFieldsTheyDoNotTake() throws {
        let f = try WebFixture()
        let org = try #require(try f.app.organisations().first { !$0.organisation.contacts.isEmpty }?.organisation)
        let auth = try f.bearer(org.contacts[0]), client = WebFixture.Browser(f.web)
        let before = try f.app.engine.instances(workflow: "pledge", limit: 1000).count
        for (extra, field) in [(#","contacts":["sam"]"#, "contacts"), (#","state":"approved""#, "state"), (#","pledgeYear":2019"#, "pledgeYear"), (#","foo":"bar""#, "foo")] {
            let r = try postJSON(client, "/api/v1/pledges", auth, #"{"organisation":"\#(org.key)","text":"P","areas":["learning"]\#(extra)}"#)
            let problem = try JSONValue.parse(r.text)
            #expect(r.status.code == 422 && problem["field"]?.stringValue == field && problem["code"]?.stringValue == "unknown-field", "\(field): \(r.text)")
        }
        #expect(try f.app.engine.instances(workflow: "pledge", limit: 1000).count == before)
        #expect(try postJSON(client, "/api/v1/pledges", auth, #"{"organisation":"\#(org.key)","text":"P","areas":["learning"]}"#).status.code == 201)
        let erin = try f.bearer("erin")
        let measure = try #require(try f.app.measures(group: Self.epb).first).measure
        let value = try postJSON(client, "/api/v1/measures/\(measure.id.rawValue)/values", erin, #"{"period":"2026-Q4","value":1,"rag":"green"}"#)
        let valueField = try JSONValue.parse(value.text)["field"]?.stringValue
        #expect(value.status.code == 422 && valueField == "rag")
        let raised = try f.app.raiseEscalation(EscalationRequest(group: Self.epb, title: "Venues", severity: "high", areas: ["learning"]), by: "erin")
        let plan = try postJSON(client, "/api/v1/escalations/\(raised.escalation.id.rawValue)/decision", try f.bearer("ann"),
                                #"{"body":"\#(try #require(raised.open.first?.body))","outcome":"accepted","plan":"P","actions":[{"title":"T","group":"early-prevention-board","owner":"erin","dueDate":"2027-03-01","state":"completed"}]}"#)
        let planField = try JSONValue.parse(plan.text)["field"]?.stringValue
        #expect(plan.status.code == 422 && planField == "state", "\(plan.text)")
    }

    /// The annual report's record follows the report's own rule through the instance routes:
    /// the approving body's members read it once compiled for them, not while it collects.
    @Test func theAnnualReportsRecordIsNotReadWhileItCollects() throws {
        let f = try WebFixture()
        let year = 2026
        let status = try startReport(f, year)
        try #require(status.report.state == .collecting)
        let id = status.report.id.rawValue
        let client = WebFixture.Browser(f.web)
        for person in ["bea", "ann"] {
            let auth = try f.bearer(person)
            for path in ["/api/v1/instances/\(id)", "/api/v1/instances/\(id)/history"] {
                #expect(try client.send("GET", path, headers: [auth]).status.code == 404, "\(person) \(path)")
            }
            let browser = WebFixture.Browser(f.web)
            try browser.signIn(person)
            #expect(try browser.get("/history/\(id)").status.code == 404, "\(person) /history")
        }
        #expect(try client.send("GET", "/api/v1/instances/\(id)", headers: [try f.bearer("sam")]).status.code == 200, "the secretariat reads it")
    }
}
