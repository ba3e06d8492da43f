import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine

/// An organisation's journey through the pages: it registers itself, pledges, is asked for
/// changes, edits and resubmits, is approved and appears on the public wall.
@Suite(.serialized) struct OrganisationJourneyTests {
    static let registration: [(String, String)] = [
        ("name", "Cromer Climbing Wall"), ("kind", "business"), ("district", "north-norfolk"), ("sizeBand", "small"),
        ("postcode", "nr27 9hb"), ("companyNumber", ""), ("contactName", "Cal Crane"), ("contactEmail", "cal@climbing.example"),
        ("userName", "cal"), ("password", "ropes and chalk at dawn"), ("passwordConfirm", "ropes and chalk at dawn"),
    ]

    static func replacing(_ field: String, with value: String) -> [(String, String)] {
        registration.map { $0.0 == field ? ($0.0, value) : $0 }
    }

    @Test func badRegistrationsSayWhatIsWrongAndWriteNothing() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web)
        try browser.get("/register")
        let organisationsBefore = try f.app.organisations().count, peopleBefore = try f.app.directory.people().count

        let empty = try browser.post("/register", [])
        #expect(empty.status.code == 422)
        for anchor in ["#name", "#kind", "#district", "#sizeBand", "#contactName", "#contactEmail", "#userName", "#password"] {
            #expect(empty.text.contains("<a href=\"\(anchor)\">"), "the error summary links to \(anchor)")
        }
        let cases: [([(String, String)], String, String)] = [
            (Self.replacing("passwordConfirm", with: "ropes and chalk at dusk"), "#passwordConfirm", "The two passwords are not the same"),
            (Self.replacing("password", with: "qwerty123456").map { $0.0 == "passwordConfirm" ? ($0.0, "qwerty123456") : $0 }, "#password", "on a list of commonly used passwords"),
            (Self.replacing("userName", with: "sam"), "#userName", "The user name is already taken: choose another"),
            (Self.replacing("userName", with: "Cal Crane!"), "#userName", "should start with a letter"),
            (Self.replacing("contactEmail", with: "not-an-email"), "#contactEmail", "should be an email address"),
            (Self.replacing("kind", with: "spaceship"), "#kind", "The kind should be one of"),
            (Self.replacing("contactName", with: "Cal\r\nCrane"), "#contactName", "Your full name should be a single line"),
            (Self.replacing("contactName", with: String(repeating: "C", count: 301)), "#contactName", "Your full name should be at most 300 characters"),
        ]
        for (fields, anchor, message) in cases {
            let r = try browser.post("/register", fields)
            #expect(r.status.code == 422, "\(anchor) refused")
            #expect(r.text.contains("<a href=\"\(anchor)\">") && r.text.contains(message), "\(anchor): \(message)")
            #expect(r.text.contains("value=\"Cromer Climbing Wall\""), "the values are kept")
            #expect(!r.text.contains("ropes and chalk"), "the password is never sent back")
        }
        #expect(try f.app.organisations().count == organisationsBefore)
        #expect(try f.app.directory.people().count == peopleBefore)
        #expect(try !f.app.accounts.hasAccount("cal"))
    }

    @Test func anOrganisationRegistersPledgesIsAskedForChangesAndAppearsOnTheWall() throws {
        let f = try WebFixture()
        let organisation = WebFixture.Browser(f.web), secretariat = WebFixture.Browser(f.web), visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get("/").text.contains("href=\"/register\""))

        // Registers: nothing exists until the contact follows the link in the email; then the
        // organisation is registered and the contact signed in.
        try organisation.get("/register")
        let pending = try organisation.post("/register", Self.registration)
        #expect(pending.status.code == 200 && pending.text.contains("Check your email") && pending.text.contains("cal@climbing.example"))
        #expect(pending.headers.values("Set-Cookie").allSatisfy { !$0.hasPrefix("flourish_session=") }, "not signed in yet")
        #expect(try f.app.organisations().allSatisfy { $0.organisation.name != "Cromer Climbing Wall" }, "the secretariat sees nothing yet")
        // Someone else cannot take the user name meanwhile; the contact, registering again having
        // lost the email, gets a new link and the old one stops working.
        let other = try WebFixture.Browser(f.web).register(Self.registration.map { $0.0 == "contactEmail" ? ($0.0, "someone@else.example") : $0 }, app: f.app)
        #expect(other.status.code == 422 && other.text.contains("already taken"))
        let firstLink = try #require(try f.app.outbox().first { $0.template == "confirm-registration" }?.body)
        #expect(try organisation.post("/register", Self.registration).text.contains("Check your email"))
        #expect(try f.app.outbox().filter { $0.template == "confirm-registration" }.count == 1, "the first email is withdrawn")
        let message = try #require(try f.app.outbox().first { $0.template == "confirm-registration" })
        let link = try #require(message.body.split(separator: "\n").first { $0.contains("/register/confirm?token=") })
        #expect(link.hasPrefix("http://localhost:8080/register/confirm?token="), "the link is the site's configured address, not the request's Host")
        let token = String(link.split(separator: "=").last ?? "")
        let confirmPage = try organisation.get("/register/confirm?token=\(token)").text
        #expect(confirmPage.contains("Confirm and finish registering") && confirmPage.contains("<strong>Cromer Climbing Wall</strong>") && confirmPage.contains("Your user name will be <strong>cal</strong>"))
        #expect(try f.app.organisations().allSatisfy { $0.organisation.name != "Cromer Climbing Wall" }, "opening the link (a mail scanner might) confirms nothing")
        let confirmed = try organisation.post("/register/confirm", [("token", token)])
        #expect(confirmed.status.code == 303 && confirmed.headers["Location"] == "/organisation")
        let firstToken = String(firstLink.split(separator: "\n").first { $0.contains("token=") }?.split(separator: "=").last ?? "")
        let firstStillLive = try f.app.accounts.linkIsLive(firstToken, for: .verifyRegistration, at: f.clock.now())
        #expect(firstToken != token && !firstStillLive)
        let replayed = try WebFixture.Browser(f.web).get("/register/confirm?token=\(token)")
        #expect(replayed.status.code == 410 && replayed.text.contains("This link has been used or has expired"))
        // Already confirmed: sign in, not "register again" (which is refused as a duplicate).
        #expect(replayed.text.contains("If you confirmed it already, your organisation is registered: <a class=\"govuk-link\" href=\"/sign-in\">sign in</a>"))
        let home = try organisation.get("/organisation")
        #expect(home.status.code == 200)
        #expect(home.text.contains("Cromer Climbing Wall is registered for the FLOURISH Pledge. You are signed in as cal"))
        #expect(home.text.contains("No pledges yet."))
        // The contact can also sign in later with the password they chose.
        let again = WebFixture.Browser(f.web)
        try again.get("/sign-in")
        #expect(try again.post("/sign-in", [("person", "cal"), ("password", "ropes and chalk at dawn")]).status.code == 303)

        // Pledges and submits.
        try organisation.get("/pledges/new?organisation=cromer-climbing-wall")
        let made = try organisation.post("/pledges/new", [("organisation", "cromer-climbing-wall"), ("text", "Free climbing sessions for young carers"),
                                                          ("areas", "opportunity"), ("submit", "1")])
        #expect(made.status.code == 303)
        let pledgePath = made.headers["Location"]!
        #expect(try organisation.get(pledgePath).text.contains("Your pledge is submitted."))

        // The secretariat asks for changes from its review queue.
        try secretariat.signIn("sam")
        #expect(try secretariat.get("/review").text.contains("Free climbing sessions for young carers"))
        let review = try secretariat.get(pledgePath)
        let version = try #require(Self.version(in: review.text, action: "\(pledgePath)/review"))
        #expect(review.text.contains("What is your decision?"), "the review is one question")
        let unsaid = try secretariat.post("\(pledgePath)/review", [("version", version), ("decision", "request-changes")])
        #expect(unsaid.status.code == 422 && unsaid.text.contains("<a href=\"#changesComment\">Enter what the organisation should change</a>"))
        let asked = try secretariat.post("\(pledgePath)/review", [("version", version), ("decision", "request-changes"), ("changesComment", "Please say how many sessions and for what ages.")])
        #expect(asked.status.code == 303)

        // The organisation sees the comment, edits and resubmits.
        let page = try organisation.get(pledgePath)
        #expect(page.text.contains("Please say how many sessions and for what ages."))
        #expect(page.text.contains("href=\"\(pledgePath)/edit\">Edit this pledge</a>"))
        let form = try organisation.get("\(pledgePath)/edit")
        #expect(form.text.contains("The secretariat asked: Please say how many sessions and for what ages."))
        #expect(form.text.contains(">Free climbing sessions for young carers</textarea>"), "the form starts with the pledge as it is")
        let editVersion = try #require(Self.version(in: form.text, action: "\(pledgePath)/edit"))
        let noAreas = try organisation.post("\(pledgePath)/edit", [("version", editVersion), ("text", "Twelve free climbing sessions for young carers aged 8 to 16")])
        #expect(noAreas.status.code == 422 && noAreas.text.contains("Select at least one FLOURISH area"))
        let resubmitted = try organisation.post("\(pledgePath)/edit", [("version", editVersion), ("text", "Twelve free climbing sessions for young carers aged 8 to 16"),
                                                                      ("areas", "opportunity"), ("areas", "healthy"), ("submit", "1")])
        #expect(resubmitted.status.code == 303)
        #expect(try organisation.get(pledgePath).text.contains("Your changes are saved and the pledge is submitted."))

        // Approved, it is on the public wall.
        let approval = try secretariat.get(pledgePath)
        let approveVersion = try #require(Self.version(in: approval.text, action: "\(pledgePath)/review"))
        #expect(try secretariat.post("\(pledgePath)/review", [("version", approveVersion), ("decision", "approve")]).status.code == 303)
        let wall = try visitor.get("/pledges?search=climbing")
        #expect(wall.text.contains("Twelve free climbing sessions for young carers aged 8 to 16"))
        #expect(wall.text.contains("Cromer Climbing Wall"))
    }

    @Test func anotherOrganisationsContactCannotEditAPledge() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web)
        #expect(try browser.register(Self.registration, app: f.app).status.code == 303)
        let fenland = try #require(try f.app.engine.instances(workflow: "pledge").first { $0.state == "submitted" })
        try browser.get("/organisation")
        let r = try browser.post("/pledges/\(fenland.id.rawValue)/edit", [("version", "\(fenland.version)"), ("text", "Taken over"), ("areas", "healthy")])
        #expect(r.status.code == 404, "another organisation's pledge is answered as missing, so nothing of it shows")
        #expect(!r.text.contains(fenland.data["text"]?.stringValue ?? "-"))
        #expect(try f.app.engine.instance(fenland.id).data["text"] == fenland.data["text"], "nothing changed")
    }

    /// The version a form posting to `action` carries.
    static func version(in page: String, action: String) -> String? {
        guard let form = page.range(of: "action=\"\(action)\"") else { return nil }
        guard let v = page[form.upperBound...].range(of: "name=\"version\" value=\"") else { return nil }
        return String(page[v.upperBound...].prefix { $0 != "\"" })
    }
}

