import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// What a probe acting out the partnership's people found (each reproduced, then fixed).
@Suite(.serialized) struct UserJourneyFindingsTests {
    /// A board was asked by email and on the console to acknowledge an escalation, and no page
    /// could: only `flourish escalation acknowledge`.
    @Test func aBoardMemberAcknowledgesAnEscalationOnItsPage() throws {
        let f = try WebFixture()
        let raised = try EscalationManagementTests.raise(f, "Family hub venues withdrawn")
        let review = try #require(raised.open.first)
        let member = try #require(try ["ann", "bea"].first { try f.app.eventsOpen(on: review.id, for: try f.app.viewer(for: $0)).contains("acknowledge") })
        let path = "/escalations/\(raised.escalation.id.rawValue)"
        let board = WebFixture.Browser(f.web)
        try board.signIn(member)
        #expect(try board.get(path).text.contains("Acknowledge at \(f.app.displayName("body", review.body))"))
        let done = try board.post(path + "/acknowledge", [("body", review.body), ("acknowledgeNote", "On the agenda for 14 January")])
        #expect(done.status.code == 303)
        let after = try board.get(path).text
        #expect(after.contains("Acknowledged at \(f.app.displayName("body", review.body))") && !after.contains("Acknowledge at "), "acknowledged once, then offered no more")
        #expect(try f.app.escalation(RecordID(raised.escalation.id.rawValue), for: try f.app.viewer(for: "sam")).open.first?.state == .acknowledged)
        // Someone who is not a member of the body may not.
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        try contact.get("/annual-report")
        #expect(try contact.post(path + "/acknowledge", [("body", review.body)]).status.code == 404)
    }

    /// A published pledge's history sent visitors to sign in (the README's table says it is
    /// theirs to read), and spoke in keys: "start", "request-changes", user names.
    @Test func aPublishedPledgesHistoryIsForEveryoneInWords() throws {
        let f = try WebFixture()
        let published = try #require(try f.app.wall().entries.first)
        let visitor = try WebFixture.Browser(f.web).get("/history/\(published.pledge.rawValue)")
        #expect(visitor.status.code == 200 && visitor.text.contains("Approve and publish") && visitor.text.contains("FLOURISH Pledge:"), "\(visitor.status.code)")
        #expect(!visitor.text.contains(">approve<"))
        // Anything else is as missing to a visitor.
        let draft = try #require(try f.app.engine.instances(workflow: "pledge", state: "submitted", limit: 10).first)
        #expect(try WebFixture.Browser(f.web).get("/history/\(draft.id.rawValue)").status.code == 404)
    }

    /// An organisation's contact was told "No actions" beside a dashboard counting five, and
    /// "0 escalations are in a plan" where the secretariat saw two.
    @Test func aContactsDashboardDoesNotContradictItself() throws {
        let f = try WebFixture()
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        let dashboard = try contact.get("/dashboard").text
        #expect(!dashboard.contains("Decisions becoming work"))
        let area = try contact.get("/dashboard/areas/family-and-friends").text
        #expect(!area.contains("No actions.") && area.contains("the partnership’s working papers"))
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/dashboard").text.contains("Decisions becoming work"))
    }
}

/// A business contact asked "when is our report due?" and the pledge page did not say: it
/// showed neither the theme and priority chosen, the year's days, nor the report's due date.
@Suite(.serialized) struct PledgePageFindingsTests {
    @Test func aPledgePageSaysItsThemePriorityYearAndWhenItsReportIsDue() throws {
        let f = try WebFixture()
        // An organisation already on the wall (its membership active), so visitors see its pledges.
        let onWall = try #require(try f.app.wall().entries.first?.organisation)
        let organisation = try #require(try f.app.organisations().first { $0.organisation.key == onWall && !$0.organisation.contacts.isEmpty })
        let contact = organisation.organisation.contacts[0]
        let theme = try #require(f.app.partnership.pledges.themes.first), priority = try #require(f.app.framework.priorities.first)
        let made = try f.app.createPledge(PledgeRequest(organisation: organisation.organisation.key, text: "Host two apprenticeship taster days",
                                                        areas: [f.app.framework.areas[0].key], theme: theme.key, priority: priority.key), by: contact)
        _ = try f.app.firePledge(RecordID(made.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
        let approved = try Pledge(try f.app.approvePledge(RecordID(made.id), comment: nil, expectedVersion: nil, by: "sam"))
        let due = try #require(approved.reportDueOn), starts = try #require(approved.yearStarts), ends = try #require(approved.yearEnds)
        let path = "/pledges/\(made.id.rawValue)"
        let owner = WebFixture.Browser(f.web)
        try owner.signIn(contact)
        let page = try owner.get(path).text
        #expect(page.contains(theme.name) && page.contains(priority.name))
        #expect(page.contains("\(starts.inWords) to \(ends.inWords)"))
        #expect(page.contains("Report due by") && page.contains(due.inWords))
        // A visitor reads the pledge, its theme and its year, not the organisation's to-do.
        let visitor = try WebFixture.Browser(f.web).get(path).text
        #expect(visitor.contains(theme.name) && visitor.contains("\(starts.inWords) to \(ends.inWords)"))
        #expect(!visitor.contains("Report due by"))
    }
}

/// Confirmations named people by user name alone ("carol.cog-2 is now the main contact"), which
/// tells a contact or the secretariat little; they now give the name, with the user name that
/// tells two people of one name apart.
@Suite(.serialized) struct ConfirmationFindingsTests {
    @Test func aConfirmationNamesThePersonWithTheirUserName() throws {
        let f = try WebFixture()
        let name = f.app.displayName("person", "erin")
        #expect(name != "erin")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        try sam.get("/people")
        let disabled = try sam.post("/people/erin/account", [("disable", "yes")])
        #expect(disabled.status.code == 303)
        #expect(try sam.get(disabled.headers["Location"] ?? "/people").text.contains("\(name) (erin)’s account is disabled"))
        let enabled = try sam.post("/people/erin/account", [("disable", "no")])
        #expect(try sam.get(enabled.headers["Location"] ?? "/people").text.contains("\(name) (erin) can sign in again."))
    }
}
