import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine

/// What a security probe of the demo found about ways back in (each reproduced, then fixed;
/// each test fails on the code before): a reset link asked for before an account was disabled
/// signed the person back in; an invitation sent before it enabled the account again; a reset
/// link outlived a password change; a disabled account's calendar links kept reading its
/// escalations, and no calendar link could be stopped; an Atom feed's links came from the
/// request's Host header.
@Suite(.serialized) struct AccountAccessFindingsTests {
    static func token(_ f: WebFixture, template: String, to email: String) throws -> String {
        let path = try #require(try AccountJourneyTests.link(f, template: template, to: email))
        return String(path.split(separator: "=").last ?? "")
    }

    static func email(_ f: WebFixture, _ person: String) throws -> String {
        try #require(try f.app.directory.people().first { $0.id == person }?.email)
    }

    @Test func aResetLinkAskedForBeforeDisablingLetsNoOneIn() throws {
        let f = try WebFixture()
        try f.app.requestPasswordReset(for: "bea", from: "192.0.2.9", siteURL: "http://localhost:8080")
        let token = try Self.token(f, template: "reset-password", to: try Self.email(f, "bea"))
        try f.app.accounts.disable("bea", at: f.clock.now())
        let visitor = WebFixture.Browser(f.web)
        try visitor.get("/reset-password?token=\(token)")
        let reset = try visitor.post("/reset-password", [("token", token), ("password", "saffron pebble thunder 208"), ("passwordConfirm", "saffron pebble thunder 208")])
        #expect(reset.status.code != 303, "no session for a disabled account: \(reset.status.code)")
        #expect(try visitor.get("/decisions").status.code == 303, "not signed in")
        #expect(try f.app.accounts.isDisabled("bea") == true)
    }

    @Test func anInvitationSentBeforeDisablingDoesNotEnableTheAccount() throws {
        let f = try WebFixture()
        try f.app.invite("leo", by: try f.app.viewer(for: "sam"), siteURL: "http://localhost:8080")
        let token = try Self.token(f, template: "invitation", to: try Self.email(f, "leo"))
        try f.app.accounts.disable("leo", at: f.clock.now())
        #expect(throws: AccountError.self) { try f.app.acceptInvitation(token: token, password: "granite tulip ferry ninety") }
        #expect(try f.app.accounts.isDisabled("leo") == true)
    }

    @Test func aResetLinkStopsWorkingWhenThePasswordIsChanged() throws {
        let f = try WebFixture()
        try f.app.requestPasswordReset(for: "contact-2", from: "192.0.2.9", siteURL: "http://localhost:8080")
        let token = try Self.token(f, template: "reset-password", to: try Self.email(f, "contact-2"))
        _ = try f.app.changePassword(of: try f.app.viewer(for: "contact-2"), current: Flourish.demoPassword, to: "otters under the bridge", revokingTokens: false, from: "192.0.2.9")
        #expect(throws: AccountError.self) { try f.app.resetPassword(token: token, to: "someone else's choice 77", revokingTokens: false) }
        #expect(try WebFixture.Browser(f.web).get("/reset-password?token=\(token)").status.code == 410)
    }

    @Test func aCalendarLinkStopsWithTheAccountAndWithANewPassword() throws {
        let f = try WebFixture()
        let path = "/groups/children-and-young-people-strategic-alliance/deadlines.ics"
        let link = try #require(try f.app.personalFeedLink(path, for: try f.app.viewer(for: "ann")))
        let reader = WebFixture.Browser(f.web)
        let before = try reader.get(link)
        #expect(before.status.code == 200 && before.text.contains("Escalation response due"), "\(before.text.prefix(300))")
        // A new password: the old link stops, a new one works.
        _ = try f.app.changePassword(of: try f.app.viewer(for: "ann"), current: Flourish.demoPassword, to: "a brand new passphrase 12", revokingTokens: false, from: "192.0.2.9")
        #expect(try reader.get(link).status.code == 403)
        let renewed = try #require(try f.app.personalFeedLink(path, for: try f.app.viewer(for: "ann")))
        let renewedStatus = try reader.get(renewed).status.code
        #expect(renewed != link && renewedStatus == 200)
        // Disabled: no link reads anything.
        try f.app.accounts.disable("ann", at: f.clock.now())
        #expect(try reader.get(renewed).status.code == 403)
    }

    /// The secretariat read on the outbox who had asked for a reset, and who had registered
    /// without confirming ("nothing of it until confirmed", the README's table says).
    @Test func theOutboxKeepsAccountLinksAddressesFromTheSecretariat() throws {
        let f = try WebFixture()
        let email = try Self.email(f, "contact-1")
        try f.app.requestPasswordReset(for: "contact-1", from: "192.0.2.9", siteURL: "http://localhost:8080")
        let shown = try f.app.outboxPage(status: nil, .first(200), for: try f.app.viewer(for: "sam")).items.filter { $0.template == "reset-password" }
        #expect(shown.count == 1 && shown.allSatisfy { $0.recipient == "(an account's own address, kept private)" })
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let page = try sam.get("/outbox").text
        let row = page.components(separatedBy: "<tr").first { $0.contains("Reset your FLOURISH password") } ?? ""
        #expect(!row.isEmpty && !row.contains(email) && row.contains("kept private"), "\(row)")
        // The operator at the server, who holds the whole database anyway, sees the address.
        #expect(try f.app.outboxPage(status: nil, .first(200), for: try f.app.viewer(forOperator: "root")).items.contains { $0.recipient == email })
    }

    /// From the user-journey probe: a change of 0.7 showed as "up 0.7000000000000028", and
    /// open data was linked from nowhere.
    @Test func figuresReadAsWrittenAndOpenDataIsLinked() throws {
        #expect(WebApp.format(0.7000000000000028) == "0.7" && WebApp.format(12.345) == "12.345" && WebApp.format(-3) == "-3" && WebApp.format(1e-12) == "0")
        let f = try WebFixture()
        #expect(try WebFixture.Browser(f.web).get("/pledges").text.contains("href=\"/open-data\">Open data</a>"))
    }

    @Test func feedLinksAreTheSitesOwnNotTheHostHeaders() throws {
        let f = try WebFixture()
        let r = try WebFixture.Browser(f.web).send("GET", "/open-data/pledges.atom", headers: [("Host", "evil.example")], body: [])
        #expect(r.status.code == 200 && !r.text.contains("evil.example") && r.text.contains("http://localhost:8080/pledges"), "\(r.text.prefix(400))")
    }
}