/// When the database cannot grow (a full disk), writes are refused with 503 and a message,
/// reads go on, nothing half-written is left, and writing resumes once there is room.
@Suite(.serialized) struct FullStorageTests {
    @Test func aFullDatabaseRefusesWritesWith503KeepsReadingAndRecovers() throws {
        let f = try WebFixture()
        let organisation = WebFixture.Browser(f.web), visitor = WebFixture.Browser(f.web)
        try organisation.get("/register")
        let organisationsBefore = try f.app.organisations().count
        let token = try f.app.accounts.createToken(for: "erin", name: "test", at: f.clock.now())
        // SQLite answers SQLITE_FULL, exactly as on a full disk, once the file may not grow: a
        // write that fits in pages the file already has still succeeds (as on a real full
        // disk), so registrations are tried until one needs a page more; that one is refused.
        let pages = try f.app.database.withWriter { try $0.queryOne("PRAGMA page_count")?.int("page_count") ?? 0 }
        try f.app.database.withWriter { try $0.execute("PRAGMA max_page_count = \(pages)") }
        var refused: HTTPResponse?, refusedName = "", fitted = 0
        for n in 1...30 {
            let name = "Full Disk Trust \(n) " + String(repeating: "x", count: 200)
            let fields = OrganisationJourneyTests.registration.map { field -> (String, String) in
                switch field.0 {
                case "name": return (field.0, name)
                case "userName": return (field.0, "full\(n)")
                case "contactName": return (field.0, "Contact \(n) " + String(repeating: "y", count: 200))
                default: return field
                }
            }
            organisation.address = "192.0.2.\(100 + n)"  // registrations are limited per address
            let r = try organisation.register(fields.map { $0.0 == "contactEmail" ? ($0.0, "full\(n)@example.org") : $0 }, app: f.app)
            if r.status.code == 503 { refused = r; refusedName = name; break }
            #expect(r.status.code == 303, "a registration that fits is written: \(r.status.code)")
            fitted += 1
            try organisation.post("/sign-out", [])
        }
        let full = try #require(refused, "a registration needing a new page was refused")
        #expect(full.headers["Retry-After"] == "60")
        #expect(full.text.contains("cannot save changes just now because its storage is full"))
        #expect(try f.app.organisations().count == organisationsBefore + fitted, "the refused registration wrote nothing")
        #expect(try !f.app.organisations().contains { $0.organisation.name == refusedName })
        #expect(try !f.app.accounts.hasAccount("full\(fitted + 1)"))
        let wall = try visitor.get("/pledges")
        #expect(wall.status.code == 200 && wall.text.contains("Wensum Valley Bakery"))
        // An action whose description is longer than a page needs new pages whatever is free.
        let description = String(repeating: "Venues, staffing and transport for the family hubs. ", count: 200)
        let body = Array(#"{"group":"early-prevention-board","title":"Hubs","areas":["learning"],"owner":"erin","dueDate":"2027-01-29","description":"\#(description)"}"#.utf8)
        let api = try visitor.send("POST", "/api/v1/actions", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: body)
        #expect(api.status.code == 503 && api.headers["Content-Type"] == "application/problem+json")
        #expect(api.text.contains("storage is full") && !api.text.contains("SQLite"))

        try f.app.database.withWriter { try $0.execute("PRAGMA max_page_count = 1073741823") }
        organisation.address = "192.0.2.99"
        let registered = try organisation.register(OrganisationJourneyTests.registration, app: f.app)
        #expect(registered.status.code == 303 && registered.headers["Location"] == "/organisation")
        #expect(try f.app.organisations().count == organisationsBefore + fitted + 1)
        #expect(try f.app.database.integrityCheck() == ["ok"])
    }
}
