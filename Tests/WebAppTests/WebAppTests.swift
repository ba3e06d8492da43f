import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine
import SQLite

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A demo partnership behind the web app, called in-process with a browser-like cookie jar.
final class WebFixture: @unchecked Sendable {
    let app: Flourish
    let web: WebApp
    let clock: TestClock

    init(start: String = "2026-11-24T09:00", mail: MailSettings = MailSettings(command: "cat > /dev/null")) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let london = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        clock = TestClock(london.parse(start)!)
        app = try Flourish(databasePath: dir.appendingPathComponent("f.sqlite").path, library: library, clock: clock)
        _ = try app.loadDemo()
        web = try WebApp(app: app, mail: mail, log: ServerLog { _ in })
    }

    /// An `Authorization` header with a new API token of `person`'s.
    func bearer(_ person: String) throws -> (String, String) {
        ("Authorization", "Bearer \(try app.accounts.createToken(for: person, name: "test", at: clock.now()))")
    }

    /// Adds a person to the directory with a role at `body` and the demo password, ready to sign in.
    func addMember(_ id: String, name: String, body: String, role: String) throws {
        let now = clock.now()
        _ = try app.directory.addPerson(id: id, name: name, email: "\(id)@example.org", at: now)
        _ = try app.directory.addMembership(person: id, body: body, role: role, at: now)
        try app.accounts.setPassword(Flourish.demoPassword, for: id, at: now)
    }

    /// One answer, sent from any thread.
    final class Answer: @unchecked Sendable {  // `response` written before `ready` signals
        private var response: HTTPResponse?
        private let ready = DispatchSemaphore(value: 0)
        func put(_ r: HTTPResponse) { response = r; ready.signal() }
        func take() -> HTTPResponse? { ready.wait(timeout: .now() + 30) == .success ? response : nil }
    }

    /// A browser: keeps cookies, and fills in the CSRF token from the last page it saw.
    final class Browser: @unchecked Sendable {
        let web: WebApp
        var cookies: [String: String] = [:]
        var lastPage = ""
        /// The address the requests come from.
        var address = "192.0.2.1"
        init(_ web: WebApp) { self.web = web }

        @discardableResult
        func get(_ target: String, headers: [(String, String)] = []) throws -> HTTPResponse {
            try send("GET", target, headers: headers)
        }

        @discardableResult
        func post(_ target: String, _ fields: [(String, String)], csrf: Bool = true) throws -> HTTPResponse {
            var all = fields
            if csrf, let token = csrfToken { all.append(("csrf", token)) }
            let body = all.map { "\(URLEncoding.encode($0.0))=\(URLEncoding.encode($0.1))" }.joined(separator: "&")
            return try send("POST", target, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        }

        var csrfToken: String? {
            guard let r = lastPage.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(lastPage[r.upperBound...].prefix { $0 != "\"" })
        }

        func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPResponse {
            var h = HTTPHeaders([("Host", "localhost")] + headers)
            if !cookies.isEmpty { h.add("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
            // As the server asks: a write's answer may come later, from the thread that led its commit.
            let request = try HTTPRequest(method: method, target: target, headers: h, body: body, remoteAddress: address)
            let answered = WebFixture.Answer()
            web.answer(request, reply: HTTPReply { answered.put($0) })
            let response = try #require(answered.take(), "answered within 30 seconds")
            for cookie in response.headers.values("Set-Cookie") {
                let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                if cookie.contains("Max-Age=0") { cookies[pair[0]] = nil } else if pair.count == 2 { cookies[pair[0]] = pair[1] }
            }
            let text = String(decoding: response.body, as: UTF8.self)
            if text.contains("name=\"csrf\"") { lastPage = text }
            return response
        }

        /// Registers an organisation as its contact would: the form, then the link in the
        /// confirmation email, then the confirm button. Returns the last answer (the form's,
        /// when it refused).
        func register(_ fields: [(String, String)], app: Flourish) throws -> HTTPResponse {
            try get("/register")
            let asked = try post("/register", fields)
            guard asked.status.code == 200, asked.text.contains("Check your email") else { return asked }
            let email = fields.first { $0.0 == "contactEmail" }?.1 ?? ""
            guard let message = try app.outbox().first(where: { $0.recipient == email && $0.template == "confirm-registration" }),
                  let link = message.body.split(separator: "\n").first(where: { $0.contains("/register/confirm?token=") }),
                  let path = link.range(of: "/register/confirm") else { return asked }
            let confirmPage = try get(String(link[path.lowerBound...]))
            guard confirmPage.status.code == 200 else { return confirmPage }
            return try post("/register/confirm", [("token", String(link.split(separator: "=").last ?? ""))])
        }

        func signIn(_ person: String, password: String = Flourish.demoPassword) throws {
            try get("/sign-in")
            let r = try post("/sign-in", [("person", person), ("password", password)])
            #expect(r.status.code == 303, "signing in as \(person)")
        }
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}

@Suite(.serialized) struct WebAppTests {
    @Test func theHostileStringsAreEscapedWhereverTheyAppear() throws {
        let f = try WebFixture()
        let hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;"
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("contact-1")
        try browser.get("/pledges/new?organisation=wensum-valley-bakery")
        let made = try browser.post("/pledges/new", [("organisation", "wensum-valley-bakery"), ("text", hostile), ("areas", "learning")])
        #expect(made.status.code == 303)
        let page = try browser.get(made.headers["Location"]!).text
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("<img src=x"))
        #expect(page.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"))
        // In a form value after an error, and in a search box.
        let search = try browser.get("/pledges?q=" + URLEncoding.encode(hostile)).text
        #expect(!search.contains("<script>alert") && search.contains("value=\"&lt;script&gt;"))
    }

    @Test func everyRouteAllowsOrRefusesEachRoleAsItsAccessSays() throws {
        let f = try WebFixture()
        let personas: [(String?, Set<Access>)] = [
            (nil, [.everyone]),
            ("contact-1", [.everyone, .signedIn, .organisationContact]),
            ("erin", [.everyone, .signedIn, .chair]),
            ("sam", Set(Access.allCases)),
            ("bea", [.everyone, .signedIn, .boardMember]),
        ]
        var checked = 0
        for (person, allowed) in personas {
            let browser = WebFixture.Browser(f.web)
            if let person { try browser.signIn(person) }
            // Signing out mid-walk would end the persona's session.
            for route in f.web.routeTable where !["/sign-out", "/account/sign-out-everywhere"].contains(route.pattern) {
                let path = route.pattern.replacingOccurrences(of: "{id}", with: "x-1").replacingOccurrences(of: "{key}", with: "early-prevention-board")
                    .replacingOccurrences(of: "{event}", with: "submit")
                let response = route.method == "GET" ? try browser.get(path)
                    : route.isAPI ? try browser.send("POST", path, headers: [("Content-Type", "application/json"), ("X-CSRF-Token", browser.csrfToken ?? "")], body: Array("{}".utf8))
                    : try browser.post(path, [])
                // The router's own refusals: to sign-in, 401, or 403 saying who the page is for.
                let text = response.text
                let refusedByAccess = (response.status.code == 303 && response.headers["Location"]?.hasPrefix("/sign-in") == true)
                    || response.status.code == 401
                    || (response.status.code == 403 && (text.contains("This page is for") || text.contains("may do this.")))
                if allowed.contains(route.access) {
                    #expect(!refusedByAccess, "\(person ?? "public") should reach \(route.method) \(route.pattern), got \(response.status.code)")
                } else {
                    #expect(refusedByAccess, "\(person ?? "public") should be refused \(route.method) \(route.pattern), got \(response.status.code)")
                }
                checked += 1
            }
        }
        #expect(checked == (f.web.routeTable.count - 2) * personas.count)
    }

    @Test func formsWithoutTheCSRFTokenAreRefusedAndNothingChanges() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("contact-1")
        let before = try f.app.engine.instances(workflow: "pledge").count
        let r = try browser.post("/pledges/new", [("organisation", "wensum-valley-bakery"), ("text", "Sneaky"), ("areas", "learning")], csrf: false)
        #expect(r.status.code == 403 && r.text.contains("Your form has expired"))
        #expect(try f.app.engine.instances(workflow: "pledge").count == before)
    }

    @Test func wrongPasswordsSlowOnlyTheirAddressAndSessionsEndOnSignOut() throws {
        let f = try WebFixture()
        let attacker = WebFixture.Browser(f.web)
        attacker.address = "203.0.113.66"
        try attacker.get("/sign-in")
        for _ in 0..<3 {
            let wrong = try attacker.post("/sign-in", [("person", "sam"), ("password", "not-the-password")])
            #expect(wrong.status.code == 422 && wrong.text.contains("The user name or password is not right"))
        }
        let slowed = try attacker.post("/sign-in", [("person", "sam"), ("password", "not-the-password")])
        #expect(slowed.status.code == 429 && slowed.text.contains("Too many failed sign-ins from here. Wait 5 seconds"))
        // A spoofed X-Forwarded-For changes nothing: no proxy is trusted.
        let spoofed = try attacker.send("POST", "/sign-in", headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Forwarded-For", "198.51.100.1")],
                                        body: Array("person=sam&password=x&csrf=\(attacker.csrfToken ?? "")".utf8))
        #expect(spoofed.status.code == 429)

        // sam, from their own address, signs in at once: the attacker cannot lock them out.
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("sam")
        #expect(try browser.get("/escalations").status.code == 200)
        try browser.get("/")
        #expect(try browser.post("/sign-out", []).status.code == 303)
        #expect(try browser.get("/escalations").status.code == 303)  // back to sign-in
    }

    @Test func behindATrustedProxyTheForwardedClientIsTheOneSlowed() throws {
        let f = try WebFixture()
        let web = try WebApp(app: f.app, secureCookies: true, trustedProxies: ["127.0.0.1"], log: ServerLog { _ in })
        func request(forwardedFor: String, from peer: String = "127.0.0.1") throws -> HTTPRequest {
            try HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("X-Forwarded-For", forwardedFor)]), remoteAddress: peer)
        }
        // The proxy appends the client it saw; what the client sent before that is not believed.
        #expect(web.clientAddress(of: try request(forwardedFor: "10.9.9.9, 203.0.113.5")) == "203.0.113.5")
        #expect(web.clientAddress(of: try request(forwardedFor: "203.0.113.5", from: "192.0.2.50")) == "192.0.2.50", "only a trusted proxy is believed")
        #expect(web.clientAddress(of: try request(forwardedFor: "203.0.113.5, 127.0.0.1")) == "203.0.113.5", "a chain of trusted proxies is skipped")

        // Under --secure-cookies: __Host- cookies, Secure, and HSTS on every answer.
        let page = web.handle(try HTTPRequest(method: "GET", target: "/sign-in", headers: HTTPHeaders([("Host", "localhost")]), remoteAddress: "127.0.0.1"))
        #expect(page.headers["Strict-Transport-Security"] == "max-age=31536000")
        let cookie = page.headers.values("Set-Cookie").first ?? ""
        #expect(cookie.hasPrefix("__Host-flourish_csrf=") && cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"))
        #expect(f.web.handle(try HTTPRequest(method: "GET", target: "/", remoteAddress: "127.0.0.1")).headers["Strict-Transport-Security"] == nil,
                "no HSTS over plain HTTP")
    }

    @Test func anErrorSummaryLinksToEachFieldAndKeepsTheValues() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("erin")
        try browser.get("/groups/early-prevention-board/actions/new")
        let r = try browser.post("/groups/early-prevention-board/actions/new", [("title", "Family hubs"), ("owner", "erin"), ("dueDate", "31/03/2027")])
        #expect(r.status.code == 422)
        #expect(r.text.contains("<a href=\"#areas\">Select at least one FLOURISH area</a>"))
        #expect(r.text.contains("<a href=\"#dueDate\">Enter the due date as a date"))
        #expect(r.text.contains("value=\"Family hubs\""))
        #expect(r.text.contains("<title>Error: Log an action"))
        let ok = try browser.post("/groups/early-prevention-board/actions/new", [("title", "Family hubs"), ("owner", "erin"), ("dueDate", "2027-03-31"), ("areas", "family-and-friends")])
        #expect(ok.status.code == 303)
        let actionPath = ok.headers["Location"]!
        #expect(try browser.get(actionPath).text.contains("The action is logged."))

        // A refused update keeps what was typed, in its own form only.
        let page = try browser.get(actionPath).text
        let version = try #require(page.range(of: "name=\"version\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
        let refused = try browser.post(actionPath + "/events/update", [("version", version), ("commentary", "Two hubs open; the third waits for a lease")])
        #expect(refused.status.code == 422)
        #expect(refused.text.contains(">Two hubs open; the third waits for a lease</textarea>"), "the commentary is kept")
        #expect(refused.text.components(separatedBy: "Two hubs open; the third waits for a lease").count == 2, "once: not copied into the page's other forms")
        let kept = try browser.post(actionPath + "/events/update", [("version", version), ("rag", "amber"), ("commentary", String(repeating: "x", count: 10_001))])
        #expect(kept.status.code == 422 && kept.text.contains("value=\"amber\" checked"), "the RAG chosen is kept")
    }

    @Test func wordsAreNeitherDoubledNorCutMidWord() throws {
        let f = try WebFixture()
        let governance = try WebFixture.Browser(f.web).get("/governance").text
        #expect(governance.contains("more than 20 working days overdue") && !governance.contains("working days working days"))
        #expect(Components.shortened("Develop a young person’s participation programme across the county", to: 40) == "Develop a young person’s participation…")
        #expect(Components.shortened("Short enough", to: 40) == "Short enough")
        let form = try { let b = WebFixture.Browser(f.web); try b.signIn("erin"); return try b.get("/groups/early-prevention-board/actions/new").text }()
        #expect(!form.contains("particip</"), "framework items end at a word")
    }

    @Test func pagesNameBodiesAndPeopleNotTheirKeys() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let people = try sam.get("/people").text
        #expect(people.contains("chair of Early Prevention Board") || people.contains("of Early"), "memberships name the body")
        #expect(!people.contains("of early-prevention-board"))
        let group = try sam.get("/groups/early-prevention-board").text
        let owners = try f.app.directory.people().filter { group.contains(">\($0.id)</td>") }.map(\.id)
        #expect(owners.isEmpty, "owners are named, not shown by user name: \(owners)")
        #expect(f.app.displayName("body", "early-prevention-board") != "early-prevention-board")
        #expect(f.app.displayName("body", "no-such-body") == "no-such-body", "an unknown key is shown as it is")
    }

    /// A list's filter naming nothing there is: the API answers 422 naming the query parameter
    /// and what it may be; a page answers 400 saying so (both answered an empty list).
    @Test func aListFilterThatNamesNothingIsRefusedThroughTheAPIAndThePages() throws {
        let f = try WebFixture()
        let token = try f.app.accounts.createToken(for: "sam", name: "test", at: f.clock.now())
        let client = WebFixture.Browser(f.web)
        let auth = ("Authorization", "Bearer \(token)")
        for (path, field) in [("/api/v1/actions?state=nonsense", "state"), ("/api/v1/actions?rag=purple", "rag"), ("/api/v1/actions?group=nowhere", "group"),
                              ("/api/v1/escalations?state=pending", "state"), ("/api/v1/measures?area=cooking", "area"), ("/api/v1/pledges?district=atlantis", "district")] {
            let r = try client.send("GET", path, headers: [auth])
            let problem = try JSONValue.parse(r.text)
            #expect(r.status.code == 422 && problem["field"]?.stringValue == field && problem["code"]?.stringValue == "unknown-filter-value", "\(path): \(r.text)")
            #expect(problem["detail"]?.stringValue?.contains("Use one of: ") == true, "\(path)")
        }
        #expect(try client.send("GET", "/api/v1/actions?state=in-progress", headers: [auth]).status.code == 200)
        // The public wall shows it as its filter form's error, GOV.UK's way, with no pledges until it is fixed.
        let wall = try client.get("/pledges?area=cooking")
        #expect(wall.status.code == 200 && wall.text.contains("<title>Error: Pledge wall"), "\(wall.status.code)")
        #expect(wall.text.contains("Choose a FLOURISH area from the list; “cooking” is not one") && wall.text.contains("href=\"#area\""))
        #expect(!wall.text.contains("app-card-list"))
        let hostile = try client.get("/pledges?area=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        #expect(hostile.status.code == 200 && !hostile.text.contains("<script>alert(1)") && hostile.text.contains("&lt;script&gt;alert(1)"), "the value is shown escaped")
        #expect(try client.get("/pledges?area=learning").status.code == 200)
    }

    @Test func theAPIUsesProblemJSONETagsAndIdempotencyKeys() throws {
        let f = try WebFixture()
        let token = try f.app.accounts.createToken(for: "erin", name: "test", at: f.clock.now())
        let client = WebFixture.Browser(f.web)
        let auth = ("Authorization", "Bearer \(token)")
        let body = Array(#"{"group":"early-prevention-board","title":"Hubs","areas":["learning"],"owner":"erin","dueDate":"2027-01-29"}"#.utf8)
        let made = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json"), ("Idempotency-Key", "k1")], body: body)
        #expect(made.status.code == 201)
        let again = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json"), ("Idempotency-Key", "k1")], body: body)
        #expect(again.headers["Location"] == made.headers["Location"])
        // Keys are kept per sender: the secretariat's "k1" is its own write, not erin's replayed or refused.
        let sam = try f.app.accounts.createToken(for: "sam", name: "test", at: f.clock.now())
        let samsBody = Array(#"{"group":"early-prevention-board","title":"Sam's hubs","areas":["learning"],"owner":"erin","dueDate":"2027-01-29"}"#.utf8)
        let samMade = try client.send("POST", "/api/v1/actions", headers: [("Authorization", "Bearer \(sam)"), ("Content-Type", "application/json"), ("Idempotency-Key", "k1")], body: samsBody)
        #expect(samMade.status.code == 201 && samMade.headers["Location"] != made.headers["Location"])
        let location = made.headers["Location"]!
        let got = try client.get(location, headers: [auth])
        #expect(got.headers["ETag"] == "\"1\"")
        let update = Array(#"{"rag":"green","commentary":"Fine"}"#.utf8)
        let id = location.split(separator: "/").last!
        let stale = try client.send("POST", "/api/v1/instances/\(id)/events/update", headers: [auth, ("Content-Type", "application/json"), ("If-Match", "\"7\"")], body: update)
        #expect(stale.status.code == 412 && stale.headers["Content-Type"] == "application/problem+json")
        // Said once, for a program: what to fetch and send again (not also "Reload it", a page's words).
        #expect(stale.text.contains("\(id) was changed by someone else (you had version 7; it is now version 1). Fetch it again and retry with its new ETag.\""), "\(stale.text)")
        // Two If-Match lines: the second was never read. Now refused, and nothing written.
        let twice = try client.send("POST", "/api/v1/instances/\(id)/events/update", headers: [auth, ("Content-Type", "application/json"), ("If-Match", "\"1\""), ("If-Match", "\"7\"")], body: update)
        #expect(twice.status.code == 400 && twice.text.contains("Send one If-Match header; this request has 2."), "\(twice.text)")
        let keys = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json"), ("Idempotency-Key", "k1"), ("Idempotency-Key", "k9")], body: body)
        #expect(keys.status.code == 400 && keys.text.contains("\"code\": \"repeated-header\""), "two idempotency keys: \(keys.text)")
        let fresh = try client.send("POST", "/api/v1/instances/\(id)/events/update", headers: [auth, ("Content-Type", "application/json"), ("If-Match", "\"1\"")], body: update)
        #expect(fresh.status.code == 200 && fresh.headers["ETag"] == "\"2\"")
        let bad = try client.send("POST", "/api/v1/actions", headers: [auth, ("Content-Type", "application/json")], body: Array(#"{"group":"early-prevention-board","title":"x","areas":["cooking"],"owner":"erin","dueDate":"2027-01-29"}"#.utf8))
        #expect(bad.status.code == 422 && bad.text.contains("\"field\": \"areas\""))
        let anonymous = try WebFixture.Browser(f.web).send("POST", "/api/v1/actions", headers: [("Content-Type", "application/json")], body: body)
        #expect(anonymous.status.code == 401)
    }

    /// A chair of another group reads every group's actions, but not the escalations an action
    /// raised to bodies they are not on: the list names only those its reader may open.
    @Test func theAPIsListOfActionsNamesOnlyTheEscalationsTheReaderSees() throws {
        let f = try WebFixture()
        let epb = "early-prevention-board"
        let logged = try f.app.logAction(ActionRequest(group: epb, title: "Venues for hubs", areas: ["learning"], owner: "erin", dueDate: "2027-03-31"), by: "erin")
        _ = try f.app.fireAction(logged.action.id, event: "begin", fields: [:], by: "erin")
        for note in ["Venue fell through", "Still no venue"] {
            _ = try f.app.fireAction(logged.action.id, event: "update", fields: ["rag": "red", "commentary": .string(note)], by: "erin")
        }
        let raised = try #require(try f.app.action(logged.action.id).escalations.first).id.rawValue
        func listed(by person: String) throws -> [String]? {
            let token = try f.app.accounts.createToken(for: person, name: "list", at: f.clock.now())
            let answer = try WebFixture.Browser(f.web).get("/api/v1/actions?group=\(epb)", headers: [("Authorization", "Bearer \(token)")])
            #expect(answer.status.code == 200, "\(person): \(answer.text)")
            let actions = try JSONValue.parse(answer.text)["actions"]?.arrayValue ?? []
            let action = actions.first { $0["id"]?.stringValue == logged.action.id.rawValue }
            return action?["escalations"]?.arrayValue?.compactMap(\.stringValue)
        }
        #expect(try listed(by: "maya") == [], "maya chairs the mental health group, off the escalation's path")
        #expect(try listed(by: "erin") == [raised])
        #expect(try listed(by: "sam") == [raised])
        let page = try WebFixture.Browser(f.web)
        try page.signIn("maya")
        #expect(try page.get("/escalations/\(raised)").status.code == 404, "and she may not open it")
    }

    /// Whether an organisation is registered is its own and the secretariat's to know until it
    /// has something public: its calendar feed and a pledge for it answer the same as for none.
    @Test func anOrganisationWithNothingPublicIsAnsweredAsMissing() throws {
        let f = try WebFixture()
        let quiet = try f.app.registerOrganisation(.init(name: "Quiet Works Ltd", kind: "business", district: "norwich", sizeBand: "small",
                                                         contactName: "Quinn Quiet", contactEmail: "quinn@quiet.example"), by: "sam")
        let key = quiet.organisation.key, visitor = WebFixture.Browser(f.web)
        let feed = try visitor.get("/organisations/\(key)/deadlines.ics"), none = try visitor.get("/organisations/no-such-organisation/deadlines.ics")
        #expect(feed.status.code == 404 && none.status.code == 404 && !feed.text.contains("Quiet Works"))
        let published = try #require(try f.app.wall().entries.first?.pledge)
        let publishedOrganisation = try #require(try f.app.engine.instance(published).data["organisation"]?.stringValue)
        #expect(try visitor.get("/organisations/\(publishedOrganisation)/deadlines.ics").status.code == 200, "an organisation on the wall has a public feed")
        let erin = try f.app.accounts.createToken(for: "erin", name: "pledges", at: f.clock.now())
        func pledge(for organisation: String) throws -> (Int, String) {
            let r = try visitor.send("POST", "/api/v1/pledges", headers: [("Authorization", "Bearer \(erin)"), ("Content-Type", "application/json")],
                                     body: Array(#"{"organisation":"\#(organisation)","text":"Placements","areas":["learning"]}"#.utf8))
            return (r.status.code, r.text.replacingOccurrences(of: organisation, with: "ORG"))
        }
        let forQuiet = try pledge(for: key), forNone = try pledge(for: "no-such-organisation")
        #expect(forQuiet.0 == 403 && forQuiet == forNone, "\(forQuiet) \(forNone)")
        // Another organisation's contact opening the pledge form for it: as for none.
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        let form = try contact.get("/pledges/new?organisation=\(key)"), noForm = try contact.get("/pledges/new?organisation=no-such-organisation")
        #expect(form.status.code == 404 && noForm.status.code == 404 && !form.text.contains("Quiet Works"))
        #expect(try contact.get("/pledges/new").status.code == 200, "their own organisation's form")
    }

    @Test func theOpenAPIDocumentListsExactlyTheAPIRoutes() throws {
        let f = try WebFixture()
        let doc = try JSONValue.parse(WebFixture.Browser(f.web).get("/api/openapi.json").text)
        var documented: Set<String> = []
        for (path, item) in doc["paths"]?.objectValue ?? [:] { for method in (item.objectValue ?? [:]).keys { documented.insert(method.uppercased() + " " + path) } }
        let routes = Set(f.web.routeTable.filter { $0.isAPI || ["/healthz", "/metrics"].contains($0.pattern) }.map { $0.method + " " + $0.pattern })
        #expect(documented == routes)
        #expect(doc["openapi"] == "3.1.0")
    }

    /// Each write route's OpenAPI request schema was `{"type": "object"}`. Now it names the
    /// fields, which are required and their types; and the route refuses exactly what its
    /// schema does: a body missing a required field, or with one the schema does not list.
    @Test func eachWriteRoutesRequestSchemaIsWhatTheRouteTakes() throws {
        let f = try WebFixture()
        let client = WebFixture.Browser(f.web), auth = try f.bearer("sam")
        let doc = try JSONValue.parse(client.get("/api/openapi.json").text)
        let ids = ["{id}": "escalation-1"]
        var checked = 0
        for (path, item) in doc["paths"]?.objectValue ?? [:] {
            guard let post = item["post"], let schema = post["requestBody"]?["content"]?["application/json"]?["schema"],
                  let properties = schema["properties"]?.objectValue else { continue }
            let required = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(schema["additionalProperties"] == .bool(false) && !required.isEmpty && required.allSatisfy { properties[$0] != nil }, "\(path)")
            let target = ids.reduce(path) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
            func send(_ body: [String: JSONValue]) throws -> JSONValue {
                let r = try client.send("POST", target, headers: [auth, ("Content-Type", "application/json")], body: Array(JSONValue.object(body).prettyString.utf8))
                #expect(r.status.code == 422, "\(path): \(r.status.code) \(r.text)")
                return try JSONValue.parse(r.text)
            }
            // Without the first required field: that field is named.
            #expect(try send([:])["field"] == .string(required[0]), "\(path)")
            // With every required field and one more: the one more is named, and what it takes is the schema's list.
            var full: [String: JSONValue] = [:]
            for name in required { full[name] = properties[name]?["type"] == "number" ? .integer(1) : .string("x") }
            full["madeUp"] = .string("x")
            let refused = try send(full)
            #expect(refused["field"] == "madeUp" && refused["code"] == "unknown-field", "\(path): \(refused)")
            #expect(refused["detail"]?.stringValue?.contains("which takes \(properties.keys.sorted().joined(separator: ", "))") == true
                    || refused["detail"]?.stringValue.map { d in properties.keys.allSatisfy { d.contains($0) } } == true, "\(path): \(refused)")
            checked += 1
        }
        #expect(checked == 5, "pledges, actions, a measure's values, escalations and a decision declare their bodies")
    }

    /// Issue 23: the figures an operator alerts on, each checked against the thing it counts.
    @Test func metricsTellAnOperatorWhatTheyNeedToAlertOn() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.get("/sign-in")
        #expect(try b.post("/sign-in", [("person", "sam"), ("password", "not the password at all")]).status.code != 303)
        // Two months pass with nobody running tick: timers fall due and wait.
        f.clock.advance(bySeconds: 60 * 86_400)
        let token = try f.app.accounts.createToken(for: "sam", name: "prometheus", scope: .metrics, at: f.clock.now())
        let prometheus = [("Authorization", "Bearer \(token)")]
        let text = try b.get("/metrics", headers: prometheus).text
        func value(_ sample: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        #expect(value("flourish_sign_in_failures_total") == 1)
        #expect(value("flourish_sign_in_throttled_total") == 0)
        let head = try f.app.verifyAuditLog(expectedHead: nil).head
        #expect(text.contains("flourish_audit_head_info{head=\"\(head)\"} 1"), "the head `audit verify --head` takes")
        #expect(value("flourish_audit_head_sequence") == Double(head.split(separator: ":")[0]))
        let pending = try f.app.outboxPage(status: "pending", .first(200), for: try f.app.viewer(for: "sam")).total
        #expect(value("flourish_outbox_messages{status=\"pending\"}") == Double(pending))
        #expect(value("flourish_outbox_messages{status=\"failed\"}") == 0, "every status is named, zero or not")
        #expect((value("flourish_timers_due") ?? 0) > 0)
        #expect((value("flourish_timers_oldest_due_age_seconds") ?? 0) > 0)
        #expect((value("flourish_database_size_bytes") ?? 0) > 0)
        let free = try #require(value("flourish_disk_free_bytes")), size = try #require(value("flourish_disk_size_bytes"))
        #expect(free > 0 && free <= size)
        #expect(text.contains("# TYPE flourish_commit_duration_seconds histogram"))
        // Ticking fires them: none is due after, and their lateness is observed.
        let fired = try f.app.runDueTimers().filter(\.fired).count
        let after = try b.get("/metrics", headers: prometheus).text
        #expect(after.contains("flourish_timers_due 0\n"))
        #expect(after.contains("flourish_timer_lateness_seconds_count \(fired)\n"))
    }

    @Test func healthAndMetricsReportTheService() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        #expect(try b.get("/healthz").text == "ok\n")
        try b.get("/pledges")
        // Metrics are the secretariat's, or a metrics token's (Prometheus sends it as a bearer token).
        let anonymous = try b.get("/metrics")
        #expect(anonymous.status.code == 401 && anonymous.headers["WWW-Authenticate"] == "Bearer")
        let metricsToken = try f.app.accounts.createToken(for: "sam", name: "prometheus", scope: .metrics, at: f.clock.now())
        let metrics = try b.get("/metrics", headers: [("Authorization", "Bearer \(metricsToken)")]).text
        #expect(metrics.contains("flourish_http_request_duration_seconds_count{route=\"GET /pledges\",status=\"200\"} 1"))
        #expect(metrics.contains("flourish_open_escalations{body=\"children-and-young-people-strategic-alliance\"}"))
        #expect(metrics.contains("# TYPE flourish_http_request_duration_seconds histogram"))
        // A metrics token reads nothing else; a contact's token does not read metrics.
        #expect(try b.get("/api/v1/pledges", headers: [("Authorization", "Bearer \(metricsToken)")]).status.code == 403)
        let contactToken = try f.app.accounts.createToken(for: "contact-1", name: "script", at: f.clock.now())
        #expect(try b.get("/metrics", headers: [("Authorization", "Bearer \(contactToken)")]).status.code == 403)
    }

    @Test func tokensExpireCanBeReadOnlyAndAreRevokedOneByOne() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        func status(_ method: String, _ target: String, _ token: String, body: String = "") throws -> Int {
            try b.send(method, target, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: Array(body.utf8)).status.code
        }
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let pledge = #"{"organisation":"\#(organisation)","text":"Token pledge","areas":["learning"]}"#
        let reader = try f.app.accounts.createToken(for: "contact-1", name: "dashboard", scope: .read, days: 30, at: f.clock.now())
        let writer = try f.app.accounts.createToken(for: "contact-1", name: "sync", at: f.clock.now())
        #expect(try status("GET", "/api/v1/pledges", reader) == 200)
        #expect(try status("POST", "/api/v1/pledges", reader, body: pledge) == 403, "a read-only token cannot write")
        #expect(try status("POST", "/api/v1/pledges", writer, body: pledge) == 201)

        let listed = try f.app.accounts.tokens(of: "contact-1")
        #expect(listed.map(\.name) == ["sync", "dashboard"] || listed.map(\.name) == ["dashboard", "sync"])
        #expect(listed.allSatisfy { $0.lastUsedAt != nil }, "each was used")
        // Revoking one leaves the other working.
        let dashboard = try #require(listed.first { $0.name == "dashboard" })
        _ = try f.app.accounts.revokeToken(dashboard.id, of: "contact-1", at: f.clock.now())
        #expect(try status("GET", "/api/v1/pledges", reader) == 401)
        #expect(try status("GET", "/api/v1/pledges", writer) == 200)
        #expect(throws: AccountError.unknownToken(dashboard.id)) { try f.app.accounts.revokeToken(dashboard.id, of: "contact-1", at: f.clock.now()) }
        #expect(throws: AccountError.self) { try f.app.accounts.revokeToken(listed.first { $0.name == "sync" }!.id, of: "erin", at: f.clock.now()) }
        // Tokens expire: 90 days by default.
        f.clock.advance(bySeconds: 89 * 86_400)
        #expect(try status("GET", "/api/v1/pledges", writer) == 200)
        f.clock.advance(bySeconds: 2 * 86_400)
        #expect(try status("GET", "/api/v1/pledges", writer) == 401)
        #expect(throws: AccountError.self) { try f.app.accounts.createToken(for: "contact-1", name: "forever", days: 10_000, at: f.clock.now()) }
    }
}

/// Logging an action through the API queues its start and answers once it has committed:
/// the same answers as a thread that waits for the commit, refusals at once.
@Suite struct AnsweredAfterCommitTests {
    static func post(_ f: WebFixture, _ json: String, token: String, key: String? = nil) throws -> HTTPRequest {
        var headers = [("Host", "localhost"), ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        if let key { headers.append(("Idempotency-Key", key)) }
        return try HTTPRequest(method: "POST", target: "/api/v1/actions", headers: HTTPHeaders(headers), body: Array(json.utf8), remoteAddress: "192.0.2.1")
    }

    @Test func anActionLoggedThroughTheAPIIsAnsweredOnceCommittedAndTheSameAsAWaitingThreadIsAnswered() throws {
        let f = try WebFixture()
        let token = try f.app.accounts.createToken(for: "erin", name: "later", at: f.app.clock.now())
        let body = #"{"group":"early-prevention-board","title":"Answered later","areas":["learning"],"owner":"erin","dueDate":"2027-01-29"}"#
        let answered = WebFixture.Answer()
        f.web.answer(try Self.post(f, body, token: token, key: "k-1"), reply: HTTPReply { response in
            // The reply comes after the commit: the action is already there to read.
            let location = response.headers["Location"] ?? ""
            let id = String(location.split(separator: "/").last ?? "")
            var seen = response
            if (try? f.app.engine.instance(InstanceID(id)))?.data["title"] != .string("Answered later") { seen.status = .internalServerError }
            answered.put(seen)
        })
        let later = try #require(answered.take())
        #expect(later.status == .created)
        #expect(later.headers["Content-Type"] == "application/json")
        #expect(later.headers["X-Content-Type-Options"] == "nosniff", "security headers on an answer sent later")
        let waited = f.web.handle(try Self.post(f, body, token: token, key: "k-1"))
        #expect(waited.status == .created, "a retry with the same key: the first answer")
        #expect(waited.headers["Location"] == later.headers["Location"])
        // A refusal is answered at once, before anything is queued, and writes nothing.
        let actionsBefore = try f.app.engine.instances(workflow: "action", limit: 100_000).count
        let refused = WebFixture.Answer()
        f.web.answer(try Self.post(f, #"{"group":"early-prevention-board","title":"No such owner","areas":["learning"],"owner":"nobody-at-all","dueDate":"2027-01-29"}"#, token: token),
                     reply: HTTPReply { refused.put($0) })
        let problem = try #require(refused.take())
        #expect(problem.status.code == 404 || problem.status.code == 422 || problem.status.code == 400)
        #expect(problem.headers["Content-Type"] == "application/problem+json")
        #expect(String(decoding: problem.body, as: UTF8.self).contains("nobody-at-all"))
        #expect(try f.app.engine.instances(workflow: "action", limit: 100_000).count == actionsBefore)
    }
}

@Suite struct HTMLEscapeTests {
    /// Cases from Python's html.escape (Tests/proof/check_html_peer.py).
    @Test func escapesAsPythonsHTMLEscapeDoes() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/WebAppTests/Fixtures/html-escape-cases.json")
        let cases = try JSONValue.parse(String(contentsOf: url, encoding: .utf8)).arrayValue ?? []
        #expect(cases.count >= 10)
        for c in cases {
            let input = c["input"]?.stringValue ?? "", expected = c["escaped"]?.stringValue ?? ""
            #expect(HTML.escape(input) == expected, "\(input)")
            let interpolated: HTML = "<p>\(input)</p>"
            #expect(interpolated.text == "<p>\(expected)</p>")
        }
    }
}

@Suite(.serialized) struct PledgeWallPagingTests {
    @Test func theWallShowsFiftyPledgesAPageWithLinksThatKeepTheFilters() throws {
        let f = try WebFixture()
        var organisations = [["name", "kind", "district", "size_band", "postcode", "company_number", "contact_name", "contact_email", "registered_on"]]
        var pledges = [["organisation", "pledge_year", "text", "areas", "theme", "priority", "submitted_on", "approved_on", "outcome", "evidence", "reported_on"]]
        for i in 1...120 {
            organisations.append(["Paging Club \(i)", "business", "norwich", "small", "NR1 1AA", "", "Person \(i)", "p\(i)@paging.example", "2026-01-05"])
            pledges.append(["paging-club-\(i)", "2026", "Paging pledge number \(i)", i % 2 == 0 ? "learning" : "healthy", "", "", "2026-03-02", "2026-03-10", "", "", ""])
        }
        _ = try f.app.importOrganisations(csv: CSV.write(organisations), dryRun: false, by: "sam")
        _ = try f.app.importPledges(csv: CSV.write(pledges), dryRun: false, by: "sam")
        let visitor = WebFixture.Browser(f.web)
        let total = try f.app.wall().entries.count
        #expect(total >= 120)

        let first = try visitor.get("/pledges").text
        #expect(first.components(separatedBy: "<li class=\"app-card\">").count - 1 == 50)
        #expect(first.contains("Showing 1 to 50 of \(total)."))
        #expect(first.contains("<nav class=\"govuk-pagination\" aria-label=\"Pages of pledges\">"))
        #expect(first.contains("href=\"/pledges?page=2#results\" rel=\"next\"") && !first.contains("rel=\"prev\""))
        let lastPage = (total + 49) / 50
        let last = try visitor.get("/pledges?page=\(lastPage)").text
        #expect(last.components(separatedBy: "<li class=\"app-card\">").count - 1 == total - 50 * (lastPage - 1))
        #expect(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""))
        // Past the end, or nonsense, shows the nearest real page.
        // A page that is not there is refused naming "page", not quietly swapped for another.
        for missing in ["999", "banana"] {
            let r = try visitor.get("/pledges?page=\(missing)")
            #expect(r.status.code == 400 && r.text.contains("“page” should be a whole number from 1 to \(lastPage)"))
        }
        // The filters travel with the page links.
        let learning = try visitor.get("/pledges?area=learning&q=paging").text
        #expect(learning.contains("Showing 1 to 50 of 60."))
        #expect(learning.contains("href=\"/pledges?q=paging&amp;area=learning&amp;page=2#results\""))
    }
}

/// Issue 18: the API's lists returned everything, or would have been cut with no sign. Each is
/// now a page with its total and a `next` cursor, and a `Link: rel="next"` header (RFC 8288).
@Suite struct APIPagingTests {
    @Test func theWallPagesThroughEveryPledgeOnceFollowingTheLinkHeader() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        let whole = try #require(try JSONValue.parse(b.get("/api/v1/pledges?limit=1000").text).objectValue)
        let total = try #require(whole["total"]?.intValue)
        let everyID = whole["pledges"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
        #expect(total >= 2 && everyID.count == total && whole["next"] == .null)

        var seen: [String] = []
        var target: String? = "/api/v1/pledges?limit=1"
        while let t = target {
            let r = try b.get(t)
            #expect(r.status.code == 200)
            let page = try #require(try JSONValue.parse(r.text).objectValue)
            #expect(page["total"]?.intValue == total)
            let ids = page["pledges"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
            #expect(ids.count == 1)
            seen += ids
            target = r.headers["Link"].flatMap { link in
                link.hasSuffix(">; rel=\"next\"") ? String(link.dropFirst().prefix { $0 != ">" }) : nil
            }
            #expect((target == nil) == (page["next"] == .null), "the Link header and next agree")
        }
        #expect(seen == everyID, "every pledge once, in the wall's order")
    }

    @Test func filtersStayOnTheNextPageAndBadPagingIsNamed() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("sam")
        let first = try b.get("/api/v1/escalations?state=open&limit=1")
        let page = try #require(try JSONValue.parse(first.text).objectValue)
        #expect(page["escalations"]?.arrayValue?.count == 1)
        if let link = first.headers["Link"] { #expect(link.contains("state=open") && link.contains("limit=1") && link.contains("after=")) }
        for (query, field) in [("limit=0", "limit"), ("limit=ten", "limit"), ("limit=1001", "limit"), ("after=escalation-nope", "after")] {
            let r = try b.get("/api/v1/actions?\(query)")
            #expect(r.status.code == 422 && r.headers["Content-Type"] == "application/problem+json", "\(query)")
            #expect(try JSONValue.parse(r.text).objectValue?["field"]?.stringValue == field, "\(query)")
        }
        let pledge = try #require(try JSONValue.parse(b.get("/api/v1/pledges").text).objectValue?["pledges"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
        let history = try #require(try JSONValue.parse(b.get("/api/v1/instances/\(pledge)/history?limit=1").text).objectValue)
        #expect(history["events"]?.arrayValue?.count == 1 && (history["total"]?.intValue ?? 0) >= 1)
    }

    @Test func theOutboxPageRefusesAMadeUpCursorWithAPageNotA500() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("sam")
        #expect(try b.get("/outbox").status.code == 200)
        let r = try b.get("/outbox?after=nope")
        #expect(r.status.code == 400)
        #expect(r.text.contains("start again from the first page"))
    }
}

/// Issue 23: a database SQLite calls damaged used to answer /healthz 200 and go on writing
/// to the tables that still worked. Now a quick_check finds it, writes stop, and the health
/// check and the metrics say so.
@Suite struct DamagedDatabaseTests {
    @Test func aDamagedFileTurnsHealthTo503AndRefusesEveryChangeButPagesStillRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-damaged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("f.sqlite").path
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))
        var rootPage = 0, pageSize = 0
        do {
            let app = try Flourish(databasePath: path, library: library, clock: clock)
            _ = try app.loadDemo()
            try app.database.checkpoint()
            try app.database.read { db in
                rootPage = try db.queryOne("SELECT rootpage FROM sqlite_master WHERE name = 'outbox_by_status'")?.int("rootpage") ?? 0
                pageSize = try db.queryOne("PRAGMA page_size")?.int("page_size") ?? 0
            }
            #expect(try app.checkIntegrity() == nil, "sound before")
        }
        // A disk error scribbles over one index page.
        let file = try #require(FileHandle(forUpdatingAtPath: path))
        try file.seek(toOffset: UInt64((rootPage - 1) * pageSize))
        try file.write(contentsOf: Data(repeating: 0xEE, count: pageSize))
        try file.close()

        let app = try Flourish(databasePath: path, library: library, clock: clock)
        let web = try WebApp(app: app, log: ServerLog { _ in })
        let b = WebFixture.Browser(web)
        #expect(try b.get("/healthz").status.code == 200, "nothing is known until a check runs")
        let damage = try #require(try app.checkIntegrity())
        #expect(damage.contains("malformed") || damage.lowercased().contains("page"), "\(damage)")
        let health = try b.get("/healthz")
        #expect(health.status.code == 503 && health.text.hasPrefix("damaged:"))
        #expect(try b.get("/pledges").status.code == 200, "pages still read")
        // Signing in writes a session: refused, with the service's words, nothing changed.
        try b.get("/sign-in")
        let refused = try b.post("/sign-in", [("person", "sam"), ("password", Flourish.demoPassword)])
        #expect(refused.status.code == 503 && refused.text.contains("found its database damaged"))
        #expect(refused.headers["Retry-After"] == "300")
        #expect(throws: SQLiteError.self) { try app.runDueTimers() }
        let token = try? app.accounts.createToken(for: "sam", name: "prometheus", scope: .metrics, at: clock.now())
        #expect(token == nil, "a token is a write too")
        // The metrics say so (read as the server would render them).
        #expect(try web.metrics.render(app: app).contains("flourish_database_damaged 1\n"))
        // The doctor reports it rather than failing on the outbox's damaged index.
        let findings = try app.doctor(DoctorSettings(replicated: false, sendmailCommand: "/bin/true"))
        #expect(findings.contains { $0.check == "integrity" && $0.level == .problem })
        #expect(findings.contains { $0.check == "records" && $0.level == .problem && $0.detail.contains("could not be read") })
    }
}

/// Issue 19: the service essentials every public service has, linked from every page.
@Suite struct ServicePagesTests {
    @Test func theStatementNoticeAndCookiesPageAreThereForAnyoneAndEveryPageLinksToThem() throws {
        let f = try WebFixture()
        let visitor = WebFixture.Browser(f.web)
        let statement = try visitor.get("/accessibility")
        #expect(statement.status.code == 200 && statement.text.contains("<title>Accessibility statement – FLOURISH</title>"))
        #expect(statement.text.contains("Compliance status") && statement.text.contains("partially compliant") && statement.text.contains("How we tested"))
        #expect(statement.text.contains("Children and Young People Strategic Alliance's secretariat"), "who to contact, when no address was given")
        let privacy = try visitor.get("/privacy")
        #expect(privacy.status.code == 200 && privacy.text.contains("How long we keep it") && privacy.text.contains("Information Commissioner"))
        #expect(privacy.text.contains("8 hours without use"), "the session's real lifetime")
        let cookies = try visitor.get("/cookies")
        #expect(cookies.status.code == 200)
        for name in ["flourish_session", "flourish_csrf", "flourish_flash"] { #expect(cookies.text.contains(name), "\(name) is listed") }

        // Every page, signed in or not, has the phase banner and the three links in its footer.
        let signedIn = WebFixture.Browser(f.web)
        try signedIn.signIn("sam")
        for page in [try visitor.get("/"), try visitor.get("/pledges"), try visitor.get("/no-such-page"), try signedIn.get("/dashboard")] {
            #expect(page.text.contains("govuk-phase-banner") && page.text.contains(">Beta<"))
            for link in ["/accessibility", "/privacy", "/cookies"] { #expect(page.text.contains("class=\"govuk-footer__link\" href=\"\(link)\"")) }
        }
    }

    @Test func theSecretariatsAddressAndHTTPSCookieNamesAreTheOnesInUse() throws {
        let f = try WebFixture()
        let web = try WebApp(app: f.app, secureCookies: true, contactEmail: "alliance@example.org", log: ServerLog { _ in })
        let b = WebFixture.Browser(web)
        let statement = try b.get("/accessibility").text
        #expect(statement.contains("href=\"mailto:alliance@example.org\""))
        #expect(try b.get("/").text.contains("mailto:alliance@example.org?subject=FLOURISH%20feedback"))
        let cookies = try b.get("/cookies").text
        #expect(cookies.contains("__Host-flourish_session") && cookies.contains("__Host-flourish_csrf"))
    }
}

/// Issue 19: titles that say which record a page is ("History" ×48, "Action" ×21 before).
@Suite struct PageTitleTests {
    @Test func recordPagesAreTitledByTheirRecord() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("sam")
        func title(_ path: String) throws -> String {
            let text = try b.get(path).text
            guard let start = text.range(of: "<title>"), let end = text.range(of: "</title>") else { return "" }
            return String(text[start.upperBound..<end.lowerBound])
        }
        let actions = try f.app.actions(ActionFilter(), for: try f.app.viewer(for: "sam")).prefix(2).map(\.action)
        #expect(actions.count == 2)
        let first = try title("/actions/\(actions[0].id.rawValue)"), second = try title("/actions/\(actions[1].id.rawValue)")
        #expect(first == "Action: \(HTML.escape(actions[0].title)) – FLOURISH" && first != second)
        #expect(try title("/history/\(actions[0].id.rawValue)") == "History: \(HTML.escape(actions[0].title)) – FLOURISH")
        let pledge = try #require(try f.app.wall().entries.first)
        #expect(try title("/pledges/\(pledge.pledge.rawValue)") == "\(pledge.organisationName)’s pledge for \(pledge.pledgeYear) – FLOURISH")
        #expect(try title("/history/\(pledge.pledge.rawValue)") == "History: \(pledge.organisationName)’s pledge for \(pledge.pledgeYear) – FLOURISH")
    }
}

/// Issue 19: a select in error is marked like an input in error (a red border), not only by its message.
@Suite struct FieldErrorStyleTests {
    @Test func aSelectInErrorHasTheErrorStyleAndOneWithoutDoesNot() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.get("/register")
        let refused = try b.post("/register", [("name", "Selects Ltd"), ("kind", ""), ("district", "norwich"), ("sizeBand", "")])
        #expect(refused.status.code == 422)
        #expect(refused.text.contains("class=\"govuk-select govuk-select--error\" id=\"kind\""))
        #expect(refused.text.contains("class=\"govuk-select\" id=\"district\""), "a select the person got right is not marked")
    }
}
