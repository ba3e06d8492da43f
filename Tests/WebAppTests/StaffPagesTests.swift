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

@Suite(.serialized) struct SecretariatSetUpPagesTests {
    @Test func theSecretariatAddsAGroupAndRetiresItAfterCheckingWithAReason() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/groups").text.contains("href=\"/groups/new\">Add a group</a>"))
        try sam.get("/groups/new")
        let empty = try sam.post("/groups/new", [])
        #expect(empty.status.code == 422)
        for message in ["Enter the group’s name", "Choose what kind of body it is", "Choose at least one body it reports to"] { #expect(empty.text.contains(message)) }
        let added = try sam.post("/groups/new", [("name", "Youth Justice Board"), ("kind", "subgroup"), ("reportsTo", "early-prevention-board"), ("description", "Children in the justice system")])
        #expect(added.status.code == 303 && added.headers["Location"] == "/groups/youth-justice-board")
        let page = try sam.get("/groups/youth-justice-board").text
        #expect(page.contains("Youth Justice Board is added, reporting to Early Prevention Board."))
        #expect(page.contains("href=\"/groups/youth-justice-board/retire\""))
        let again = try sam.post("/groups/new", [("name", "Youth Justice Board"), ("kind", "subgroup"), ("reportsTo", "early-prevention-board")])
        #expect(again.status.code == 422, "a second body of the same name is refused")
        #expect(again.text.contains("There is already a group or board with that name; give this one its own name."), "in words, not a key")

        let check = try sam.get("/groups/youth-justice-board/retire").text
        #expect(check.contains("Are you sure you want to retire this group?") && check.contains("cannot be brought back"))
        let noReason = try sam.post("/groups/youth-justice-board/retire", [])
        #expect(noReason.status.code == 422 && noReason.text.contains("Enter why the group is retired"))
        #expect(try f.app.governance.bodies().contains { $0.key == "youth-justice-board" }, "nothing retired without a reason")
        let retired = try sam.post("/groups/youth-justice-board/retire", [("reason", "Merged into the Early Prevention Board")])
        #expect(retired.status.code == 303)
        #expect(try !f.app.governance.bodies().contains { $0.key == "youth-justice-board" })
        // A group with open work is refused, saying why, and stays.
        let busy = try sam.post("/groups/early-prevention-board/retire", [("reason", "Trying")])
        #expect(busy.status.code == 409)
        #expect(busy.text.contains("Early Prevention Board still has open work: ") && !busy.text.contains("action-") && !busy.text.contains("escalation-"),
                "the open work by name, not identifiers")
        #expect(try f.app.governance.bodies().contains { $0.key == "early-prevention-board" })
    }

    @Test func theSecretariatGivesAndEndsRolesAndAddsMemberOrganisations() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let people = try sam.get("/people").text
        #expect(people.contains("Give someone a role") && people.contains("Roles now"))
        let empty = try sam.post("/people/memberships", [])
        #expect(empty.status.code == 422 && empty.text.contains("Choose the person") && empty.text.contains("Choose the group or board") && empty.text.contains("Choose their role"))
        let given = try sam.post("/people/memberships", [("person", "bea"), ("memberBody", "early-prevention-board"), ("memberRole", "vice-chair")])
        #expect(given.status.code == 303)
        #expect(try sam.get("/people").text.contains("Bea Blake is now vice chair of Early Prevention Board."))
        #expect(try f.app.directory.memberships(of: "bea").contains { $0.body == "early-prevention-board" && $0.role == .viceChair })
        let ended = try sam.post("/people/memberships/end", [("person", "bea"), ("memberBody", "early-prevention-board"), ("memberRole", "vice-chair")])
        #expect(ended.status.code == 303)
        #expect(try !f.app.directory.memberships(of: "bea").contains { $0.body == "early-prevention-board" && $0.role == .viceChair })
        let endedTwice = try sam.post("/people/memberships/end", [("person", "bea"), ("memberBody", "early-prevention-board"), ("memberRole", "vice-chair")])
        #expect(endedTwice.status.code == 409)
        #expect(endedTwice.text.contains("Bea Blake is no longer vice chair of Early Prevention Board") && !endedTwice.text.contains("flourish member list"), "no CLI command on a page")

        try sam.get("/member-organisations")
        #expect(try sam.post("/member-organisations", []).text.contains("Enter the organisation’s name"))
        let org = try sam.post("/member-organisations", [("name", "Norfolk Youth Hostels"), ("sector", "voluntary")])
        #expect(org.status.code == 303 || org.status.code == 422)
        let sector = try #require(f.app.partnership.sectors.first).key
        let added = try sam.post("/member-organisations", [("name", "Norfolk Community Sports"), ("sector", sector)])
        #expect(added.status.code == 303)
        #expect(try sam.get("/member-organisations").text.contains("Norfolk Community Sports is added as a member organisation."))
    }

    @Test func theSecretariatSendsTheOutboxAndRetriesFailures() throws {
        let failing = try WebFixture(mail: MailSettings(command: "echo no relay >&2; exit 75"))
        let sam = WebFixture.Browser(failing.web)
        try sam.signIn("sam")
        let pending = try failing.app.outboxCounts().pending
        #expect(pending > 0, "the demo has messages waiting")
        let page = try sam.get("/outbox").text
        #expect(page.contains("\(pending) waiting to be sent"))
        let sent = try sam.post("/outbox/send", [])
        #expect(sent.status.code == 303)
        let told = try sam.get("/outbox").text
        #expect(told.contains("could not be sent and are kept, marked failed: the mail command answered: ") && told.contains("<h2 class=\"govuk-notification-banner__title\" id=\"banner-title\">Important</h2>"),
                "a failed send is not a green Success")
        #expect(try failing.app.outboxCounts().failed == pending)
        let outbox = try sam.get("/outbox").text
        #expect(outbox.contains("Retry every failed message") && outbox.contains(">Retry<span class=\"govuk-visually-hidden\"> message"))
        let one = try #require(try failing.app.outbox(status: "failed").first)
        #expect(try sam.post("/outbox/retry", [("message", "\(one.id)")]).status.code == 303)
        #expect(try failing.app.outboxCounts() == (pending: 1, failed: pending - 1))
        #expect(try sam.post("/outbox/retry", []).status.code == 303)
        #expect(try failing.app.outboxCounts().failed == 0)
    }
}

