import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// The annual report over a small partnership whose figures are worked out by hand below.
@Suite(.serialized) struct AnnualReportTests {
    static let epb = "early-prevention-board"

    /// Builds the known dataset. Returns the moments either side of the second action's completion.
    /// 2 Mar 2026: Acme (business, Norwich) and Beacon (voluntary, Breckland) register. Pledges for 2026:
    ///   P1 Acme [learning, healthy] approved; P2 Beacon [learning] approved; P3 Acme [healthy]
    ///   submitted only; P4 Beacon [opportunity] a draft. Erin raises an escalation [healthy] to
    ///   the Alliance; the Early Prevention Board logs X1 [family-and-friends] due 30 Jun and
    ///   X2 [learning] due 31 Dec, and defines measure M1 [healthy] (baseline 50, target 80, tolerance 10).
    /// 9 Mar: Ann resolves the escalation at the Alliance (5 working days after 2 Mar).
    /// 1 Apr: M1 2026-Q1 = 75 (amber); X1 updated red; X2 updated green.
    /// 1 May: X2 completed.
    /// 1 Jul: M1 2026-Q2 = 72 (amber, worsening).  2 Jul: the tick makes X1 overdue.
    static func dataset() throws -> (f: NorfolkFixture, beforeCompletion: Date, afterCompletion: Date) {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.person("ann", alliance, "chair")
        try f.person("erin", epb, "chair")
        let acme = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "a@acme.example"), by: "sec")
        let beacon = try f.app.registerOrganisation(.init(name: "Beacon Trust", kind: "voluntary-or-community-organisation", district: "breckland", sizeBand: "micro",
                                                          contactName: "B", contactEmail: "b@beacon.example"), by: "sec")
        func pledge(_ org: OrganisationView, _ text: String, _ areas: [String], submit: Bool, approve: Bool) throws {
            let contact = org.organisation.contacts[0]
            let p = try f.app.createPledge(PledgeRequest(organisation: org.organisation.key, text: text, areas: areas), by: contact)
            if submit { _ = try f.app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: contact) }
            if approve { _ = try f.app.approvePledge(RecordID(p.id), comment: nil, expectedVersion: nil, by: "sec") }
        }
        try pledge(acme, "Work experience weeks", ["learning", "healthy"], submit: true, approve: true)
        try pledge(beacon, "Homework club", ["learning"], submit: true, approve: true)
        try pledge(acme, "Healthy lunches", ["healthy"], submit: true, approve: false)
        try pledge(beacon, "Youth council", ["opportunity"], submit: false, approve: false)
        let escalation = try f.app.raiseEscalation(EscalationRequest(group: epb, title: "Waiting lists", severity: "high", areas: ["healthy"]), by: "erin")
        let x1 = try f.app.logAction(ActionRequest(group: epb, title: "Family hubs", areas: ["family-and-friends"], owner: "erin", dueDate: "2026-06-30"), by: "erin")
        let x2 = try f.app.logAction(ActionRequest(group: epb, title: "Reading mentors", areas: ["learning"], owner: "erin", dueDate: "2026-12-31"), by: "erin")
        let m1 = try f.app.defineMeasure(MeasureRequest(group: epb, name: "Healthy weight at reception", unit: "%", direction: "higher-is-better",
                                                        baseline: 50, target: 80, tolerance: 10, frequency: "quarterly", area: "healthy"), by: "erin")
        f.at("2026-03-09T09:00")
        _ = try f.app.decideEscalation(escalation.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "Extra clinics agreed"], by: "ann")
        f.at("2026-04-01T09:00")
        _ = try f.app.recordMeasure(m1.measure.id, period: "2026-Q1", value: 75, note: nil, by: "erin")
        _ = try f.app.fireAction(x1.action.id, event: "update", fields: ["rag": "red", "commentary": "No venue"], by: "erin")
        _ = try f.app.fireAction(x2.action.id, event: "update", fields: ["rag": "green", "commentary": "Mentors found"], by: "erin")
        f.at("2026-05-01T09:00")
        let completion = f.clock.now()
        _ = try f.app.fireAction(x2.action.id, event: "complete", fields: ["outcomeNote": "Forty children mentored"], by: "erin")
        f.at("2026-07-01T09:00")
        _ = try f.app.recordMeasure(m1.measure.id, period: "2026-Q2", value: 72, note: nil, by: "erin")
        f.at("2026-07-02T09:00")
        _ = try f.app.engine.tick()
        return (f, completion.addingTimeInterval(-1), completion.addingTimeInterval(1))
    }

    /// Issue 18: a draft withdrawn before it was ever sent was counted as a pledge made, and the
    /// 2026 report counted as still open an escalation raised in 2027.
    @Test func madeMeansSubmittedAndStillOpenMeansRaisedByTheYearsEnd() throws {
        let (f, _, _) = try Self.dataset()
        let before = try f.app.annualReport(year: 2026)
        #expect(before.totals.pledges.made == 3)
        let healthyOpen = try #require(before.areas.first { $0.key == "healthy" }).escalations.stillOpen
        // Beacon withdraws its unsent draft (P4): it was never made.
        let beacon = try #require(try f.app.organisations().first { $0.organisation.name == "Beacon Trust" })
        let draft = try #require(beacon.pledges.first { $0.state == .draft })
        _ = try f.app.firePledge(draft.id, event: "withdraw", fields: [:], expectedVersion: nil, by: beacon.organisation.contacts[0])
        #expect(try f.app.annualReport(year: 2026).totals.pledges.made == 3, "a draft withdrawn unsent was never made")
        // An escalation raised in 2027 is not one the 2026 report carries as still open.
        f.at("2027-01-15T09:00")
        _ = try f.app.raiseEscalation(EscalationRequest(group: Self.epb, title: "Raised in 2027", severity: "low", areas: ["healthy"]), by: "erin")
        let later = try f.app.annualReport(year: 2026)
        #expect(try #require(later.areas.first { $0.key == "healthy" }).escalations.stillOpen == healthyOpen)
        let raisedBefore = try #require(before.areas.first { $0.key == "healthy" }).escalations.raised
        #expect(try #require(later.areas.first { $0.key == "healthy" }).escalations.raised == raisedBefore)
    }

    @Test func everySectionMatchesTheFiguresWorkedOutByHand() throws {
        let (f, _, _) = try Self.dataset()
        let r = try f.app.annualReport(year: 2026)
        #expect(r.yearStarts == "2026-01-01" && r.yearEnds == "2026-12-31", "Norfolk's pledge years run from approval, so the report year is the calendar year")

        #expect(r.totals.pledges.made == 3 && r.totals.pledges.approved == 2 && r.totals.pledges.delivered == 0)
        #expect(r.totals.pledgingOrganisations == 2)
        #expect(r.totals.actions.total == 2 && r.totals.actions.red == 1 && r.totals.actions.green == 1 && r.totals.actions.completed == 1 && r.totals.actions.overdue == 1)
        #expect(r.totals.measures == 1 && r.totals.amberMeasures == 1 && r.totals.redMeasures == 0)
        #expect(r.totals.escalations == .init(raised: 1, resolved: 1, stillOpen: 0))

        let area = Dictionary(uniqueKeysWithValues: r.areas.map { ($0.key, $0) })
        #expect(r.areas.count == 8)
        let learning = try #require(area["learning"])
        #expect(learning.pledges.made == 2 && learning.pledges.approved == 2)
        #expect(learning.pledgesByKind.first { $0.key == "business" }?.pledges.made == 1)
        #expect(learning.pledgesByKind.first { $0.key == "voluntary-or-community-organisation" }?.pledges.made == 1)
        #expect(learning.pledgesByDistrict.first { $0.key == "norwich" }?.pledges.approved == 1)
        #expect(learning.pledgesByDistrict.first { $0.key == "breckland" }?.pledges.approved == 1)
        #expect(learning.actions.total == 1 && learning.actions.completed == 1 && learning.actions.green == 1)
        let healthy = try #require(area["healthy"])
        #expect(healthy.pledges.made == 2 && healthy.pledges.approved == 1)
        #expect(healthy.escalations == .init(raised: 1, resolved: 1, stillOpen: 0))
        let family = try #require(area["family-and-friends"])
        #expect(family.pledges.made == 0 && family.actions.total == 1 && family.actions.red == 1 && family.actions.overdue == 1)
        #expect(area["opportunity"]?.pledges.made == 0, "a draft is not a pledge made")

        let prevention = try #require(r.priorities.first { $0.key == "prevention-and-early-help" })
        #expect(prevention.actions.total == 2 && prevention.actions.overdue == 1 && prevention.redMeasures == 0)

        #expect(r.escalationLevels.map(\.body) == [alliance])
        #expect(r.escalationLevels.first?.opened == 1 && r.escalationLevels.first?.decided == 1 && r.escalationLevels.first?.stillOpen == 0)
        #expect(r.escalationLevels.first?.medianWorkingDaysToResolve == 5)

        let m1 = try #require(r.measures.first)
        #expect(m1.latest == 72 && m1.latestPeriod == "2026-Q2" && m1.rag == "amber" && m1.trend == "worsening")

        // Most overdue actions first; then fewest pledges; ties by key.
        #expect(r.needs.areas.map(\.key) == ["family-and-friends", "individual", "opportunity", "resilience", "safe-and-secure", "understood", "healthy", "learning"])
        #expect(r.needs.priorities.first?.key == "prevention-and-early-help")
        #expect(r.sections.isEmpty)
    }

    @Test func asOfReportsBeforeAndAfterAnEventDifferByExactlyThatEvent() throws {
        let (f, before, after) = try Self.dataset()
        let r1 = try f.app.annualReport(year: 2026, asOf: before), r2 = try f.app.annualReport(year: 2026, asOf: after)
        var expected = r1
        expected.asOf = r2.asOf
        expected.totals.actions.completed += 1
        expected.areas = expected.areas.map { var a = $0; if a.key == "learning" { a.actions.completed += 1 }; return a }
        expected.priorities = expected.priorities.map { var p = $0; if p.key == "prevention-and-early-help" { p.actions.completed += 1 }; return p }
        #expect(r1 != r2)
        #expect(expected == r2)
        // Before anything happened, there is nothing to count.
        let empty = try f.app.annualReport(year: 2026, asOf: f.app.time.parse("2026-03-01T09:00")!)
        #expect(empty.totals.pledges.made == 0 && empty.totals.actions.total == 0 && empty.measures.isEmpty)
    }

    @Test func aPublishedReportIsFrozenAndRegeneratesFromTheLog() throws {
        let (f, _, _) = try Self.dataset()
        try f.person("leo", "norfolk-learning-board", "chair")
        #expect(throws: ReportError.notStarted(year: 2026)) { try f.app.compileAnnualReport(year: 2026, by: "sec") }
        let started = try f.app.startAnnualReport(year: 2026, sectionsDueOn: CalendarDay(year: 2026, month: 7, day: 31), by: "sec")
        #expect(started.sections.count == (try f.app.reportingGroups().count))
        #expect(started.sections.allSatisfy { $0.instance.parentID == started.report.id.instance })
        #expect(throws: ReportError.alreadyStarted(year: 2026, state: "collecting")) {
            try f.app.startAnnualReport(year: 2026, sectionsDueOn: CalendarDay(year: 2026, month: 8, day: 31), by: "sec")
        }
        // The chairs are asked, and reminded a week before the deadline.
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.subject == "Your group's section of the 2026 annual report" && $0.recipient.hasPrefix("erin") })
        _ = try f.app.submitReportSection(year: 2026, group: Self.epb, text: "We opened two family hubs.", by: "erin")
        #expect(throws: ReportError.sectionsOutstanding(year: 2026, groups: started.awaited.filter { $0 != Self.epb }, dueOn: "2026-07-31")) {
            try f.app.compileAnnualReport(year: 2026, by: "sec")
        }
        f.at("2026-07-24T09:00")
        _ = try f.app.engine.tick()
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.subject.hasPrefix("A reminder: your section of the 2026 annual report") && $0.recipient.hasPrefix("leo") })
        #expect(try !f.app.engine.outbox(status: "pending").contains { $0.subject.hasPrefix("A reminder") && $0.recipient.hasPrefix("erin") }, "no reminder once the section is in")
        f.at("2026-08-01T09:00")
        _ = try f.app.engine.tick()
        let compiled = try f.app.compileAnnualReport(year: 2026, by: "sec")
        #expect(compiled.status.report.state.rawValue == "compiled")
        #expect(compiled.report.sections.first { $0.group == Self.epb }?.text == "We opened two family hubs.")
        #expect(compiled.report.sections.filter { $0.status == "missing" }.count == started.sections.count - 1, "missing sections are named")
        #expect(throws: WorkflowError.self) { try f.app.decideAnnualReport(year: 2026, approve: true, note: nil, by: "erin") }
        _ = try f.app.decideAnnualReport(year: 2026, approve: true, note: "Approved at the August meeting", by: "ann")
        f.at("2026-08-05T10:00")
        let published = try f.app.publishAnnualReport(year: 2026, by: "sec")
        #expect(published.digest == SHA256.hash(Array(try published.content.canonicalJSON())).hexString)

        // Later events change the live figures, not the published report.
        f.at("2026-09-01T09:00")
        let org = try f.app.organisations().first!
        let late = try f.app.createPledge(PledgeRequest(organisation: org.organisation.key, text: "Summer sports camp", areas: ["healthy"]), by: org.organisation.contacts[0])
        _ = try f.app.firePledge(RecordID(late.id), event: "submit", fields: [:], expectedVersion: nil, by: org.organisation.contacts[0])
        #expect(try f.app.annualReport(year: 2026).totals.pledges.made == 4)
        let stored = try f.app.publishedReport(year: 2026)
        #expect(stored.content == published.content && stored.digest == published.digest)
        #expect(stored.content.totals.pledges.made == 3)
        // Regenerated from the log as of its publication moment, it is the same report.
        #expect(try f.app.annualReport(year: 2026, asOf: stored.publishedAt) == stored.content)
        // And the database itself refuses to change it.
        #expect(throws: (any Error).self) { try f.app.database.write { try $0.execute("UPDATE published_reports SET digest = 'x'") } }
        #expect(try f.app.publishedReportYears() == [2026])
    }

    @Test func theCSVHasOneFigurePerRowAndTheJSONRoundTrips() throws {
        let (f, _, _) = try Self.dataset()
        let r = try f.app.annualReport(year: 2026)
        let rows = r.csvRows()
        #expect(rows[0] == ["section", "key", "name", "figure", "value"])
        #expect(rows.allSatisfy { $0.count == 5 })
        #expect(rows.contains(["totals", "partnership", r.partnership, "pledges made", "3"]))
        #expect(rows.contains(["escalation level", alliance, "Children and Young People Strategic Alliance", "median working days to resolve", "5"]))
        #expect(try AnnualReport.decode(r.canonicalJSON()) == r)
    }
}
