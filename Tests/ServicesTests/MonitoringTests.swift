import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain

/// The monitoring framework (the defect: areas had no owner, no core set or coverage check, a
/// measure's target could not be revised, and nothing said where its data came from).
@Suite(.serialized) struct MonitoringTests {
    @Test func areasHaveOwnersCoreMeasuresAndTargetsRevisedAtTheAnnualReviewKeepTheirTime() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("sec", alliance, "secretariat")
        let sam = try f.app.viewer(for: "sec")
        // At first every area has gaps: no owner, no core measure.
        #expect(try f.app.monitoringCoverage(for: sam).allSatisfy { $0.gaps.contains("no owner") && $0.gaps.contains("no core measure") })
        var request = MeasureRequest(group: "early-prevention-board", name: "Good level of development at five", unit: "%", direction: "higher-is-better",
                                     baseline: 60, target: 70, tolerance: 5, frequency: "quarterly", area: "learning")
        request.core = true
        request.dataSource = "Norfolk County Council"; request.dataset = "Early years foundation stage profile"; request.sharingAgreement = "DSA-2025-014"; request.arrives = "each autumn"
        let measure = try f.app.defineMeasure(request, by: "erin").measure
        #expect(measure.isCore && measure.sharingAgreement == "DSA-2025-014" && measure.arrives == "each autumn")
        #expect(throws: WorkflowError.self) { try f.app.setAreaOwner("learning", body: "early-prevention-board", by: "erin") }
        #expect(throws: GovernanceError.self) { try f.app.setAreaOwner("learning", body: "norfolk-health-and-wellbeing-board", by: "sec") }
        _ = try f.app.setAreaOwner("learning", body: "early-prevention-board", by: "sec")
        let learning = try #require(try f.app.monitoringCoverage(for: sam).first { $0.area.key == "learning" })
        #expect(learning.owner?.key == "early-prevention-board" && learning.core.count == 1 && learning.gaps.isEmpty)
        #expect(try f.app.governance.changes().contains { $0.action == "area-owner" && $0.actor == "sec" })

        // A value in the spring, then the annual review raises the target.
        f.at("2026-04-01T09:00")
        _ = try f.app.recordMeasure(measure.id, period: "2026-Q1", value: 68, note: nil, by: "erin")
        f.at("2026-09-01T09:00")
        #expect(throws: WorkflowError.self) {
            try f.app.reviseMeasure(measure.id, MeasureRevision(target: 75, tolerance: 5, core: true, reason: "x"), by: "sec2")
        }
        let revised = try f.app.reviseMeasure(measure.id, MeasureRevision(target: 75, tolerance: 4, core: true, reason: "The annual review: last year's target was met"), by: "erin")
        #expect(revised.measure.target == 75 && revised.measure.tolerance == 4)
        #expect(revised.values.first?.rag == .amber, "a value recorded before keeps the RAG of its time")
        #expect(try f.app.measureRevisions(measure.id).map { $0.payload["reason"]?.stringValue } == ["The annual review: last year's target was met"])
        // The report as it stood in the summer keeps the target of its time; today's has the new one.
        let before = try f.app.annualReport(year: 2026, asOf: f.app.time.parse("2026-08-01T09:00")!)
        let now = try f.app.annualReport(year: 2026)
        #expect(before.measures.first { $0.name == measure.name }?.target == 70)
        #expect(now.measures.first { $0.name == measure.name }?.target == 75)
        #expect(throws: WorkflowError.self) {
            try f.app.reviseMeasure(measure.id, MeasureRevision(target: .infinity, tolerance: 4, core: true, reason: "x"), by: "erin")
        }
    }
}

