import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// Three simulated years of the FLOURISH Pledge for five organisations, on a clock that
/// moves only when told. Each organisation follows one path the scheme must handle.
@Suite(.serialized) struct PledgeYearsTests {
    struct Scheme {
        let f: NorfolkFixture
        var app: Flourish { f.app }

        init() throws {
            f = try NorfolkFixture(start: "2026-01-05T09:00")
            try f.person("sec", alliance, "secretariat")
        }

        func at(_ text: String) throws -> [FiredTimer] {
            f.at(text)
            return try app.engine.tick()
        }

        func register(_ name: String, kind: String = "business", district: String = "norwich") throws -> (key: String, contact: String) {
            let view = try app.registerOrganisation(OrganisationRegistration(name: name, kind: kind, district: district, sizeBand: "small",
                                                                             postcode: "NR1 \(name.count)AB", contactName: "Contact of \(name)",
                                                                             contactEmail: "\(PledgingOrganisations.slug(name))@example.org"), by: "sec")
            return (view.organisation.key, view.organisation.contacts[0])
        }

        func pledge(_ org: (key: String, contact: String), _ text: String, areas: [String] = ["learning"], theme: String? = nil) throws -> InstanceID {
            let p = try app.createPledge(PledgeRequest(organisation: org.key, text: text, areas: areas, theme: theme), by: org.contact)
            _ = try app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: org.contact)
            return p.id
        }

        func approve(_ id: InstanceID) throws { _ = try app.approvePledge(RecordID(id), comment: nil, expectedVersion: nil, by: "sec") }

        func state(_ id: InstanceID) throws -> String { try app.engine.instance(id).state }
        func membership(_ org: (key: String, contact: String)) throws -> String { try app.organisation(org.key).membership?.state.rawValue ?? "none" }
        func wall() throws -> [String] { try app.wall().entries.map(\.organisation).sorted() }

