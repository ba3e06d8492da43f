import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine
import Domain

/// People come and go: a contact invites a colleague, hands over and leaves; the secretariat
/// invites a new chair, and disables and enables accounts.
@Suite(.serialized) struct ContactJourneyTests {
    @Test func aContactInvitesAColleagueHandsOverAndLeaves() throws {
        let f = try WebFixture()
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        #expect(try contact.get("/organisation").text.contains("/organisations/\(organisation)/contacts"))
        let page = try contact.get("/organisations/\(organisation)/contacts")
        #expect(page.status.code == 200 && page.text.contains("Main contact"))

        // Bad input says what is wrong and writes nothing.
        let peopleBefore = try f.app.directory.people().count
        let bad = try contact.post("/organisations/\(organisation)/contacts", [("name", "Alex O'Neil"), ("email", "not-an-email")])
        #expect(bad.status.code == 422 && bad.text.contains("should be an email address"))
        #expect(try f.app.directory.people().count == peopleBefore)

        let invited = try contact.post("/organisations/\(organisation)/contacts", [("name", "Alex O'Neil"), ("email", "alex@example.org")])
        #expect(invited.status.code == 303)
        #expect(try contact.get("/organisations/\(organisation)/contacts").text.contains("is invited, with the user name alex.oneil"))
        let path = try #require(try AccountJourneyTests.link(f, template: "invitation", to: "alex@example.org"))
        #expect(path.hasPrefix("/invitation?token="))
        #expect(try contact.post("/organisations/\(organisation)/contacts", [("name", "Alex Again"), ("email", "ALEX@example.org")]).text.contains("already a contact"))

        // Until Alex accepts, none of the organisation's mail goes to the address contact-1 typed:
        // a review comment is private to the organisation (the address might be anyone's).
        let draft = try f.app.createPledge(PledgeRequest(organisation: organisation, text: "Reading buddies", areas: ["learning"]), by: "contact-1")
        _ = try f.app.firePledge(RecordID(draft.id), event: "submit", fields: [:], expectedVersion: nil, by: "contact-1")
        _ = try f.app.firePledge(RecordID(draft.id), event: "request-changes", fields: ["reviewComment": "MARKER-private-comment"], expectedVersion: nil, by: "sam")
        let commented = try f.app.outbox().filter { $0.body.contains("MARKER-private-comment") }.map(\.recipient)
        #expect(!commented.isEmpty && !commented.contains("alex@example.org"), "\(commented)")

        // Alex chooses a password, is signed in, and speaks for the organisation at once.
        let alex = WebFixture.Browser(f.web)
        #expect(try alex.get(path).text.contains("Your user name is <strong>alex.oneil</strong>"))
        let accepted = try alex.post("/invitation", [("token", String(path.split(separator: "=").last ?? "")), ("password", "otters in the wensum"), ("passwordConfirm", "otters in the wensum")])
        #expect(accepted.status.code == 303)
        #expect(try alex.get("/organisation").status.code == 200)
        try alex.get("/pledges/new?organisation=\(organisation)")
        let pledged = try alex.post("/pledges/new", [("organisation", organisation), ("text", "Saturday coding club"), ("areas", "learning"), ("submit", "1")])
        #expect(pledged.status.code == 303, "a colleague invited later submits a pledge: the directory says who speaks for the organisation")
        #expect(try alex.get(path).status.code == 410, "the invitation works once")
        // Having accepted, Alex gets the organisation's mail.
        _ = try f.app.firePledge(RecordID(draft.id), event: "edit", fields: ["text": "Reading buddies, weekly"], expectedVersion: nil, by: "alex.oneil")
        _ = try f.app.firePledge(RecordID(draft.id), event: "submit", fields: [:], expectedVersion: nil, by: "alex.oneil")
        _ = try f.app.firePledge(RecordID(draft.id), event: "request-changes", fields: ["reviewComment": "MARKER-second-comment"], expectedVersion: nil, by: "sam")
        #expect(try f.app.outbox().contains { $0.body.contains("MARKER-second-comment") && $0.recipient == "alex@example.org" })

        // contact-1 hands over the main contact to Alex, then leaves.
        try contact.get("/organisations/\(organisation)/contacts")
        let mainCannotGo = try contact.post("/organisations/\(organisation)/contacts/contact-1/remove", [])
        #expect(mainCannotGo.status.code == 409 && mainCannotGo.text.contains("hand that over to another contact first"))
        #expect(try contact.post("/organisations/\(organisation)/main-contact", [("person", "alex.oneil")]).status.code == 303)
        let contacts = try f.app.contacts(of: organisation, for: try f.app.viewer(for: "sam"))
        #expect(contacts.first?.person == "alex.oneil" && contacts.first?.isMain == true)
        try contact.get("/organisations/\(organisation)/contacts")
        let left = try contact.post("/organisations/\(organisation)/contacts/contact-1/remove", [])
        #expect(left.status.code == 303)
        #expect(try contact.get("/organisation").status.code != 200, "contact-1 no longer speaks for it")
        #expect(try f.app.accounts.signIn(person: "contact-1", password: Flourish.demoPassword, from: "192.0.2.7", at: f.clock.now()) == nil,
                "with no other role, their account is disabled")
        // The last contact cannot go.
        try alex.get("/organisations/\(organisation)/contacts")
        #expect(try alex.post("/organisations/\(organisation)/contacts/alex.oneil/remove", []).text.contains("needs at least one contact"))

