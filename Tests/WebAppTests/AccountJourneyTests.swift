import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine

/// Accounts people run themselves through the pages: a forgotten password, changing it,
/// signing out everywhere, and API tokens.
@Suite(.serialized) struct AccountJourneyTests {
    /// The link of the newest message of `template` to `recipient`, as a path and query.
    static func link(_ f: WebFixture, template: String, to recipient: String) throws -> String? {
        guard let message = try f.app.outbox().first(where: { $0.template == template && $0.recipient == recipient }),
              let line = message.body.split(separator: "\n").first(where: { $0.contains("?token=") }),
              let start = line.range(of: "localhost:8080") else { return nil }
        return String(line[start.upperBound...])
    }

    @Test func aContactWhoForgotTheirPasswordResetsItAndIsSignedOutEverywhereElse() throws {
        let f = try WebFixture()
        let email = try #require(try f.app.directory.people().first { $0.id == "contact-1" }?.email)
        let elsewhere = WebFixture.Browser(f.web)
        try elsewhere.signIn("contact-1")
        #expect(try elsewhere.get("/organisation").status.code == 200)

        let visitor = WebFixture.Browser(f.web)
        #expect(try visitor.get("/sign-in").text.contains("href=\"/forgotten-password\""))
        try visitor.get("/forgotten-password")
        // The same answer whether or not the account exists, and a Host header changes no link.
        let known = try visitor.send("POST", "/forgotten-password", headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Host", "evil.example")],
                                     body: Array("nameOrEmail=contact-1&csrf=\(visitor.csrfToken ?? "")".utf8))
        let unknown = try visitor.post("/forgotten-password", [("nameOrEmail", "nobody-at-all")])
        #expect(known.status.code == 200 && unknown.status.code == 200)
        let answer = { (r: HTTPResponse) in r.text.range(of: "<h1").map { String(r.text[$0.lowerBound...].prefix(600)) } ?? "" }
        #expect(answer(known) == answer(unknown) && answer(known).contains("Check your email"))
        #expect(try f.app.outbox().filter { $0.template == "reset-password" }.count == 1)
        let path = try #require(try Self.link(f, template: "reset-password", to: email), "the link is the site's own address, not evil.example")

        let form = try visitor.get(path)
        #expect(form.status.code == 200 && form.text.contains("Your user name is <strong>contact-1</strong>"))
        let weak = try visitor.post("/reset-password", [("token", String(path.split(separator: "=").last ?? "")), ("password", "Welcome2026"), ("passwordConfirm", "Welcome2026")])
        #expect(weak.status.code == 422 && weak.text.contains("at least 12 characters"))
        let token = String(path.split(separator: "=").last ?? "")
        let done = try visitor.post("/reset-password", [("token", token), ("password", "sea glass and driftwood"), ("passwordConfirm", "sea glass and driftwood")])
        #expect(done.status.code == 303 && done.headers["Location"] == "/account")
        #expect(try visitor.get("/account").text.contains("Your password is changed and you are signed in"))
        #expect(try elsewhere.get("/organisation").status.code == 303, "every other session ended")
        #expect(try f.app.accounts.signIn(person: "contact-1", password: Flourish.demoPassword, from: "192.0.2.5", at: f.clock.now()) == nil)
        #expect(try f.app.accounts.signIn(person: "contact-1", password: "sea glass and driftwood", from: "192.0.2.5", at: f.clock.now()) != nil)
        // The link works once.
        #expect(try WebFixture.Browser(f.web).get(path).status.code == 410)

        // An account is sent at most three links an hour; asking more says the same and sends nothing.
        for _ in 0..<4 { _ = try visitor.post("/forgotten-password", [("nameOrEmail", email)]) }
        #expect(try f.app.outbox().filter { $0.template == "reset-password" }.count == 3)
        // And one address may ask at most five times an hour.
        let asking = try visitor.post("/forgotten-password", [("nameOrEmail", "someone")])
        #expect(asking.status.code == 429 && asking.text.contains("Too many password reset requests from here"))
    }

    @Test func aChairChangesTheirPasswordSignsOutEverywhereAndManagesTokens() throws {
        let f = try WebFixture()
        let browser = WebFixture.Browser(f.web), laptop = WebFixture.Browser(f.web)
        try browser.signIn("erin")
        try laptop.signIn("erin")
        try browser.get("/account")

        // A token, shown once on the page that made it, never again.
        let made = try browser.post("/account/tokens", [("tokenName", "board pack script"), ("scope", "read"), ("days", "30")])
        let token = try #require(made.text.range(of: "flo_").map { String(made.text[$0.lowerBound...].prefix { $0 != "<" }) })
        #expect(try browser.send("GET", "/api/v1/actions", headers: [("Authorization", "Bearer \(token)")]).status.code == 200)
        let account = try browser.get("/account")
        #expect(account.text.contains("board pack script") && account.text.contains("read only") && !account.text.contains(token))
        #expect(try browser.post("/account/tokens", [("tokenName", "metrics"), ("scope", "metrics"), ("days", "30")]).status.code == 422,
                "only the secretariat makes metrics tokens")

        // Changing the password: the current one must be right, and the tokens question answered.
        let wrong = try browser.post("/account/password", [("currentPassword", "not it"), ("newPassword", "heron on the staithe"),
                                                           ("newPasswordConfirm", "heron on the staithe"), ("revokeTokens", "no")])
        #expect(wrong.status.code == 422 && wrong.text.contains("Your current password is not right"))
        let unanswered = try browser.post("/account/password", [("currentPassword", Flourish.demoPassword), ("newPassword", "heron on the staithe"),
                                                                ("newPasswordConfirm", "heron on the staithe")])
        #expect(unanswered.status.code == 422 && unanswered.text.contains("Say whether to revoke your API tokens"))
        let changed = try browser.post("/account/password", [("currentPassword", Flourish.demoPassword), ("newPassword", "heron on the staithe"),
                                                             ("newPasswordConfirm", "heron on the staithe"), ("revokeTokens", "yes")])
        #expect(changed.status.code == 303)
        #expect(try browser.get("/account").text.contains("Your password is changed. You are signed out everywhere else. 1 API token was revoked."))
        #expect(try laptop.get("/dashboard").status.code == 303, "the laptop's session ended")
        #expect(try browser.send("GET", "/api/v1/actions", headers: [("Authorization", "Bearer \(token)")]).status.code == 401)

        // Sign out everywhere, this browser included.
        try laptop.signIn("erin", password: "heron on the staithe")
        try browser.get("/account")
        let out = try browser.post("/account/sign-out-everywhere", [])
        #expect(out.status.code == 303)
        #expect(try browser.get("/").text.contains("You are signed out everywhere (2 sessions ended)"))
        #expect(try laptop.get("/dashboard").status.code == 303 && browser.cookies["flourish_session"] == nil)
    }
}
