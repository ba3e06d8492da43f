import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// "You said, we did" through the pages: a participation group's lead checks whether a question
/// was asked before, records what the group said, the body's chair publishes the response with
/// the action it shaped, and anyone reads it without a name in it (the defect: no participation
/// groups, nothing recorded of what young people said, nothing told them what came of it).
@Suite(.serialized) struct VoicePagesTests {
    static let mhpg = "mental-health-participation-group"
    static let mh = "cyp-mental-health-alliance-executive-management-group"

    @Test func aLeadRecordsAViewTheChairAnswersItAndAnyoneReadsWhatCameOfIt() throws {
        let f = try WebFixture()
        let nia = WebFixture.Browser(f.web)
        try nia.signIn("nia")
        let groupPage = "/groups/\(Self.mhpg)/voice"
        #expect(try nia.get(groupPage).text.contains("Record what the group said"))
        let form = "/groups/\(Self.mhpg)/voice/new"
        #expect(try nia.get(form).status.code == 200)

        // Asked before? The demo's question, put another way, is found with what came back; nothing is written.
        let before = try f.app.voiceEntries(for: .anonymous).count
        let check = try nia.post(form, [("step", "check"), ("question", "How could waiting for mental health support be easier?")])
        #expect(check.status.code == 200 && check.text.contains("1 earlier question like it") && check.text.contains("What would make waiting for mental health support easier?"))
        #expect(check.text.contains("We did:"), "what came back is shown")
        let empty = try nia.post(form, [("step", "record")])
        #expect(empty.status.code == 422)
        for message in ["Choose the body the group spoke to", "Enter the question the group was asked, or what it raised", "Enter what the group said, in its own words"] {
            #expect(empty.text.contains(message), "every problem at once: \(message)")
        }
        let wrongBody = try nia.post(form, [("step", "record"), ("body", "norfolk-learning-board"), ("heardOn-day", "1"), ("heardOn-month", "12"), ("heardOn-year", "2026"),
                                            ("question", "q"), ("said", "s")])
        #expect(wrongBody.status.code == 422 && wrongBody.text.contains("does not speak to Norfolk Learning Board"))
        #expect(try f.app.voiceEntries(for: .anonymous).count == before, "nothing written by the check or the refusals")

        let today = f.app.time.day(of: f.clock.now())
        let made = try nia.post(form, [("step", "record"), ("body", Self.mh), ("heardOn-day", "\(today.day)"), ("heardOn-month", "\(today.month)"), ("heardOn-year", "\(today.year)"),
                                       ("question", "Is school-based counselling easy to find?"), ("said", "<script>alert(1)</script> Nobody told us it exists."),
                                       ("areas", "healthy")])
        #expect(made.status.code == 303, "\(made.text.components(separatedBy: "govuk-error-summary__list").dropFirst().first?.prefix(300) ?? "")")
        let path = try #require(made.headers["Location"])
        var page = try nia.get(path).text
        #expect(page.contains("is asked to publish its response by"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Nobody told us it exists.") && !page.contains("<script>alert(1)"))
        #expect(!page.contains("Publish the response"), "the lead does not answer for the body")

        // Another body's chair may not answer; the body's chair does, naming the action it shaped.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        #expect(try erin.post(path, [("outcome", "we-did"), ("response", "x")]).status.code == 403)
        let maya = WebFixture.Browser(f.web)
        try maya.signIn("maya")
        page = try maya.get(path).text
        #expect(page.contains("Publish the response") && page.contains("Actions it shaped (optional)"))
        let action = try #require(try f.app.actions(ActionFilter(group: Self.mh), for: try f.app.viewer(for: "maya")).first?.action)
        let noOutcome = try maya.post(path, [("response", "")])
        #expect(noOutcome.status.code == 422 && noOutcome.text.contains("Choose whether something changed") && noOutcome.text.contains("Enter the response, written for the group"))
        let badLink = try maya.post(path, [("outcome", "we-did"), ("response", "Posters in every school"), ("otherShaped", "pledge-99999")])
        #expect(badLink.status.code == 422 && badLink.text.contains("pledge-99999 is not an action, escalation, pledge or report section you can see"))
        let answered = try maya.post(path, [("outcome", "we-did"), ("response", "Posters in every school from January."), ("shaped", action.id.rawValue)])
        #expect(answered.status.code == 303)
        page = try maya.get(path).text
        #expect(page.contains("Your response is published on the group") && page.contains("Posters in every school from January."))
        #expect(try maya.get("/actions/\(action.id.rawValue)").text.contains("Shaped by what young people said"))

        // A visitor reads what was said and what came of it, with nobody named and no link into the partnership's records.
        let visitor = WebFixture.Browser(f.web)
        page = try visitor.get(path).text
        #expect(page.contains("Posters in every school from January.") && page.contains("We did"))
        #expect(page.contains("An action of CYP Mental Health Alliance Executive Management Group (seen by partnership members)"))
        #expect(!page.contains("Nia") && !page.contains("Maya") && !page.contains("/actions/"))
        #expect(!page.contains("Publish the response"))
        let group = try visitor.get(groupPage).text
        #expect(group.contains("Is school-based counselling easy to find?") && group.contains("4 members."))
        #expect(!group.contains("Kai") && !group.contains("Tam"), "members' chosen names are not published")
        #expect(try visitor.get("/voice").text.contains("Mental Health Participation Group"))
        #expect(try visitor.get(form).status.code != 200)
        #expect(try visitor.get("/groups/early-prevention-board/voice").status.code == 404, "an ordinary group has no voice page")
    }