        /// Outbox messages (template) to an organisation's contact, in order.
        func mail(_ org: (key: String, contact: String)) throws -> [String] {
            let email = "\(org.key)@example.org"
            return try app.engine.outbox().filter { $0.recipient == email }.map(\.template)
        }
    }

    /// "Report by D" allows the whole of day D: an organisation reporting on its due day is
    /// never told it is late (the notice went out at 00:00 that day).
    @Test func reportingOnTheDueDayIsOnTime() throws {
        let s = try Scheme()
        let acme = try s.register("Acme Ltd")
        let pledge = try s.pledge(acme, "Mentor ten young people")
        _ = try s.at("2026-01-12T10:00")
        try s.approve(pledge)
        let due = try #require(try s.app.engine.instance(pledge).data["reportDueOn"]?.stringValue)
        #expect(due == "2027-02-09")
        // The approval says the year's last day, and every date in words.
        let approved = try #require(try s.app.engine.outbox().first { $0.template == "pledge-approved" }?.body)
        #expect(approved.contains("Your pledge year runs from 12 January 2026 to 11 January 2027."), "\(approved)")
        #expect(approved.contains("a short progress report by 9 February 2027"))
        let onTheDay = try s.at("\(due)T16:00")
        #expect(!onTheDay.contains { $0.event == "report-overdue" })
        _ = try s.app.firePledge(RecordID(pledge), event: "report", fields: ["outcome": "delivered", "evidence": "Ten mentored."], expectedVersion: nil, by: acme.contact)
        _ = try s.at("2027-02-10T09:00")
        #expect(try s.state(pledge) == "reported")
        #expect(try !s.mail(acme).contains("pledge-report-overdue"), "no overdue notice for a report made on its due day")
    }

    /// Databases made before "by D" meant the whole day: `workflow migrate` moves live
    /// instances onto the new version and their pending deadline timers with them.
    @Test func migratingMovesAPendingDeadlineToTheEndOfItsDay() throws {
        let s = try Scheme()
        let acme = try s.register("Acme Ltd")
        let pledge = try s.pledge(acme, "Mentor ten young people")
        _ = try s.at("2026-01-12T10:00")
        try s.approve(pledge)
        // As an old database has it: version 1, the deadline at 00:00 on the due day.
        try s.app.database.write { db in
            let body = try db.queryOne("SELECT body FROM workflow_definitions WHERE name = 'pledge' AND version = 2")?.string("body") ?? ""
            try db.run("INSERT INTO workflow_definitions (name, version, digest, body, installed_at) VALUES ('pledge', 1, 'before', ?, 0)", body)
            try db.run("UPDATE instances SET workflow_version = 1 WHERE id = ?", pledge.rawValue)
            try db.run("UPDATE timers SET due_at = due_at - 86400000 WHERE instance_id = ? AND name = 'report-deadline'", pledge.rawValue)
        }
        let before = try s.app.database.read { try $0.queryOne("SELECT due_at FROM timers WHERE instance_id = ? AND name = 'report-deadline' AND status = 'pending'", pledge.rawValue)?.int64("due_at") }
        _ = try s.app.engine.migrate("pledge", actor: Actor("sec"))
        let after = try s.app.database.read { try $0.queryOne("SELECT due_at FROM timers WHERE instance_id = ? AND name = 'report-deadline' AND status = 'pending'", pledge.rawValue)?.int64("due_at") }
        #expect(after.map { $0 - (before ?? 0) } == 86_400_000, "the deadline moved to the start of the next day")
        #expect(s.app.time.display(Date(milliseconds: after ?? 0)) == "2027-02-10 00:00 GMT")
        let migrated = try s.app.engine.history(of: pledge).last
        #expect(migrated?.event == "migrate" && migrated?.payload["rescheduledTimers"] == ["report-deadline"])
    }

    @Test func threeYearsOfPledges() throws {
        let s = try Scheme()
        let acme = try s.register("Acme Ltd")                                   // renews every year
        let bright = try s.register("Bright Futures", kind: "voluntary-or-community-organisation")  // reports late after reminders
        let coastal = try s.register("Coastal Cafe", district: "great-yarmouth") // lapses, then is reinstated
        let dune = try s.register("Dune School", kind: "school-or-college")     // withdraws mid-year
        let eastern = try s.register("Eastern Health", kind: "health-provider") // rejected, then approved after changes
        #expect(try s.mail(acme) == ["organisation-registered"])

        // Year 1.
        let a1 = try s.pledge(acme, "Mentor ten young people", theme: "skills-and-employment")
        let b1 = try s.pledge(bright, "Run a weekly youth club", areas: ["opportunity", "individual"])
        let c1 = try s.pledge(coastal, "Offer free meals in the holidays", areas: ["healthy"])
        let d1 = try s.pledge(dune, "Train staff in mental health first aid", areas: ["healthy", "resilience"], theme: "mental-health")
        let e1 = try s.pledge(eastern, "Be nice", areas: ["healthy"])
        _ = try s.at("2026-01-12T10:00")
        for p in [a1, b1, c1, d1] { try s.approve(p) }
        _ = try s.app.firePledge(RecordID(e1), event: "reject", fields: ["reason": "A pledge needs to be one new, specific thing."], expectedVersion: nil, by: "sec")
        #expect(try s.state(e1) == "rejected")
        #expect(try s.mail(eastern).last == "pledge-rejected")
        let e2 = try s.pledge(eastern, "Open a teen health drop-in", areas: ["healthy"], theme: "mental-health")
        _ = try s.app.firePledge(RecordID(e2), event: "request-changes", fields: ["reviewComment": "Please say how often it will open."], expectedVersion: nil, by: "sec")
        #expect(try s.mail(eastern).last == "pledge-changes-requested")
        _ = try s.app.editPledge(RecordID(e2), text: "Open a weekly teen health drop-in", areas: nil, theme: nil, priority: nil, expectedVersion: nil, by: eastern.contact)
        _ = try s.app.firePledge(RecordID(e2), event: "submit", fields: [:], expectedVersion: nil, by: eastern.contact)
        _ = try s.at("2026-01-20T10:00")
        try s.approve(e2)
        #expect(try s.wall() == [acme.key, bright.key, coastal.key, dune.key, eastern.key].sorted())
        #expect(try s.app.wall(WallFilter(theme: "mental-health")).entries.map(\.organisation).sorted() == [dune.key, eastern.key].sorted())
        #expect(try s.app.wall(WallFilter(search: "youth club")).entries.map(\.organisation) == [bright.key])
        #expect(try s.app.wall().countsByArea["healthy"] == 3)

        _ = try s.at("2026-06-01T10:00")
        _ = try s.app.withdrawOrganisation(dune.key, reason: "School reorganisation", by: dune.contact)
        #expect(try s.membership(dune) == "withdrawn")
        #expect(try s.state(d1) == "withdrawn")
        #expect(try s.wall().contains(dune.key) == false)

        let checkIns = try s.at("2026-07-13T09:00")
        #expect(Set(checkIns.map(\.instanceID)) == [a1, b1, c1])  // Dune's pledge went with it; Eastern's falls on 20 July
        #expect(try s.mail(acme).last == "pledge-check-in")
        #expect(try s.mail(dune).contains("pledge-check-in") == false)
        _ = try s.at("2026-12-13T09:00")
        #expect(try s.mail(acme).last == "pledge-report-reminder")

        // The year ends: reports are due, renewal is due.
        _ = try s.at("2027-01-12T09:00")
        #expect(try s.state(a1) == "report-due")
        #expect(try s.membership(acme) == "renewal-due")
        #expect(try s.mail(acme).suffix(2) == ["pledge-report-due", "membership-renewal-due"])
        #expect(try s.wall().isEmpty == false)  // renewal due: still on the wall until the grace period ends...
        #expect(try s.wall().contains(acme.key) == false)  // ...but a pledge past its year is not current

        // Acme reports on time and renews with a new thing.
        _ = try s.at("2027-01-20T10:00")
        _ = try s.app.firePledge(RecordID(a1), event: "report", fields: ["outcome": "delivered", "evidence": "Twelve young people mentored."], expectedVersion: nil, by: acme.contact)
        let a2 = try s.pledge(acme, "Offer five work placements")
        #expect(try s.app.engine.instance(a2).data["repeatsLastYear"] == false)
        _ = try s.at("2027-01-25T10:00")
        try s.approve(a2)
        #expect(try s.membership(acme) == "active")
        // Eastern reports and renews too.
        _ = try s.app.firePledge(RecordID(e2), event: "report", fields: ["outcome": "partly-delivered", "evidence": "Fortnightly, not weekly."], expectedVersion: nil, by: eastern.contact)
        let e3 = try s.pledge(eastern, "Open a weekly teen health drop-in", areas: ["healthy"])
        #expect(try s.app.engine.instance(e3).data["repeatsLastYear"] == true)  // flagged to the reviewer
        try s.approve(e3)

        // Bright Futures misses the report deadline (20 working days after 12 January: due by 9
        // February, the whole of that day allowed) and reports late.
        let dueDay = try s.at("2027-02-09T23:00")
        #expect(!dueDay.contains { $0.event == "report-overdue" }, "not overdue on its due day")
        #expect(try s.state(b1) != "report-overdue")
        let overdue = try s.at("2027-02-10T09:00")
        #expect(overdue.contains { $0.instanceID == b1 && $0.event == "report-overdue" })
        #expect(try s.state(b1) == "report-overdue")
        #expect(try s.mail(bright).last == "pledge-report-overdue")
        _ = try s.at("2027-02-15T10:00")
        _ = try s.app.firePledge(RecordID(b1), event: "report", fields: ["outcome": "delivered", "evidence": "Forty sessions run."], expectedVersion: nil, by: bright.contact)
        #expect(try s.state(b1) == "reported")
        let b2 = try s.pledge(bright, "Start a young leaders programme", areas: ["individual"])
        try s.approve(b2)

        // Coastal Cafe neither reports nor renews: it lapses when the grace period ends (renewal
        // by 11 April, the whole of that day allowed; it lapses as 12 April begins) and leaves the wall.
        _ = try s.at("2027-04-11T23:00")
        #expect(try s.membership(coastal) == "renewal-due", "still time on 11 April")
        #expect(try s.mail(coastal).suffix(2) == ["pledge-report-overdue", "membership-renewal-reminder"])  // reminded a month before
        _ = try s.at("2027-04-12T09:00")
        #expect(try s.membership(coastal) == "lapsed")
        #expect(try s.mail(coastal).last == "membership-lapsed")
        let lapsed = try s.app.engine.outbox().last { $0.template == "membership-lapsed" && $0.recipient == "coastal-cafe@example.org" }?.body ?? ""
        #expect(lapsed.contains("We did not receive a new pledge by 11 April 2027"), "the last day allowed, in words: \(lapsed)")
        #expect(try s.wall() == [acme.key, bright.key, eastern.key].sorted())
        // The secretariat reinstates it; its new pledge puts it back on the wall. Its history stays.
        _ = try s.at("2027-05-01T10:00")
        _ = try s.app.reinstateOrganisation(coastal.key, reason: "Renewing after a difficult year", by: "sec")
        #expect(try s.membership(coastal) == "active")
        let c2 = try s.pledge(coastal, "Host monthly family cooking sessions", areas: ["healthy", "family-and-friends"])
        try s.approve(c2)
        #expect(try s.wall() == [acme.key, bright.key, coastal.key, eastern.key].sorted())
        #expect(try s.state(c1) == "report-overdue")

        // Year 3: Acme renews again.
        _ = try s.at("2028-01-26T09:00")
        #expect(try s.membership(acme) == "renewal-due")
        _ = try s.app.firePledge(RecordID(a2), event: "report", fields: ["outcome": "delivered", "evidence": "Five placements."], expectedVersion: nil, by: acme.contact)
        let a3 = try s.pledge(acme, "Sponsor a coding club")
        try s.approve(a3)
        #expect(try s.membership(acme) == "active")
        #expect(try s.app.organisation(acme.key).pledges.map(\.state.rawValue) == ["reported", "reported", "approved"])
        #expect(try s.app.engine.verifyAuditLog().isIntact)

        // Nothing personal on the wall.
        let wallText = try s.app.wall().entries.map { "\($0)" }.joined()
        #expect(!wallText.contains("@example.org") && !wallText.contains("Contact of"))
    }

    @Test func aSecondRegistrationOfTheSameOrganisationIsRefusedAndPointsToTheFirst() throws {
        let s = try Scheme()
        let first = try s.app.registerOrganisation(OrganisationRegistration(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small",
                                                                            postcode: "nr1 1ab", companyNumber: "01234567", contactName: "A", contactEmail: "a@example.org"), by: "sec")
        let before = try s.app.engine.instances().count
        for (name, postcode, company) in [("ACME LTD", "NR1 1AB", nil), ("Acme Trading", nil, "01234567")] as [(String, String?, String?)] {
            let error = #expect(throws: RegistrationError.self) {
                try s.app.registerOrganisation(OrganisationRegistration(name: name, kind: "business", district: "norwich", sizeBand: "small",
                                                                        postcode: postcode, companyNumber: company, contactName: "B", contactEmail: "b@example.org"), by: "sec")
            }
            #expect(error?.code == "already-registered")
            #expect(error?.localizedDescription.hasPrefix("Acme Ltd is already registered as \(first.organisation.key)") == true)
        }
        #expect(try s.app.engine.instances().count == before)
        #expect(try s.app.organisations().count == 1)
        let bad = #expect(throws: RegistrationError.self) {
            try s.app.registerOrganisation(OrganisationRegistration(name: "X", kind: "pub", district: "norwich", sizeBand: "small", contactName: "B", contactEmail: "b@example.org"), by: "sec")
        }
        #expect(bad?.field == "kind")
        // A postcode or company number that cannot be one is refused, naming it (they were kept as typed).
        for (postcode, company, field) in [("hello", nil, "postcode"), ("NR1 1A", nil, "postcode"), ("12345 678", nil, "postcode"),
                                           (nil, "not a number!", "company number"), (nil, "0123456789012", "company number")] as [(String?, String?, String)] {
            let refused = #expect(throws: RegistrationError.self) {
                try s.app.registerOrganisation(OrganisationRegistration(name: "Y", kind: "business", district: "norwich", sizeBand: "small", postcode: postcode,
                                                                        companyNumber: company, contactName: "B", contactEmail: "b@example.org"), by: "sec")
            }
            #expect(refused?.field == field, "\(postcode ?? company ?? "")")
        }
        for (postcode, company) in [("nr301ab", "sc123456"), ("GIR 0AA", "1234567"), ("EC1A 1BB", nil)] as [(String, String?)] {
            _ = try s.app.registerOrganisation(OrganisationRegistration(name: "Z \(postcode)", kind: "business", district: "norwich", sizeBand: "small", postcode: postcode,
                                                                        companyNumber: company, contactName: "B", contactEmail: "b\(postcode.count)@example.org"), by: "sec")
        }
        #expect(try s.app.organisations().count == 4)
    }

    @Test func erasingAContactRemovesThePersonalDataAndKeepsThePledges() throws {
        let s = try Scheme()
        let acme = try s.register("Acme Ltd")
        let p = try s.pledge(acme, "Mentor ten young people")
        try s.approve(p)
        let erased = try s.app.eraseContact(of: acme.key, reason: "Erasure request 2026-7", by: "sec")
        #expect(erased == 1)
        let person = try s.app.directory.people().first { $0.id == acme.contact }
        #expect(person?.name == "[erased]")
        #expect(person?.email == nil)
        let membership = try #require(try s.app.organisation(acme.key).membership)
        #expect(membership.instance.data["contactEmail"] == "[redacted]")
        #expect(membership.instance.data["contactName"] == "[redacted]")
        let everything = try s.app.database.read { db in
            try db.query("SELECT payload AS t FROM events UNION ALL SELECT data FROM instances UNION ALL SELECT recipient || body FROM outbox").compactMap { $0.string("t") }
        }.joined()
        #expect(!everything.contains("acme-ltd@example.org"))
        #expect(!everything.contains("Contact of Acme Ltd"))
        #expect(try s.state(p) == "approved")
        #expect(try s.wall() == [acme.key])
        #expect(try s.app.engine.verifyAuditLog().isIntact)
    }
}