/// The secretariat writes to a chosen set of people: previewed with every recipient, queued
/// through the outbox only when confirmed.
@Suite(.serialized) struct MessagesToPeopleTests {
    @Test func aMessageIsPreviewedWithEveryRecipientThenQueuedOneEmailEach() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/outbox").text.contains("href=\"/messages/new\">Write to people</a>"))
        try sam.get("/messages/new")
        let empty = try sam.post("/messages/new", [])
        #expect(empty.status.code == 422)
        for message in ["Choose who the message is for", "Enter a subject", "Enter the message"] { #expect(empty.text.contains(message), "all at once: \(message)") }
        let noBody = try sam.post("/messages/new", [("audience", "body"), ("subject", "Board papers")])
        #expect(noBody.text.contains("Choose the group or board") && noBody.text.contains("Enter the message"))

        let members = try f.app.directory.memberships().filter { $0.body == "early-prevention-board" }.map(\.person)
        let withEmail = try f.app.directory.people().filter { members.contains($0.id) && $0.email != nil }
        #expect(!withEmail.isEmpty)
        let before = try f.app.outboxCounts().pending
        let fields = [("audience", "body"), ("audienceBody", "early-prevention-board"), ("subject", "Papers for Thursday"), ("body", "The papers for Thursday's meeting are attached to the agenda.")]
        let preview = try sam.post("/messages/new", fields)
        #expect(preview.status.code == 200)
        #expect(preview.text.contains("Check the message before it is queued"))
        for person in withEmail { #expect(preview.text.contains(person.name), "lists \(person.name)") }
        #expect(preview.text.contains("Queue \(withEmail.count) message"))
        #expect(try f.app.outboxCounts().pending == before, "nothing queued by a preview")
        let changed = try sam.post("/messages/new", fields + [("change", "yes")])
        #expect(changed.text.contains("value=\"Papers for Thursday\""), "changing keeps what was written")

        let queued = try sam.post("/messages/new", fields + [("send", "yes")])
        #expect(queued.status.code == 303 && queued.headers["Location"] == "/outbox")
        #expect(try f.app.outboxCounts().pending == before + withEmail.count)
        let messages = try f.app.outbox(status: "pending", limit: 10_000).filter { $0.subject == "Papers for Thursday" }
        #expect(messages.count == withEmail.count)
        for person in withEmail { #expect(messages.contains { $0.recipient == person.email && $0.body.hasPrefix("Dear \(person.name),") }) }
        #expect(try sam.get("/outbox").text.contains(withEmail.count == 1 ? "1 message is queued in the outbox." : "\(withEmail.count) messages are queued in the outbox."))
        #expect(try f.app.governance.changes().contains { $0.action == "message" && $0.detail.contains("Papers for Thursday") }, "the change log says who wrote to how many")
    }

    @Test func chairsWhoseSectionsAreDueAreAnAudience() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        try sam.get("/annual-report")
        #expect(try sam.post("/annual-report", [("year", "2027"), ("sectionsDueOn", "2028-01-31")]).status.code == 303)
        try sam.get("/messages/new")
        let preview = try sam.post("/messages/new", [("audience", "chairs-with-sections-due"), ("subject", "Your section"), ("body", "Please send your group's section.")])
        #expect(preview.status.code == 200)
        #expect(preview.text.contains("Erin") && preview.text.contains("section due 31 January 2028"))
    }
}

/// The escalation console filters by where an escalation waits, its severity and whether it is
/// overdue, and says how many are open (the defect: no filter, a status repeated on every row).
@Suite(.serialized) struct EscalationConsoleTests {
    @Test func theConsoleFiltersByBodySeverityAndOverdue() throws {
        let f = try WebFixture()
        for (title, severity) in [("Family hub venues withdrawn", "high"), ("School nurse rota gaps", "low")] {
            _ = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: title, description: "", severity: severity, priorities: [], areas: ["healthy"]), by: "erin")
        }
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let all = try sam.get("/escalations").text
        #expect(all.contains("Family hub venues withdrawn") && all.contains("School nurse rota gaps"))
        #expect(all.contains("<label class=\"govuk-label\" for=\"body\">Waiting at</label>") && all.contains("Overdue only"))
        #expect(!all.contains(">awaiting<"), "no state repeated on every row")
        let high = try sam.get("/escalations?severity=high").text
        #expect(high.contains("Family hub venues withdrawn") && !high.contains("School nurse rota gaps"))
        #expect(high.contains("<option value=\"high\" selected>"), "the filter shows what was chosen")
        let overdue = try sam.get("/escalations?overdue=yes").text
        #expect(!overdue.contains("Family hub venues withdrawn"), "a new escalation is not overdue")
        let open = try f.app.escalations(state: "open").filter { !$0.overdue.isEmpty }
        for e in open { #expect(overdue.contains(HTML.escape(e.escalation.title)), "overdue: \(e.escalation.title)") }
    }
}
