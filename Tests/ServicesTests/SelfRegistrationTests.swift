import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// An organisation registering itself: the organisation, its contact, their account and the
/// membership are written together or not at all.
@Suite(.serialized) struct SelfRegistrationTests {
    func registration(userName: String?) -> OrganisationRegistration {
        .init(name: "Holt Hedgehog Rescue", kind: "voluntary-or-community-organisation", district: "north-norfolk", sizeBand: "micro",
              contactName: "Hal Hobbs", contactEmail: "hal@hedgehogs.example", contactUserName: userName)
    }

    func counts(_ f: NorfolkFixture) throws -> [Int] {
        try f.app.database.read { db in
            try ["organisations", "people", "accounts", "instances", "events"].map { try db.queryOne("SELECT count(*) AS n FROM \($0)")?.int("n") ?? -1 }
        }
    }

    /// The confirmation link in the newest message to `email`.
    func confirmationToken(_ f: NorfolkFixture, to email: String) throws -> String {
        let message = try #require(try f.app.outboxPage().items.first { $0.recipient == email && $0.template == "confirm-registration" })
        let link = try #require(message.body.split(separator: "\n").first { $0.contains("/register/confirm?token=") })
        return String(link.split(separator: "=").last ?? "")
    }

    @Test func nothingIsRegisteredUntilTheContactConfirmsTheirEmail() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        let before = try counts(f)
        let pending = try f.app.requestRegistration(registration(userName: "hal"), password: "prickles in the leaves", from: "192.0.2.9", siteURL: "https://flourish.example")
        #expect(pending.email == "hal@hedgehogs.example")
        #expect(try counts(f) == before, "no organisation, person, account or membership yet")
        #expect(try f.app.organisations().isEmpty, "the secretariat sees nothing yet")
        let message = try #require(try f.app.outboxPage().items.first)
        #expect(message.subject == "Confirm your email address for the FLOURISH Pledge" && message.instanceID == nil)
        #expect(message.body.contains("https://flourish.example/register/confirm?token="))
        #expect(!message.body.contains("prickles"), "the password is never sent")
        #expect(throws: RegistrationError.invalid(field: "user name", reason: "is already taken: choose another"), "a pending registration holds its user name") {
            var other = registration(userName: "hal")
            other.name = "Another Rescue"
            other.contactEmail = "other@example.org"
            _ = try f.app.requestRegistration(other, password: "prickles in the leaves", from: "192.0.2.10", siteURL: "https://flourish.example")
        }

        let token = try confirmationToken(f, to: "hal@hedgehogs.example")
        #expect(try f.app.accounts.linkIsLive(token, for: .verifyRegistration, at: f.clock.now()))
        let (view, person) = try f.app.confirmRegistration(token: token)
        #expect(person == "hal" && view.organisation.key == "holt-hedgehog-rescue")
        #expect(view.organisation.contacts == ["hal"])
        #expect(view.membership?.state == .active)
        #expect(try f.app.engine.history(of: view.membership!.id.instance).first?.actor == "hal", "the contact is recorded as who registered it")
        #expect(try f.app.accounts.signIn(person: "hal", password: "prickles in the leaves", from: "192.0.2.9", at: f.clock.now()) != nil)
        // The link works once.
        #expect(throws: AccountError.linkNotLive(.verifyRegistration)) { try f.app.confirmRegistration(token: token) }
        #expect(try f.app.organisations().count == 1)
    }

    @Test func aRegistrationNeverConfirmedIsRemovedWithNothingKept() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        _ = try f.app.requestRegistration(registration(userName: "hal"), password: "prickles in the leaves", from: "192.0.2.9", siteURL: "https://flourish.example")
        let token = try confirmationToken(f, to: "hal@hedgehogs.example")
        f.clock.advance(bySeconds: 47 * 3600)
        _ = try f.app.runDueTimers()
        #expect(try f.app.accounts.pendingRegistrationCount(at: f.clock.now()) == 1, "still waiting before 48 hours")
        f.clock.advance(bySeconds: 2 * 3600)
        _ = try f.app.runDueTimers()
        #expect(try f.app.accounts.pendingRegistrationCount(at: f.clock.now()) == 0)
        #expect(throws: AccountError.linkNotLive(.verifyRegistration)) { try f.app.confirmRegistration(token: token) }
        // Nothing personal is kept: not the registration, not its email.
        let kept = try f.app.database.read { db in
            try ["SELECT count(*) AS n FROM account_links", "SELECT count(*) AS n FROM outbox WHERE recipient = 'hal@hedgehogs.example'",
                 "SELECT count(*) AS n FROM people"].map { try db.queryOne($0)?.int("n") ?? -1 }
        }
        #expect(kept == [0, 0, 0])
        // The user name is free again.
        _ = try f.app.requestRegistration(registration(userName: "hal"), password: "prickles in the leaves", from: "192.0.2.9", siteURL: "https://flourish.example")
    }

    @Test func registrationsAreLimitedPerAddressAndPerEmailAddress() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        func register(_ n: Int, email: String? = nil, from address: String) throws {
            var r = registration(userName: "user\(n)")
            r.name = "Organisation \(n)"
            r.contactEmail = email ?? "user\(n)@example.org"
            _ = try f.app.requestRegistration(r, password: "prickles in the leaves", from: address, siteURL: "https://flourish.example")
        }
        for n in 0..<5 { try register(n, from: "203.0.113.1") }
        #expect(throws: AccountError.tooManyRequests(what: "registrations", seconds: 3600)) { try register(5, from: "203.0.113.1") }
        try register(6, from: "203.0.113.2")
        for n in 7..<9 { try register(n, email: "same@example.org", from: "203.0.113.\(n)") }
        try register(9, email: "SAME@example.org", from: "203.0.113.9")
        #expect(throws: AccountError.self, "a fourth in a day for one email address") { try register(10, email: "same@example.org", from: "203.0.113.10") }
        #expect(try f.app.outboxPage().total == 9)
        f.clock.advance(bySeconds: 3601)
        try register(11, from: "203.0.113.1")
    }

    /// "already taken" says which user names exist; asking is limited per address, refused or not.
    @Test func userNamesCannotBeListedThroughTheRegistrationForm() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        var answers: [String] = []
        for n in 0..<31 {
            do {
                _ = try f.app.requestRegistration(registration(userName: n == 0 ? "sec" : "Not A User Name \(n)").with(email: "g\(n)@example.org", name: "Guess \(n)"),
                                                  password: "prickles in the leaves", from: "203.0.113.50", siteURL: "https://flourish.example")
                answers.append("pending")
            } catch let e as RegistrationError {
                answers.append(e.localizedDescription)
            } catch AccountError.tooManyRequests {
                answers.append("too many")
            }
        }
        #expect(answers.first?.contains("already taken") == true)
        #expect(answers.dropFirst().dropLast().allSatisfy { $0.contains("should start with a letter") }, "refused forms count too")
        #expect(answers.last == "too many", "the 31st check in an hour from one address is refused, whatever it asks")
    }

    @Test func aRefusedRegistrationWritesNothing() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        let before = try counts(f)
        func request(_ r: OrganisationRegistration, _ password: String) throws {
            _ = try f.app.requestRegistration(r, password: password, from: "192.0.2.9", siteURL: "https://flourish.example")
        }
        #expect(throws: AccountError.weakPassword("it is on a list of commonly used passwords that attackers try first")) {
            try request(registration(userName: "hal"), "qwerty123456")
        }
        #expect(throws: RegistrationError.invalid(field: "user name", reason: "is already taken: choose another")) {
            try request(registration(userName: "sec"), "prickles in the leaves")
        }
        #expect(throws: RegistrationError.invalid(field: "user name", reason: "is required")) {
            try request(registration(userName: nil), "prickles in the leaves")
        }
        var bad = registration(userName: "hal")
        bad.sizeBand = "enormous"
        #expect(throws: RegistrationError.self) { try request(bad, "prickles in the leaves") }
        var multiline = registration(userName: "hal")
        multiline.contactName = "Hal\nHobbs"
        #expect(throws: WorkflowError.self) { try request(multiline, "prickles in the leaves") }
        #expect(try counts(f) == before)
        #expect(try f.app.outboxPage().total == 0)
    }
}

extension OrganisationRegistration {
    func with(email: String, name: String) -> OrganisationRegistration {
        var r = self
        r.contactEmail = email
        r.name = name
        return r
    }
}
