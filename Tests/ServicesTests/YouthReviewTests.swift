import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain

/// The youth review (the defect: no youth step anywhere: pledges were published and the annual
/// report approved without young people seeing either).
@Suite(.serialized) struct YouthReviewTests {
    static let panel = "youth-advisory-boards"

    struct World {
        let f: NorfolkFixture
        let acme: OrganisationView
        func submitted(_ text: String) throws -> InstanceID {
            let contact = acme.organisation.contacts[0]
            let p = try f.app.createPledge(PledgeRequest(organisation: acme.organisation.key, text: text, areas: ["learning"]), by: contact)
            _ = try f.app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
            return p.id
        }
        func approve(_ id: InstanceID) throws { _ = try f.app.approvePledge(RecordID(id), comment: nil, expectedVersion: nil, by: "sec") }
    }

    func world() throws -> World {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")   // a Monday
        try f.person("sec", alliance, "secretariat")
        try f.person("yan", Self.panel, "chair")                // the panel's adult lead
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("ann", alliance, "chair")
        let acme = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "a@acme.example"), by: "sec")
        return World(f: f, acme: acme)
    }

    @Test func withTheReviewOnPledgesWaitForThePanelsViewOrItsDeadline() throws {
        let w = try world()
        let app = w.f.app
        let before = try w.submitted("Before the review")
        try w.approve(before)   // off: published as ever
        #expect(throws: WorkflowError.self, "only the secretariat switches it on") { try app.switchYouthReview(on: true, panel: Self.panel, by: "erin") }
        #expect(throws: VoiceError.self, "the panel is a participation group") { try app.switchYouthReview(on: true, panel: "early-prevention-board", by: "sec") }
        #expect(throws: WorkflowError.self) { try app.switchYouthReview(on: true, panel: Self.panel, workingDays: 0, by: "sec") }
        #expect(try app.youthReviewSetting() == nil, "nothing switched by the refusals")
        let setting = try #require(try app.switchYouthReview(on: true, panel: Self.panel, workingDays: 5, by: "sec"))
        #expect(setting.panel.key == Self.panel && setting.workingDays == WorkingDays(5))

        let a = try w.submitted("Placements"), b = try w.submitted("Mentors"), c = try w.submitted("Clubs")
        #expect(throws: YouthReviewError.notSent(panel: "Youth Advisory Boards")) { try w.approve(a) }
        #expect(throws: YouthReviewError.nothingToSend) { try app.sendForYouthReview([], by: "sec") }
        #expect(throws: YouthReviewError.notSubmitted(before.rawValue), "an approved pledge is past reviewing") { try app.sendForYouthReview([before.rawValue], by: "sec") }
        let batch = try app.sendForYouthReview([a.rawValue, b.rawValue, a.rawValue], by: "sec")
        #expect(batch.pledges == [a.rawValue, b.rawValue] && batch.reviewBy?.description == "2026-03-09", "five working days from Monday 2 March")
        #expect(throws: YouthReviewError.alreadySent(a.rawValue, batch: batch.id.rawValue)) { try app.sendForYouthReview([a.rawValue], by: "sec") }
        #expect(try app.pledgesForYouthReview().map(\.id.instance) == [c])
        #expect(try app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("yan") && $0.subject.hasPrefix("Pledges for your panel to look at by") })
        #expect(throws: YouthReviewError.awaitingPanel(panel: "Youth Advisory Boards", reviewBy: "9 March 2026")) { try w.approve(a) }
        #expect(throws: YouthReviewError.self, "the generic door is gated too") {
            try app.fire("approve", on: a, fields: [:], for: try app.viewer(for: "sec"), expectedVersion: nil, idempotencyKey: nil)
        }

        // The panel's lead gives its views; another body's chair cannot.
        #expect(throws: WorkflowError.self) { try app.giveYouthView(batch.id, pledge: a.rawValue, view: "endorse", comment: nil, by: "erin") }
        #expect(throws: YouthReviewError.commentNeeded) { try app.giveYouthView(batch.id, pledge: a.rawValue, view: "comment", comment: "  ", by: "yan") }
        #expect(throws: YouthReviewError.notInBatch(c.rawValue)) { try app.giveYouthView(batch.id, pledge: c.rawValue, view: "endorse", comment: nil, by: "yan") }
        #expect(throws: WorkflowError.self, "a view is endorse or comment") { try app.giveYouthView(batch.id, pledge: a.rawValue, view: "love", comment: nil, by: "yan") }
        #expect(throws: WorkflowError.self, "the generic door cannot skip the batch's checks") {
            try app.fire("give-view", on: batch.id, fields: ["pledge": .string(c.rawValue), "view": "comment"], for: try app.viewer(for: "yan"), expectedVersion: nil, idempotencyKey: nil)
        }
        let viewed = try app.giveYouthView(batch.id, pledge: a.rawValue, view: "endorse", comment: "Paid placements, please", by: "yan")
        #expect(viewed.views[a.rawValue]?.view == "endorse" && viewed.views[a.rawValue]?.comment == "Paid placements, please")
        try w.approve(a)   // its view is in
        #expect(throws: YouthReviewError.self, "b still waits") { try w.approve(b) }
        // Past the deadline the secretariat may go on.
        w.f.at("2026-03-10T09:00")
        _ = try app.engine.tick()
        #expect(try app.youthReview(of: b)?.state == "deadline-passed")
        #expect(try app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("sec") && $0.subject.hasPrefix("The youth panel's deadline has passed") })
        try w.approve(b)
        // Switched off, pledges are published without the panel again.
        _ = try app.switchYouthReview(on: false, by: "sec")
        try w.approve(c)
        #expect(try app.governance.changes().filter { $0.action.hasPrefix("youth-review") }.map(\.action) == ["youth-review-on", "youth-review-off"])
        // The batch is for the panel and the secretariat only.
        #expect(throws: WorkflowError.self) { try app.youthReviewBatch(batch.id, for: try app.viewer(for: "erin")) }
        #expect(throws: WorkflowError.self) { try app.youthReviewBatch(batch.id, for: .anonymous) }
    }

    @Test func thePanelWritesItsStatementAndTheAllianceApprovesTheReportOnlyThen() throws {
        let w = try world()
        let app = w.f.app
        _ = try app.switchYouthReview(on: true, panel: Self.panel, by: "sec")
        let status = try app.startAnnualReport(year: 2026, sectionsDueOn: try #require(CalendarDay("2026-04-30")), by: "sec")
        #expect(status.sections.map(\.group).contains(Self.panel), "the panel is asked for its statement")
        for s in status.sections where s.group != Self.panel {
            _ = try app.submitReportSection(year: 2026, group: s.group, text: "Our year", by: "sec")
        }
        w.f.at("2026-05-01T09:00")
        _ = try app.engine.tick()
        _ = try app.compileAnnualReport(year: 2026, by: "sec")
        #expect(throws: YouthReviewError.statementAwaited(panel: "Youth Advisory Boards")) {
            try app.decideAnnualReport(year: 2026, approve: true, note: nil, by: "ann")
        }
        // Late, but before approval: young people have their say.
        _ = try app.submitReportSection(year: 2026, group: Self.panel, text: "We want more say in where the money goes.\n\nAnd more places to go in the evenings.", by: "yan")
        _ = try app.decideAnnualReport(year: 2026, approve: true, note: nil, by: "ann")
        let report = try app.annualReport(year: 2026)
        let first = try #require(report.sections.first)
        #expect(first.group == Self.panel && first.youthStatement == true && first.text?.hasPrefix("We want more say") == true, "the statement comes first")
        #expect(report.sections.dropFirst().allSatisfy { $0.youthStatement == nil })
    }

    @Test func anyReportMayAskAParticipationGroupForItsStatement() throws {
        let w = try world()
        let app = w.f.app
        #expect(throws: VoiceError.self, "statements come from participation groups") {
            try app.startAnnualReport(year: 2026, sectionsDueOn: try #require(CalendarDay("2026-04-30")), statementsFrom: ["early-prevention-board"], by: "sec")
        }
        #expect(try app.annualReportStatus(year: 2026) == nil, "nothing started by the refusal")
        let status = try app.startAnnualReport(year: 2026, sectionsDueOn: try #require(CalendarDay("2026-04-30")), statementsFrom: ["family-voice-norfolk"], by: "sec")
        #expect(status.sections.map(\.group).contains("family-voice-norfolk") && !status.sections.map(\.group).contains(Self.panel), "the youth review is off: only the group asked")
    }
}