        // Someone else's organisation is not theirs to touch.
        let other = try #require(try f.app.organisations().map(\.organisation.key).first { $0 != organisation })
        #expect(try alex.get("/organisations/\(other)/contacts").status.code == 404)
        #expect(try alex.post("/organisations/\(other)/contacts", [("name", "Mallory"), ("email", "m@example.org")]).status.code == 404)
    }

    @Test func theSecretariatInvitesAChairAndDisablesAndEnablesAccounts() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        #expect(try sam.get("/people").text.contains("Invite someone"))
        let refused = try sam.post("/people", [("name", "Tamsin Reeve"), ("email", "tamsin@example.org"), ("body", "nowhere"), ("role", "chair")])
        let written = try f.app.directory.people().contains { $0.name == "Tamsin Reeve" }
        #expect(refused.status.code == 422 && !written, "nothing is written")
        let invited = try sam.post("/people", [("name", "Tamsin Reeve"), ("email", "tamsin@example.org"), ("body", "early-prevention-board"), ("role", "chair")])
        #expect(invited.status.code == 303)
        let path = try #require(try AccountJourneyTests.link(f, template: "invitation", to: "tamsin@example.org"))
        let tamsin = WebFixture.Browser(f.web)
        try tamsin.get(path)
        #expect(try tamsin.post("/invitation", [("token", String(path.split(separator: "=").last ?? "")), ("password", "kingfisher at how hill"),
                                               ("passwordConfirm", "kingfisher at how hill")]).status.code == 303)
        #expect(try tamsin.get("/groups/early-prevention-board").status.code == 200, "the new chair runs her group")

        try sam.get("/people")
        #expect(try sam.post("/people/tamsin.reeve/account", [("disable", "yes")]).status.code == 303)
        #expect(try tamsin.get("/groups/early-prevention-board").status.code == 303, "disabled: her session ended")
        #expect(try f.app.accounts.signIn(person: "tamsin.reeve", password: "kingfisher at how hill", from: "192.0.2.8", at: f.clock.now()) == nil)
        try sam.get("/people")
        #expect(try sam.post("/people/tamsin.reeve/account", [("disable", "no")]).status.code == 303)
        #expect(try f.app.accounts.signIn(person: "tamsin.reeve", password: "kingfisher at how hill", from: "192.0.2.8", at: f.clock.now()) != nil)
        // Anyone without an account can be sent an invitation; a second one replaces the first.
        try sam.get("/people")
        #expect(try sam.post("/people/tamsin.reeve/invitation", []).status.code == 303)
        #expect(try f.app.outbox().filter { $0.template == "invitation" && $0.recipient == "tamsin@example.org" }.count == 2)
    }
}
