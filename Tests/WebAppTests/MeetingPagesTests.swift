import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// Meetings through the pages: a chair schedules one, its agenda is built from what waits for
/// the body, the board pack prints, the meeting is recorded as held with who was present, a
/// meeting is cancelled with its reason, and a body that publishes its papers shows them to
/// anyone (the defect: nothing modelled a meeting, its agenda, the decision log or the pack).
@Suite(.serialized) struct MeetingPagesTests {
    static let alliance = "children-and-young-people-strategic-alliance"
    static let board = "norfolk-health-and-wellbeing-board"

    @Test func aChairSchedulesAMeetingItsAgendaIsBuiltAndItIsRecordedAsHeld() throws {
        let f = try WebFixture()
        let ann = WebFixture.Browser(f.web)
        try ann.signIn("ann")
        let list = "/groups/\(Self.alliance)/meetings"
        #expect(try ann.get("/groups/\(Self.alliance)").text.contains("href=\"\(list)\">Meetings of"))
        #expect(try ann.get(list).text.contains("County Hall, Norwich, and online"), "the demo's next meeting")
        #expect(ann.lastPage.contains("Schedule the meeting"))
        let before = try f.app.meetings(for: try f.app.viewer(for: "sam")).count
        let empty = try ann.post(list, [])
        #expect(empty.status.code == 422)
        for message in ["Enter the time it starts, for example 10:00"] { #expect(empty.text.contains(message), "every problem at once: \(message)") }
        let badTime = try ann.post(list, [("meetsOn-day", "10"), ("meetsOn-month", "12"), ("meetsOn-year", "2026"), ("meetsAt", "25:00")])
        #expect(badTime.status.code == 422 && badTime.text.contains("The time must be like 10:00 or 14:30"))
        let past = try ann.post(list, [("meetsOn-day", "1"), ("meetsOn-month", "11"), ("meetsOn-year", "2026"), ("meetsAt", "10:00")])
        #expect(past.status.code == 422 && past.text.contains("is in the past"))
        #expect(try f.app.meetings(for: try f.app.viewer(for: "sam")).count == before, "nothing written by a refused form")
        let made = try ann.post(list, [("meetsOn-day", "10"), ("meetsOn-month", "12"), ("meetsOn-year", "2026"), ("meetsAt", "10:00"), ("place", "County Hall, Norwich")])
        #expect(made.status.code == 303)
        let path = try #require(made.headers["Location"])
        var page = try ann.get(path).text
        #expect(page.contains("Scheduled for 10 December 2026 at 10am."))
        #expect(page.contains("Family hub venues withdrawn in two districts"), "the escalation waiting at the Alliance is on the agenda")
        #expect(page.contains("Highlight reports from the groups that report here") && page.contains("Early Prevention Board"))
        #expect(page.contains("FLOURISH Pledges approved since the last meeting: "), "the Alliance, where escalation stops, hears of pledges approved")
        #expect(!page.contains("Record that it was held"), "not before the meeting starts")

        // An item added by hand is escaped like any other text.
        let added = try ann.post(path, [("step", "add-item"), ("item", "<b>Annual report</b> timetable")])
        #expect(added.status.code == 303)
        page = try ann.get(path).text
        #expect(page.contains("&lt;b&gt;Annual report&lt;/b&gt; timetable") && !page.contains("<b>Annual report"))
        let noItem = try ann.post(path, [("step", "add-item")])
        #expect(noItem.status.code == 422 && noItem.text.contains("Enter the agenda item"))

        // The board pack is one printable page.
        let pack = try ann.get(path + "/pack").text
        #expect(pack.contains("class=\"app-board-pack\"") && pack.contains("Family hub venues withdrawn in two districts") && pack.contains("app-no-print"))
        let css = String(decoding: try ann.get("/static/flourish.css").body, as: UTF8.self)
        #expect(css.contains("@media print"), "a print stylesheet hides the page furniture")

        // Someone outside the Alliance sees neither the meeting nor its pack.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        #expect(try erin.get(path).status.code == 404)
        #expect(try erin.get(path + "/pack").status.code == 404)
        #expect(try erin.get(list).status.code == 404)
        #expect(try erin.post(path, [("step", "add-item"), ("item", "x")]).status.code == 404)
        #expect(try WebFixture.Browser(f.web).get(path).status.code == 404, "the Alliance's papers are for its members")

        // On the day: who was present, every problem named; then recorded.
        f.clock.advance(bySeconds: 16 * 86_400 + 4 * 3600)
        try ann.signIn("ann")
        page = try ann.get(path).text
        #expect(page.contains("Record that it was held") && page.contains("Bea Blake"))
        let nobody = try ann.post(path, [("step", "hold")])
        #expect(nobody.status.code == 422 && nobody.text.contains("Select who was present"))
        let held = try ann.post(path, [("step", "hold"), ("present", "ann"), ("present", "bea"), ("notes", "Quorate; venues to be raised with districts")])
        #expect(held.status.code == 303)
        page = try ann.get(path).text
        #expect(page.contains("Recorded as held, with 2 present."))
        #expect(page.contains("Ann Adeyemi, Bea Blake") && page.contains("Quorate; venues to be raised with districts"))
        #expect(try f.app.meeting(RecordID(String(path.dropFirst("/meetings/".count))), for: try f.app.viewer(for: "sam")).state == .held)

        // The next meeting comes with the minutes of this one to approve.
        let next = try ann.post(list, [("meetsOn-day", "14"), ("meetsOn-month", "1"), ("meetsOn-year", "2027"), ("meetsAt", "14:30"), ("place", "Online")])
        let nextPath = try #require(next.headers["Location"])
        #expect(try ann.get(nextPath).text.contains("The minutes of the meeting of 10 December 2026"))
        // A meeting cancelled with its reason leaves the calendar feed.
        #expect(try ann.post(nextPath, [("step", "cancel")]).text.contains("Enter why the meeting is cancelled"))
        let cancelled = try ann.post(nextPath, [("step", "cancel"), ("reason", "Not quorate")])
        #expect(cancelled.status.code == 303)
        #expect(try ann.get(nextPath).text.contains("Cancelled: Not quorate"))
        let feed = try f.app.meetingsFeed(of: Self.alliance, for: try f.app.viewer(for: "ann"))
        #expect(feed.contains("DTSTART:20261210T100000Z") && !feed.contains("DTSTART:20270114"))
    }

    @Test func aBodyThatPublishesItsPapersShowsItsMeetingsToAnyoneAndTakesNoChangesFromThem() throws {
        let f = try WebFixture()
        let meeting = try f.app.scheduleMeeting(of: Self.board, at: try #require(f.app.time.parse("2026-12-16T14:00")), place: "County Hall", by: "sam")
        _ = try f.app.addAgendaItem(meeting.id, item: "Children and young people's annual report", by: "sam")
        let visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get("/governance").text.contains("href=\"/groups/\(Self.board)/meetings\">its meetings and papers</a>"))
        let list = try visitor.get("/groups/\(Self.board)/meetings")
        #expect(list.status.code == 200 && list.text.contains("/meetings/\(meeting.id.rawValue)") && !list.text.contains("Schedule the meeting"))
        #expect(list.text.contains("href=\"/groups/\(Self.board)/meetings.ics\""))
        let page = try visitor.get("/meetings/\(meeting.id.rawValue)")
        #expect(page.status.code == 200 && page.text.contains("Children and young people&#x27;s annual report"))
        #expect(page.text.contains("Highlight reports from the groups that report here"), "the papers as the board's members see them")
        #expect(!page.text.contains("Add an item to the agenda") && !page.text.contains("Cancel this meeting"))
        #expect(try visitor.get("/meetings/\(meeting.id.rawValue)/pack").status.code == 200)
        let ics = try visitor.get("/groups/\(Self.board)/meetings.ics").text
        #expect(ics.contains("DTSTART:20261216T140000Z") && ics.contains("LOCATION:County Hall"))
        // Reading the papers gives no say in them.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        try erin.get("/meetings/\(meeting.id.rawValue)")
        #expect(try erin.post("/meetings/\(meeting.id.rawValue)", [("step", "add-item"), ("item", "Mine")]).status.code == 404)
        #expect(throws: WorkflowError.self) { try f.app.addAgendaItem(meeting.id, item: "Mine", by: "erin") }
        #expect(try f.app.meeting(meeting.id, for: .anonymous).items == ["Children and young people's annual report"])
    }

    /// Published papers are the members' agenda, and no more: an escalation overdue at the
    /// Alliance (which reports to the board) is named by its title on the board's public
    /// agenda, as the README says; its description is not, and the title links to nothing a
    /// visitor cannot open. A member of the board off the escalation's path sees the title with
    /// no link (every link its agenda showed went to a page that answered 404); the secretariat
    /// follows it to the escalation.
    @Test func publishedPapersNameAnEscalationByTitleOnly() throws {
        let f = try WebFixture()
        let raised = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Waiting lists for assessments", description: "MARKER-private-description",
                                                                 severity: "high", priorities: [], areas: ["safe-and-secure"]), by: "erin")
        try f.clock.advance(by: WorkingDays(30), in: f.app.time)
        _ = try f.app.engine.tick()
        let waiting = try #require(try f.app.escalation(raised.escalation.id).open.first)
        try #require(waiting.body == Self.alliance && (try f.app.escalation(raised.escalation.id).overdue.contains { $0.id == waiting.id }), "overdue at the Alliance")
        let meeting = try f.app.scheduleMeeting(of: Self.board, at: f.clock.now().addingTimeInterval(7 * 86_400), place: "County Hall", by: "sam")
        let visitor = WebFixture.Browser(f.web)
        for path in ["/meetings/\(meeting.id.rawValue)", "/meetings/\(meeting.id.rawValue)/pack"] {
            let page = try visitor.get(path).text
            #expect(page.contains("Escalations unanswered at the groups that report here") && page.contains("Waiting lists for assessments"), "\(path)")
            #expect(!page.contains("MARKER-private-description") && !page.contains("/escalations/\(raised.escalation.id.rawValue)"), "\(path)")
        }
        let itself = try visitor.get("/escalations/\(raised.escalation.id.rawValue)")
        #expect(itself.status.code == 303 && !itself.text.contains("MARKER-private-description"), "the escalation itself asks a visitor to sign in")
        // A member of the board, who may not be on the escalation's path, is given a link only where it opens.
        try f.addMember("hugh", name: "Hugh Hart", body: Self.board, role: "member")
        let hugh = WebFixture.Browser(f.web)
        try hugh.signIn("hugh")
        let agenda = try hugh.get("/meetings/\(meeting.id.rawValue)").text
        #expect(agenda.contains("Waiting lists for assessments"))
        let links = agenda.components(separatedBy: "href=\"/escalations/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        for id in links { #expect(try hugh.get("/escalations/\(id)").status.code == 200, "the agenda's link to escalation \(id) opens for the member it is shown to") }
        #expect(!links.contains(raised.escalation.id.rawValue), "not on its path: its title, no link")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/meetings/\(meeting.id.rawValue)").text.contains("href=\"/escalations/\(raised.escalation.id.rawValue)\""), "the secretariat follows it")
    }
}
