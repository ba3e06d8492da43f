import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine

/// Public pages kept whole for visitors who are not signed in: served from memory (on the
/// server's event loop) until anything at all is committed, by this process or another.
@Suite(.serialized) struct KeptPagesTests {
    static func visitor(_ target: String, cookie: String? = nil, method: String = "GET") throws -> HTTPRequest {
        var headers = HTTPHeaders([("Host", "localhost")])
        if let cookie { headers.add("Cookie", cookie) }
        return try HTTPRequest(method: method, target: target, headers: headers)
    }

    @Test func theWallIsKeptForVisitorsUntilAnotherProcessChangesSomething() throws {
        let f = try WebFixture()
        let wall = try Self.visitor("/pledges?q=&area=")
        #expect(f.web.immediate(wall) == nil, "nothing is kept before the page is first built")
        let built = f.web.handle(wall)
        #expect(built.status == .ok)
        #expect(built.headers["Set-Cookie"] == nil, "a page with no form sets no cookie")
        let kept = try #require(f.web.immediate(wall), "the second visitor is answered from memory")
        #expect(kept.body == built.body && kept.headers == built.headers)
        #expect(f.web.immediate(try Self.visitor("/pledges?q=&area=", method: "HEAD")) != nil, "HEAD shares the GET's page")
        #expect(f.web.immediate(try Self.visitor("/pledges?area=healthy")) == nil, "each address is its own page")

        // Another process (the CLI, say) withdraws an organisation whose pledge is on the wall.
        let entry = try #require(try f.app.wall().entries.first)
        let cli = try Flourish(databasePath: f.app.database.path, library: f.app.library, clock: f.clock)
        _ = try cli.withdrawOrganisation(entry.organisation, reason: "Closing down", by: "sam")
        #expect(f.web.immediate(wall) == nil, "a change elsewhere retires the kept page at once")
        let rebuilt = f.web.handle(wall).text
        #expect(!rebuilt.contains("/pledges/\(entry.pledge.rawValue)\""), "the withdrawn pledge has left the wall")
        #expect(built.text.contains("/pledges/\(entry.pledge.rawValue)\""))
        #expect(f.web.immediate(wall)?.text == rebuilt)
    }

    /// Issue 22: after a change, a visitor's page kept before goes to a worker ahead of the
    /// queue (it is built again in a moment and kept for everyone after); signed-in pages, and
    /// addresses never kept, take their turn.
    @Test func aKeptPageChangedSinceGoesAheadOfTheQueueForVisitorsOnly() throws {
        let f = try WebFixture()
        let wall = try Self.visitor("/pledges")
        #expect(!f.web.goesAhead(wall), "an address never kept takes its turn")
        _ = f.web.handle(wall)
        #expect(f.web.immediate(wall) != nil && f.web.goesAhead(wall))
        let entry = try #require(try f.app.wall().entries.first)
        _ = try f.app.withdrawOrganisation(entry.organisation, reason: "Closing down", by: "sam")
        #expect(f.web.immediate(wall) == nil, "changed since it was kept")
        #expect(f.web.goesAhead(wall), "a visitor's kept page, changed since, goes ahead")
        #expect(f.web.goesAhead(try Self.visitor("/pledges", method: "HEAD")))
        #expect(!f.web.goesAhead(try Self.visitor("/pledges?area=learning")), "another address, never kept, does not")
        #expect(!f.web.goesAhead(try Self.visitor("/pledges", cookie: "flourish_session=abc")), "a signed-in reader's page does not")
        #expect(!f.web.goesAhead(try Self.visitor("/pledges", cookie: "flourish_flash=Saved")), "nor a page with a message to show")
        var byToken = try Self.visitor("/pledges")
        byToken.headers.add("Authorization", "Bearer abc")
        #expect(!f.web.goesAhead(byToken), "nor a request with a token")
        #expect(!f.web.goesAhead(try HTTPRequest(method: "POST", target: "/pledges", headers: HTTPHeaders([("Host", "localhost")]))), "nor a write")
    }