    @Test func theLeadKeepsChosenNamesOnlyAndOthersCannotSeeThem() throws {
        let f = try WebFixture()
        let nia = WebFixture.Browser(f.web)
        try nia.signIn("nia")
        let members = "/groups/\(Self.mhpg)/members"
        var page = try nia.get(members).text
        #expect(page.contains("Kai") && page.contains("no surname, no email address, no phone number"))
        let refused = try nia.post(members, [("name", "kai@example.org")])
        #expect(refused.status.code == 422 && refused.text.contains("no email address, phone number or other contact details"))
        #expect(try nia.post(members, [("name", "Bo")]).status.code == 303)
        page = try nia.get(members).text
        #expect(page.contains("Bo is a member of Mental Health Participation Group."))
        let bo = try #require(try f.app.participants(of: Self.mhpg, for: try f.app.viewer(for: "nia")).first { $0.name == "Bo" })
        #expect(try nia.post(members, [("remove", String(bo.id))]).status.code == 303)
        #expect(try !f.app.participants(of: Self.mhpg, for: try f.app.viewer(for: "nia")).contains { $0.name == "Bo" })
        let maya = WebFixture.Browser(f.web)
        try maya.signIn("maya")
        #expect(try maya.get(members).status.code == 403)
        #expect(try maya.post(members, [("name", "Zed")]).status.code == 403)
    }

    @Test func anOverdueResponseComesBackOnTheBodysAgenda() throws {
        let f = try WebFixture()
        // The demo's Youth Advisory Boards view waits for the Early Prevention Board; past its day it is overdue.
        let waiting = try #require(try f.app.voiceEntries(body: "early-prevention-board", for: .anonymous).first)
        f.clock.set(try #require(f.app.time.moment(try #require(waiting.respondBy).adding(days: 2), hour: 9, minute: 0)))
        _ = try f.app.engine.tick()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let meeting = try f.app.scheduleMeeting(of: "early-prevention-board", at: f.clock.now().addingTimeInterval(86_400), place: "Online", by: "erin")
        let page = try erin.get("/meetings/\(meeting.id.rawValue)").text
        #expect(page.contains("Responses owed to children and young people") && page.contains("Where should the new family hubs be?") && page.contains("Overdue"))
    }
}
