import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine

/// A user-journey probe found forms that said one problem a submission (a registration took
/// four tries to learn of four mistakes) and messages naming fields by their workflow keys.
/// Each form now says every problem at once, each at its field, in words.
@Suite(.serialized) struct EveryProblemAtOnceTests {
    static func summary(_ page: String) -> [String] {
        guard let start = page.range(of: "govuk-error-summary__list"), let end = page.range(of: "</ul>", range: start.upperBound..<page.endIndex) else { return [] }
        return page[start.upperBound..<end.lowerBound].components(separatedBy: "<li>").dropFirst().map { String($0) }
    }

    @Test func aRegistrationSaysEveryMistakeAtOnce() throws {
        let f = try WebFixture()
        let visitor = WebFixture.Browser(f.web)
        try visitor.get("/register")
        let r = try visitor.post("/register", [("name", "Bob's Bikes"), ("kind", "business"), ("district", "norwich"), ("sizeBand", "micro"), ("postcode", "not a postcode"),
                                               ("contactName", "Bob Baker"), ("contactEmail", "bob@"), ("userName", "Bob Baker"), ("password", "short"), ("passwordConfirm", "shirt")])
        #expect(r.status.code == 422)
        let listed = Self.summary(r.text)
        for field in ["#postcode", "#contactEmail", "#userName", "#password", "#passwordConfirm"] {
            #expect(listed.contains { $0.contains("href=\"\(field)\"") }, "\(field) in \(listed)")
        }
        #expect(listed.count == 5, "\(listed)")
        #expect(r.text.contains("value=\"Bob&#39;s Bikes\"") || r.text.contains("value=\"Bob’s Bikes\"") || r.text.contains("Bob&#x27;s Bikes"), "what was typed is kept")
        // An empty form: each field asked for in the form's words.
        let empty = try visitor.post("/register", [])
        #expect(empty.text.contains("Select what kind of organisation it is") && empty.text.contains("Choose a user name") && empty.text.contains("Choose a password"))
        #expect(try f.app.outbox().filter { $0.template == "confirm-registration" }.isEmpty, "nothing was registered")
    }

    @Test func aNewPasswordThatIsShortAndTypedDifferentlyIsToldBoth() throws {
        let f = try WebFixture()
        try f.app.requestPasswordReset(for: "contact-1", from: "192.0.2.9", siteURL: "http://localhost:8080")
        let token = try AccountAccessFindingsTests.token(f, template: "reset-password", to: try AccountAccessFindingsTests.email(f, "contact-1"))
        let visitor = WebFixture.Browser(f.web)
        try visitor.get("/reset-password?token=\(token)")
        let r = try visitor.post("/reset-password", [("token", token), ("password", "short"), ("passwordConfirm", "shorter")])
        let listed = Self.summary(r.text)
        #expect(r.status.code == 422 && listed.count == 2 && listed[0].contains("at least 12 characters") && listed[1].contains("not the same"), "\(listed)")
    }

    @Test func anInvitationMissingANameAndWithABadAddressIsToldBoth() throws {
        let f = try WebFixture()
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        try contact.get("/organisations/\(organisation)/contacts")
        let r = try contact.post("/organisations/\(organisation)/contacts", [("name", ""), ("email", "nope")])
        let listed = Self.summary(r.text)
        #expect(r.status.code == 422 && listed.count == 2 && listed[1].contains("should be an email address"), "\(listed)")
    }

    @Test func aValueWithAnImpossiblePeriodAndNoNumberIsToldBoth() throws {
        let f = try WebFixture()
        let measure = try #require(try f.app.measures(group: "early-prevention-board").first?.measure)
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        try erin.get("/measures/\(measure.id.rawValue)")
        let r = try erin.post("/measures/\(measure.id.rawValue)/values", [("period", "2026 Q5"), ("value", "lots")])
        let listed = Self.summary(r.text)
        #expect(r.status.code == 422 && listed.count == 2 && listed[0].contains("“2026 Q5” is no such period") && listed[1].contains("must be a number"), "\(listed)")
    }

    @Test func aPageNamesAFieldInWordsNotByItsKey() throws {
        let (_, erin, _) = try ActionStepTests.newAction()
        try erin.get("/groups/early-prevention-board/actions/new")
        let r = try erin.post("/groups/early-prevention-board/actions/new", [("title", "Too late"), ("owner", "erin"), ("dueDate", "2026-01-05"), ("areas", "learning")])
        #expect(r.status.code == 422 && r.text.contains("The due date is in the past") && !r.text.contains("The field &quot;dueDate") && !r.text.contains("The field \"dueDate"), "\(Self.summary(r.text))")
    }
}