    @Test func aChangeThroughTheWebRetiresKeptPagesToo() throws {
        let f = try WebFixture()
        let home = try Self.visitor("/")
        let before = f.web.handle(home).text
        #expect(f.web.immediate(home) != nil)
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("contact-1")
        try browser.get("/pledges/new?organisation=wensum-valley-bakery")
        #expect(try browser.post("/pledges/new", [("organisation", "wensum-valley-bakery"), ("text", "Open the bakery to school visits"), ("areas", "learning")]).status.code == 303)
        #expect(f.web.immediate(home) == nil)
        #expect(f.web.handle(home).text == before, "a draft pledge is not on the wall, so the home page reads the same")
    }

    @Test func signedInVisitorsConfirmationsAndPagesWithFormsAreNeverKept() throws {
        let f = try WebFixture()
        let signIn = f.web.handle(try Self.visitor("/sign-in"))
        #expect(signIn.headers["Set-Cookie"]?.hasPrefix("flourish_csrf=") == true, "a page with a form sets the visitor's CSRF cookie")
        #expect(f.web.immediate(try Self.visitor("/sign-in")) == nil)

        _ = f.web.handle(try Self.visitor("/governance"))
        #expect(f.web.immediate(try Self.visitor("/governance")) != nil)
        #expect(f.web.immediate(try Self.visitor("/governance", cookie: "flourish_csrf=abc")) != nil, "a visitor's CSRF cookie changes nothing on a page without forms")
        #expect(f.web.immediate(try Self.visitor("/governance", cookie: "flourish_flash=Done")) == nil, "a confirmation to show means a page of its own")
        #expect(f.web.immediate(try Self.visitor("/governance", cookie: "flourish_session=x")) == nil, "someone signed in sees their own header")
        #expect(f.web.immediate(try Self.visitor("/governance", method: "POST")) == nil)

        let browser = WebFixture.Browser(f.web)
        try browser.signIn("erin")  // a commit: kept pages are retired
        #expect(f.web.immediate(try Self.visitor("/governance")) == nil)
        _ = f.web.handle(try Self.visitor("/governance"))
        let signedIn = try browser.get("/governance").text
        #expect(signedIn.contains("Sign out"), "the signed-in page is built for them")
        let kept = try #require(f.web.immediate(try Self.visitor("/governance")))
        #expect(!kept.text.contains("Sign out"), "and is not what visitors are given")
    }

    @Test func signedInPagesAreNotKeptForAnyone() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web)
        try browser.signIn("sam")
        #expect(try browser.get("/pledges").status == .ok)
        #expect(f.web.immediate(try Self.visitor("/pledges")) == nil, "a page built for someone signed in is never handed to a visitor")
        #expect(try browser.get("/review").status == .ok)
        #expect(f.web.immediate(try Self.visitor("/review")) == nil)
    }
}

/// Where signing in sends someone next: only a path on this site, never a header of the
/// visitor's making; anything else goes to their home page.
@Suite(.serialized) struct SignInNextTests {
    @Test func nextIsAPathOnThisSiteAndCannotAddHeaders() throws {
        let f = try WebFixture()
        let cases: [(String, String)] = [
            ("/pledges?area=learning", "/pledges?area=learning"),
            ("/pledges\r\nX-Injected: yes\r\nSet-Cookie: flourish_session=chosen; Path=/", "/home"),
            ("/pledges\u{0}", "/home"), ("/pl edges", "/home"), ("/caf\u{E9}", "/home"),
            ("//evil.example/", "/home"), ("/\\evil.example", "/home"), ("https://evil.example/", "/home"), ("", "/home"),
        ]
        for (next, expected) in cases {
            let browser = WebFixture.Browser(f.web)
            try browser.get("/sign-in?next=" + URLEncoding.encode(next))
            let r = try browser.post("/sign-in", [("person", "bea"), ("password", Flourish.demoPassword), ("next", next)])
            #expect(r.status.code == 303)
            #expect(r.headers["Location"] == expected, "next \(next.debugDescription)")
            let wire = String(decoding: r.serialized(keepAlive: true), as: UTF8.self)
            #expect(!wire.contains("X-Injected") && !wire.contains("flourish_session=chosen"), "next \(next.debugDescription)")
        }
    }
}
