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

    @Test func theContactChoosesTheirUserNameAndCanSignInAtOnce() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        let view = try f.app.registerOwnOrganisation(registration(userName: "hal"), password: "prickles in the leaves")
        #expect(view.organisation.key == "holt-hedgehog-rescue")
        #expect(view.organisation.contacts == ["hal"])
        #expect(view.membership?.state == .active)
        #expect(try f.app.engine.history(of: view.membership!.id.instance).first?.actor == "hal", "the contact is recorded as who registered it")
        #expect(try f.app.accounts.signIn(person: "hal", password: "prickles in the leaves", from: "192.0.2.9", at: f.clock.now()) != nil)
    }

    @Test func aRefusedRegistrationWritesNothing() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        let before = try counts(f)
        #expect(throws: AccountError.weakPassword("it is on a list of commonly used passwords that attackers try first")) {
            try f.app.registerOwnOrganisation(registration(userName: "hal"), password: "qwerty123456")
        }
        #expect(throws: RegistrationError.invalid(field: "user name", reason: "is already taken: choose another")) {
            try f.app.registerOwnOrganisation(registration(userName: "sec"), password: "prickles in the leaves")
        }
        #expect(throws: RegistrationError.invalid(field: "user name", reason: "is required")) {
            try f.app.registerOwnOrganisation(registration(userName: nil), password: "prickles in the leaves")
        }
        var bad = registration(userName: "hal")
        bad.sizeBand = "enormous"
        #expect(throws: RegistrationError.self) { try f.app.registerOwnOrganisation(bad, password: "prickles in the leaves") }
        #expect(try counts(f) == before)
    }
}