/// A year of meetings: a decision taken at one becomes work, the work goes overdue, and it
/// comes back on the next agenda with the escalation nobody answered (the defect: nothing
/// modelled a meeting, its agenda or its decision log).
@Suite(.serialized) struct MeetingCycleTests {
    @Test func aMeetingsDecisionBecomesWorkThatGoesOverdueAndComesBackOnTheNextAgenda() throws {
        let f = try NorfolkFixture(start: "2027-01-04T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("ann", alliance, "chair")
        try f.person("bea", alliance, "member")
        try f.person("sec", alliance, "secretariat")
        let sam = try f.app.viewer(for: "sec")
        let venues = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        let silent = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Nobody answers", severity: "low", areas: ["healthy"]), by: "erin")
        #expect(throws: WorkflowError.self) { try f.app.scheduleMeeting(of: alliance, at: f.app.time.parse("2027-01-01T10:00")!, place: "", by: "sec") }
        let january = try f.app.scheduleMeeting(of: alliance, at: f.app.time.parse("2027-01-14T10:00")!, place: "County Hall", by: "sec")
        #expect(throws: WorkflowError.self) { try f.app.holdMeeting(january.id, present: ["ann"], notes: "", approvingPrevious: false, by: "ann") }
        _ = try f.app.addAgendaItem(january.id, item: "The annual report timetable", by: "sec")
        var agenda = try f.app.agenda(january.id, for: sam)
        #expect(agenda.escalations.map(\.escalation.escalation.title).sorted() == ["Nobody answers", "Venues"])
        #expect(agenda.items == ["The annual report timetable"] && agenda.previous == nil)
        #expect(agenda.highlightReports.contains { $0.group.key == "early-prevention-board" })

        // At the meeting the Alliance accepts "Venues" into a plan, minuted; "Nobody answers" is left.
        f.at("2027-01-14T11:00")
        _ = try f.app.decideEscalation(venues.escalation.id, at: alliance, outcome: "accepted", fields: ["plan": "Libraries", "minute": "2027/01/3"],
                                       plan: [PlannedAction(title: "Book the libraries", group: "early-prevention-board", owner: "erin", dueDate: "2027-02-26")], by: "ann")
        _ = try f.app.holdMeeting(january.id, present: ["ann", "bea"], notes: "Quorate", approvingPrevious: false, by: "ann")
        agenda = try f.app.agenda(january.id, for: sam)
        #expect(agenda.decisions.map { $0.review.instance.data["minute"]?.stringValue } == ["2027/01/3"], "the decision log carries the minute")

        // Spring: the plan's action is overdue; "Nobody answers" is overdue where escalation stops.
        f.at("2027-04-06T09:00")
        _ = try f.app.engine.tick()
        let april = try f.app.scheduleMeeting(of: alliance, at: f.app.time.parse("2027-04-15T10:00")!, place: "Online", by: "sec")
        agenda = try f.app.agenda(april.id, for: sam)
        #expect(agenda.previous?.id == january.id, "January's minutes come up for approval")
        #expect(agenda.latePlans.map(\.escalation.title) == ["Venues"], "the late plan comes back")
        // Overdue first: the one nobody answered; then the plan's own action, escalated once past the tolerance.
        #expect(agenda.escalations.map(\.escalation.escalation.title) == ["Nobody answers", "Action overdue beyond tolerance: Book the libraries"])
        #expect(agenda.escalations.first?.overdue == true)
        #expect(agenda.highlightReports.first { $0.group.key == "early-prevention-board" }?.overdue.map(\.title) == ["Book the libraries"])
        #expect(agenda.highlightReports.first { $0.group.key == "early-prevention-board" }?.overdueSince.map(\.title) == ["Book the libraries"], "overdue since January's meeting")
        // The board above where escalation stops hears of the unanswered one in the Alliance's highlight report, with no decision to take.
        let board = try f.app.scheduleMeeting(of: "norfolk-health-and-wellbeing-board", at: f.app.time.parse("2027-04-20T14:00")!, place: "", by: "sec")
        let boardAgenda = try f.app.agenda(board.id, for: .anonymous)
        #expect(boardAgenda.escalations.isEmpty, "nothing waits above the stop for a decision")
        #expect(boardAgenda.highlightReports.first { $0.group.key == alliance }?.escalationsOverdue.map(\.title).contains("Nobody answers") == true)
        f.at("2027-04-15T12:00")
        _ = try f.app.holdMeeting(april.id, present: ["ann"], notes: "", approvingPrevious: true, by: "ann")
        #expect(try f.app.meeting(january.id, for: sam).state == .minutesApproved && f.app.meeting(january.id, for: sam).approvedAt == april.id.rawValue)
        let feed = try f.app.meetingsFeed(of: alliance, for: sam)
        #expect(feed.contains("DTSTART:20270114T100000Z") && feed.contains("LOCATION:County Hall"))
        #expect(try f.app.meetings(of: alliance, for: try f.app.viewer(for: "erin")).isEmpty, "the Alliance's papers are for its members")
        _ = silent
    }
}
