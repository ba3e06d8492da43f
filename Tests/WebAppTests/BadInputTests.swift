import Foundation
import Synchronization
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

/// Bad input a probe of the demo found accepted and written, or answered in words that were
/// wrong: each is now refused with a message naming what is wrong, and nothing is written.
/// Each test fails on the code before.
@Suite(.serialized) struct BadInputTests {
    static let epb = "early-prevention-board"

    /// A JSON body that is not UTF-8 is refused (its bytes were replaced and the title stored
    /// as "Bad\u{FFFD}\u{FFFD}"), and one that is not JSON says where and why.
    @Test func anAPIBodyThatIsNotUTF8OrNotJSONIsRefusedSayingWhy() throws {
        let f = try WebFixture()
        let auth = try f.bearer("erin"), client = WebFixture.Browser(f.web)
        let before = try f.app.actions().count
        var bytes = Array(#"{"group":"early-prevention-board","title":"Bad"#.utf8) + [0xFF, 0xFE]
        bytes += Array(#"","areas":["learning"],"owner":"erin","dueDate":"2027-03-01"}"#.utf8)
        let notUTF8 = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")], body: bytes)
        #expect(notUTF8.status.code == 400 && notUTF8.text.contains("not UTF-8"), "\(notUTF8.status.code) \(notUTF8.text)")
        let duplicate = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")],
                                        body: Array(#"{"title":"A","title":"B"}"#.utf8))
        #expect(duplicate.status.code == 400 && duplicate.text.contains("Not valid JSON") && duplicate.text.contains("title"), "\(duplicate.text)")
        #expect(try f.app.actions().count == before)
    }

    /// An API list asked with a parameter it does not take, or one given twice, is refused
    /// (`/api/v1/pledges?state=done` answered the whole wall).
    @Test func anAPIQueryParameterTheRouteDoesNotTakeIsRefused() throws {
        let f = try WebFixture()
        let client = WebFixture.Browser(f.web)
        for (path, field, code) in [("/api/v1/pledges?state=done", "state", "unknown-query-parameter"), ("/api/v1/pledges?bogus=1", "bogus", "unknown-query-parameter"),
                                    ("/api/v1/pledges?limit=5&limit=6", "limit", "repeated-query-parameter"), ("/api/v1/governance?x=1", "x", "unknown-query-parameter")] {
            let r = try client.get(path)
            let problem = try JSONValue.parse(r.text)
            #expect(r.status.code == 422 && problem["field"]?.stringValue == field && problem["code"]?.stringValue == code, "\(path): \(r.text)")
        }
        #expect(try client.get("/api/v1/pledges?area=learning&limit=5").status.code == 200)
    }

    /// A new action, or a new due date, in the past is refused (it was overdue, and past its
    /// escalation date, the moment it was written); a date before the working-day calendar says
    /// it is too early, not "too late", and does not send a chair to edit a file.
    @Test func anActionIsNotLoggedOrRescheduledIntoThePast() throws {
        let f = try WebFixture()
        let before = try f.app.actions().count
        let past = #expect(throws: WorkflowError.self) {
            try f.app.logAction(ActionRequest(group: Self.epb, title: "Hubs", areas: ["learning"], owner: "erin", dueDate: "2025-06-01"), by: "erin")
        }
        #expect(past?.localizedDescription.contains("is in the past (1 June 2025); give today, 24 November 2026, or a later day") == true, "\(past?.localizedDescription ?? "")")
        let early = #expect(throws: WorkflowError.self) {
            try f.app.logAction(ActionRequest(group: Self.epb, title: "Hubs", areas: ["learning"], owner: "erin", dueDate: "2020-01-01"), by: "erin")
        }
        #expect(early?.field == "dueDate")
        // A date of the right shape that no calendar has is said to be so (it was told to be "written as YYYY-MM-DD").
        let noSuchDay = #expect(throws: WorkflowError.self) {
            try f.app.logAction(ActionRequest(group: Self.epb, title: "Hubs", areas: ["learning"], owner: "erin", dueDate: "2027-02-30"), by: "erin")
        }
        #expect(noSuchDay?.localizedDescription.contains("“2027-02-30” is written as a date, but there is no such day") == true, "\(noSuchDay?.localizedDescription ?? "")")
        #expect(try f.app.actions().count == before)
        let open = try #require(try f.app.actions(ActionFilter(group: Self.epb)).first { !$0.action.state.isFinished })
        let moved = #expect(throws: WorkflowError.self) { try f.app.rescheduleAction(open.action.id, dueDate: "2026-01-01", reason: "x", by: "erin") }
        #expect(moved?.field == "dueDate")
        #expect(try f.app.action(open.action.id).action.dueDate == open.action.dueDate, "not moved")
        // The page's form says so at the field.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        try erin.get("/groups/\(Self.epb)/actions/new")
        let form = try erin.post("/groups/\(Self.epb)/actions/new", [("title", "Hubs"), ("areas", "learning"), ("owner", "erin"), ("dueDate", "2025-06-01")])
        #expect(form.status.code == 422 && form.text.contains("is in the past") && form.text.contains("href=\"#dueDate\""))
        // The calendar's edge: before its first year, said as such.
        let service = #expect(throws: WorkflowError.self) { try f.app.escalatesOn(CalendarDay("2019-06-03")!) }
        #expect(service?.localizedDescription.contains("where the partnership's working-day calendar begins") == true && service?.localizedDescription.contains("too late") == false,
                "\(service?.localizedDescription ?? "")")
    }

    /// Invisible control characters (a NUL, an escape sequence) are refused in titles, texts,
    /// names and lists, and a list's value given twice is refused: both were stored (an escape
    /// in an organisation's name recoloured every terminal's `org list`; "learning" twice).
    @Test func controlCharactersAndRepeatedListValuesAreRefused() throws {
        let f = try WebFixture()
        let auth = try f.bearer("erin"), client = WebFixture.Browser(f.web)
        let before = try f.app.actions().count
        let nul = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")],
                                  body: Array(#"{"group":"early-prevention-board","title":"A\u0000B","areas":["learning"],"owner":"erin","dueDate":"2027-03-01"}"#.utf8))
        let nulField = try JSONValue.parse(nul.text)["field"]?.stringValue
        #expect(nul.status.code == 422 && nul.text.contains("invisible control character") && nulField == "title", "\(nul.text)")
        let twice = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")],
                                    body: Array(#"{"group":"early-prevention-board","title":"Hubs","areas":["learning","learning"],"owner":"erin","dueDate":"2027-03-01"}"#.utf8))
        #expect(twice.status.code == 422 && twice.text.contains("lists “learning” twice"), "\(twice.text)")
        #expect(try f.app.actions().count == before)
        let escape = #expect(throws: RegistrationError.self) {
            try f.app.registerOrganisation(OrganisationRegistration(name: "Acme\u{1B}[31mLtd", kind: "business", district: "norwich", sizeBand: "small",
                                                                    contactName: "Ada", contactEmail: "ada@example.org"), by: "sam")
        }
        #expect(escape?.field == "name")
        #expect(throws: DirectoryError.self) { try f.app.directory.addPerson(id: "ada", name: "Ada\u{0}", email: nil, at: f.clock.now()) }
        // A description's line breaks are text, not controls.
        #expect(try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")],
                                body: Array(#"{"group":"early-prevention-board","title":"Hubs","description":"Line one\nLine two","areas":["learning"],"owner":"erin","dueDate":"2027-03-01"}"#.utf8)).status.code == 201)
    }

    /// A form sent twice (a double click) is carried out once: the copy is answered with the
    /// first answer (two identical actions were logged). The form sent again after a fresh
    /// page, or with anything changed, is carried out.
    @Test func aFormSentTwiceIsCarriedOutOnce() throws {
        let f = try WebFixture()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let page = try erin.get("/groups/\(Self.epb)/actions/new").text
        let token = try #require(page.range(of: "name=\"submission\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
        let before = try f.app.actions().count
        let form = [("title", "Hubs"), ("areas", "learning"), ("owner", "erin"), ("dueDate", "2027-03-01"), ("submission", token)]
        let first = try erin.post("/groups/\(Self.epb)/actions/new", form)
        let again = try erin.post("/groups/\(Self.epb)/actions/new", form)
        #expect(first.status.code == 303 && again.status.code == 303 && first.headers["Location"] == again.headers["Location"])
        #expect(try f.app.actions().count == before + 1, "one action")
        // A copy arriving while the first is still being carried out waits for it.
        let copies = DispatchGroup(), answers = Mutex<[String?]>([])
        let other = form.map { $0.0 == "title" ? ($0.0, "Venues") : $0 }
        // Each copy from a browser of its own holding erin's cookies (one browser is not shared across threads).
        let browsers = (0..<4).map { _ in WebFixture.Browser(f.web) }
        for b in browsers { b.cookies = erin.cookies; b.lastPage = page }
        for b in browsers {
            DispatchQueue.global().async(group: copies) {
                let r = try? b.post("/groups/\(Self.epb)/actions/new", other)
                answers.withLock { $0.append(r?.headers["Location"]) }
            }
        }
        copies.wait()
        let after = try f.app.actions().count
        #expect(Set(answers.withLock { $0 }).count == 1 && after == before + 2, "a changed form is its own; its copies one")
        let fresh = try erin.get("/groups/\(Self.epb)/actions/new").text
        #expect(!fresh.contains(token), "each page's form has a token of its own")
    }
}
