import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

let alliance = "children-and-young-people-strategic-alliance"
let nscp = "norfolk-safeguarding-children-partnership"
let hwb = "norfolk-health-and-wellbeing-board"

/// A Norfolk database on a clock that moves only when told, with a cast of people.
struct NorfolkFixture {
    let app: Flourish
    let clock: TestClock

    init(start: String, partnership: String = "norfolk") throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-gov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let london = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        clock = TestClock(london.parse(start)!)
        app = try Flourish(databasePath: dir.appendingPathComponent("f.sqlite").path, library: library, clock: clock, partnershipKey: partnership)
    }

    func person(_ id: String, _ body: String, _ role: String) throws {
        if try !app.directory.people().contains(where: { $0.id == id }) {
            _ = try app.directory.addPerson(id: id, name: id.capitalized, email: "\(id)@example.org", at: clock.now())
        }
        _ = try app.directory.addMembership(person: id, body: body, role: role, at: clock.now())
    }

    func at(_ text: String) { clock.set(app.time.parse(text)!) }

    func bodies(_ view: EscalationView) -> [String] { view.open.compactMap { $0.instance.data["body"]?.stringValue }.sorted() }
}

@Suite(.serialized) struct EscalationTests {
    @Test func raisedOnTheFridayBeforeABankHolidayMondayGetsTheRightDeadline() throws {
        // Friday 22 May 2026; Monday 25 May is the spring bank holiday. Ten working days for a subgroup's issue at... the Alliance is a board: 15.
        let f = try NorfolkFixture(start: "2026-05-22T16:00")
        try f.person("erin", "early-prevention-board", "chair")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Waiting lists", severity: "medium", areas: ["healthy"]), by: "erin")
        #expect(f.bodies(view) == [alliance])
        let due = try #require(view.open.first?.instance.data["respondBy"]?.stringValue.flatMap { f.app.time.parse($0) })
        // 15 working days after Fri 22 May, skipping Mon 25 May: Tue 26 May counts first, so Mon 15 June.
        #expect(f.app.time.display(due) == "2026-06-15 16:00 BST")
        // A high one gives each body at most 5 working days (Norfolk's severities, as data): Mon 1 June.
        let high = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues closed", severity: "high", areas: ["healthy"]), by: "erin")
        let highDue = try #require(high.open.first?.instance.data["respondBy"]?.stringValue.flatMap { f.app.time.parse($0) })
        #expect(f.app.time.display(highDue) == "2026-06-01 16:00 BST")
    }

    @Test func aHighSeverityFromASharedEnablingGroupGoesStraightToTheAlliance() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        let steps = try f.app.simulateEscalation(from: "data-and-system-performance-group", date: f.clock.now(), priorities: [], severity: "high")
        #expect(steps.map(\.step.body.key) == [alliance], "not also the safeguarding partnership, as a medium one goes")
        let medium = try f.app.simulateEscalation(from: "data-and-system-performance-group", date: f.clock.now(), priorities: [], severity: "medium")
        #expect(medium.map(\.step.body.key) == [alliance, "norfolk-safeguarding-children-partnership"])
        #expect(throws: EscalationError.self) { try f.app.simulateEscalation(from: "data-and-system-performance-group", date: f.clock.now(), priorities: [], severity: "urgent") }
    }

    @Test func aMissedDeadlineAtASubgroupEscalatesToItsParentOnTheNextTick() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("kim", "norfolk-learning-board", "chair")
        try f.app.addBody(key: "reading-task-group", name: "Reading Task Group", kind: "subgroup", reportsTo: ["norfolk-learning-board"], priority: nil, description: "", by: "sec")
        try f.person("tia", "reading-task-group", "chair")
        let raised = try f.app.raiseEscalation(EscalationRequest(group: "reading-task-group", title: "No reading tutors", severity: "medium", areas: ["learning"]), by: "tia")
        #expect(f.bodies(raised) == ["norfolk-learning-board"])
        // Ten working days for a subgroup: Mon 2 March 2026 + 10 = Mon 16 March, 09:00.
        f.at("2026-03-16T08:59")
        #expect(try f.app.engine.tick().isEmpty)
        f.at("2026-03-16T09:00")
        let fired = try f.app.engine.tick()
        #expect(fired.map(\.event) == ["deadline-missed"])
        let after = try f.app.escalation(raised.escalation.id)
        #expect(f.bodies(after) == [alliance])
        #expect(after.reviews.first { $0.body == "norfolk-learning-board" }?.state == .missed)
        #expect(after.open.first?.instance.data["level"]?.intValue == 2)
        #expect(after.open.first?.instance.data["fromBody"]?.stringValue == "norfolk-learning-board")
    }

    @Test func fromASharedEnablingGroupItReachesBothParentsAndIsTrackedAtEach() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("wes", "workforce-development-group", "chair")
        try f.person("ann", alliance, "chair")
        try f.person("nia", nscp, "chair")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "workforce-development-group", title: "Social worker vacancies", severity: "medium", areas: ["safe-and-secure"]), by: "wes")
        #expect(f.bodies(view) == [alliance, nscp])
        #expect(Set(view.open.map(\.instance.workflow)) == ["escalation-top-review"])  // escalation stops at the Alliance; the partnership keeps its own governance
        let afterAlliance = try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "Recruitment drive agreed"], by: "ann")
        #expect(afterAlliance.escalation.state.rawValue == "open")  // still waiting at the partnership
        #expect(f.bodies(afterAlliance) == [nscp])
        let closed = try f.app.decideEscalation(view.escalation.id, at: nscp, outcome: "resolved", fields: ["rationale": "Joint workforce plan"], by: "nia")
        #expect(closed.escalation.state.rawValue == "closed")
        #expect(closed.escalation.instance.data["outcome"]?.stringValue == "resolved at \(nscp)")
    }

    @Test func someoneWhoMayNotDecideThereIsRefusedAndNothingChanges() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("max", alliance, "member")  // a member, but members do not decide
        try f.person("olu", "norfolk-learning-board", "chair")  // a chair, but of another body
        let view = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "T", severity: "low", areas: ["healthy"]), by: "erin")
        let events = try f.app.engine.history(of: view.open[0].id.instance).count
        // A member of the body it waits at is told they may not decide; a chair of a body it
        // never reached is told nothing of it (it is answered as missing).
        for (person, code) in [("max", "not-permitted"), ("olu", "unknown-instance")] {
            let error = #expect(throws: WorkflowError.self) {
                try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "x"], by: person)
            }
            #expect(error?.code == code, "\(person)")
        }
        #expect(try f.app.engine.history(of: view.open[0].id.instance).count == events)
        // A member may acknowledge, though.
        _ = try f.app.acknowledgeEscalation(view.escalation.id, at: alliance, note: nil, by: "max")
    }

    @Test func onlyCommissionersTakeCommissioningExecutiveDecisions() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("cara", "childrens-integrated-commissioning-group", "chair")
        try f.person("ann", alliance, "chair")
        try f.person("com", alliance, "commissioner")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "childrens-integrated-commissioning-group", title: "Pooled budget overspend", severity: "high",
                                                               areas: ["healthy"], function: "commissioning-executive"), by: "cara")
        #expect(throws: WorkflowError.self) { try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "x"], by: "ann") }
        let done = try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "Budget realigned"], by: "com")
        #expect(done.escalation.state.rawValue == "closed")
    }

    @Test func aCrossCuttingIssueSkipsTheSubgroupLevel() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.app.addBody(key: "reading-task-group", name: "Reading Task Group", kind: "subgroup", reportsTo: ["norfolk-learning-board"], priority: nil, description: "", by: "sec")
        try f.person("tia", "reading-task-group", "chair")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "reading-task-group", title: "Wellbeing and reading", severity: "medium",
                                                               priorities: ["learning-gaps", "mental-health-and-wellbeing"], areas: ["learning", "healthy"]), by: "tia")
        #expect(f.bodies(view) == [alliance])  // not the Norfolk Learning Board
    }

    /// Escalation stops at the Alliance (the defect: missed deadlines sent it on to the Health and
    /// Wellbeing Board and the scrutiny committee, where nobody takes operational decisions).
    @Test func escalationStopsAtTheAllianceAndTheSecretariatActsOnABodysBehalf() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("ann", alliance, "chair")
        try f.person("sec", alliance, "secretariat")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "T", severity: "low", areas: ["healthy"]), by: "erin")
        #expect(f.bodies(view) == [alliance])
        let refused = #expect(throws: WorkflowError.self) {
            try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "escalated", fields: ["rationale": "board"], by: "sec")
        }
        #expect(refused?.code == "unknown-event", "the Alliance decides; it cannot pass the issue up")
        // Unanswered, it stays at the Alliance, overdue, and its chair and the secretariat are told.
        f.clock.advance(bySeconds: 40 * 86_400)
        _ = try f.app.engine.tick()
        let overdue = try f.app.escalation(view.escalation.id)
        #expect(overdue.open.map(\.body) == [alliance] && overdue.open.first?.state == .overdue)
        let told = try f.app.outbox().filter { $0.subject.contains("Overdue") }.map(\.recipient).sorted()
        #expect(told == ["ann@example.org", "sec@example.org"])
        #expect(throws: EscalationError.self) {
            try f.app.raiseEscalation(EscalationRequest(group: hwb, title: "T", severity: "low", areas: ["healthy"]), by: "sec")
        }
        let current = try f.app.decideEscalation(view.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "Venues found"], by: "sec")
        let allianceReview = current.reviews.first { $0.instance.data["body"]?.stringValue == alliance }!
        let decision = try f.app.engine.history(of: allianceReview.id.instance).last!
        #expect(decision.actor == "sec")
        #expect(decision.onBehalfOf == alliance)
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    @Test func raisingChecksItsKeysFirst() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("erin", "early-prevention-board", "chair")
        #expect(throws: FrameworkError.self) { try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "T", severity: "low", areas: ["joy"]), by: "erin") }
        #expect(throws: EscalationError.unknownSeverity("urgent", valid: ["low", "medium", "high"])) {
            try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "T", severity: "urgent", areas: ["healthy"]), by: "erin")
        }
        #expect(throws: GovernanceError.self) { try f.app.raiseEscalation(EscalationRequest(group: "nope", title: "T", severity: "low", areas: ["healthy"]), by: "erin") }
        #expect(try f.app.escalations().isEmpty)
    }

    @Test func simulateShowsTheRouteAndWritesNothing() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("ann", alliance, "chair")
        let before = try f.app.engine.instances().count
        let steps = try f.app.simulateEscalation(from: "data-and-system-performance-group", date: f.clock.now(), priorities: [])
        #expect(steps.map(\.step.body.key) == [alliance, nscp], "escalation stops at the Alliance; the safeguarding partnership is its own top")
        #expect(steps.map(\.step.level) == [1, 1])
        #expect(steps[0].deciders.map(\.id) == ["ann"])
        #expect(steps[1].step.canEscalateFurther == false)
        #expect(try f.app.engine.instances().count == before)
    }

    @Test func retiringABodyWithOpenEscalationsIsRefusedUntilTheyClose() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.app.addBody(key: "reading-task-group", name: "Reading Task Group", kind: "subgroup", reportsTo: ["norfolk-learning-board"], priority: nil, description: "", by: "sec")
        try f.person("tia", "reading-task-group", "chair")
        try f.person("kim", "norfolk-learning-board", "chair")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "reading-task-group", title: "T", severity: "low", areas: ["learning"]), by: "tia")
        let error = #expect(throws: GovernanceError.self) { try f.app.retireBody("reading-task-group", reason: "done", by: "sec") }
        #expect(error?.code == "body-has-open-work")
        #expect(throws: GovernanceError.self) { try f.app.retireBody("norfolk-learning-board", reason: "x", by: "sec") }  // a body reports to it
        _ = try f.app.decideEscalation(view.escalation.id, at: "norfolk-learning-board", outcome: "resolved", fields: ["rationale": "Tutoring fund agreed"], by: "kim")
        try f.app.retireBody("reading-task-group", reason: "work complete", by: "sec")
        #expect(try f.app.governance.bodies().contains { $0.key == "reading-task-group" } == false)
        #expect(try f.app.governance.bodies(includingRetired: true).contains { $0.key == "reading-task-group" })
        #expect(try f.app.governance.changes().map(\.action).contains("retire-body"))
        #expect(try f.app.escalation(view.escalation.id).escalation.state.rawValue == "closed")  // history stays
    }

    @Test func theSecondPartnershipRunsOnTheSameCode() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00", partnership: "portsmouth")
        try f.person("eve", "emotional-health-and-wellbeing-group", "chair")
        let view = try f.app.raiseEscalation(EscalationRequest(group: "emotional-health-and-wellbeing-group", title: "CAMHS waits", severity: "high", areas: ["healthy"]), by: "eve")
        #expect(f.bodies(view) == ["portsmouth-joint-childrens-leadership-team"])
        let due = try #require(view.open.first?.instance.data["respondBy"]?.stringValue.flatMap { f.app.time.parse($0) })
        #expect(f.app.time.display(due) == "2026-06-15 10:00 BST")  // Portsmouth gives boards 10 working days
    }

    /// Issue 22: the list of escalations (the dashboard's, the agenda's) reads every review and
    /// plan action once for all of them; each escalation in it is what its own page reads.
    @Test func theListShowsEachEscalationAsItsOwnPageDoes() throws {
        let f = try NorfolkFixture(start: "2027-01-04T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("leo", "norfolk-learning-board", "chair")
        try f.person("ann", alliance, "chair")
        let venues = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        _ = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Nobody answers", severity: "low", areas: ["healthy"]), by: "erin")
        _ = try f.app.raiseEscalation(EscalationRequest(group: "norfolk-learning-board", title: "Tutors", severity: "high", areas: ["learning"]), by: "leo")
        f.at("2027-01-14T11:00")
        _ = try f.app.decideEscalation(venues.escalation.id, at: alliance, outcome: "accepted", fields: ["plan": "Libraries"],
                                       plan: [PlannedAction(title: "Book the libraries", group: "early-prevention-board", owner: "erin", dueDate: "2027-02-26"),
                                              PlannedAction(title: "Tell the families", group: "early-prevention-board", owner: "erin", dueDate: "2027-03-05")], by: "ann")
        f.at("2027-04-06T09:00")
        _ = try f.app.engine.tick()
        let list = try f.app.escalations()
        #expect(list.count == 4, "the three raised and the one the late plan action raised")
        #expect(list.flatMap(\.plan).map(\.title).sorted() == ["Book the libraries", "Tell the families"])
        #expect(!list.flatMap(\.overdue).isEmpty)
        for view in list {
            let own = try f.app.escalation(view.escalation.id)
            #expect(view.reviews.map(\.id) == own.reviews.map(\.id))
            #expect(view.open.map(\.id) == own.open.map(\.id) && view.overdue.map(\.id) == own.overdue.map(\.id))
            #expect(view.plan.map(\.id) == own.plan.map(\.id) && view.followUps.map(\.id) == own.followUps.map(\.id))
        }
    }

    /// Every partnership member reads every action, but an escalation only its path: the
    /// actions a decision sets (a plan's, a follow-up) name their escalation, never copy its
    /// title or the guidance, so a chair elsewhere reads the work and not what was escalated.
    @Test func theActionsADecisionSetsDoNotCarryTheEscalationsWords() throws {
        let f = try NorfolkFixture(start: "2027-01-04T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("leo", "norfolk-learning-board", "chair")  // off both escalations' paths
        try f.person("ann", alliance, "chair")
        let venues = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "PRIVATE-title venues", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        let rota = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "PRIVATE-title rota", severity: "low", areas: ["healthy"]), by: "erin")
        f.at("2027-01-14T11:00")
        _ = try f.app.decideEscalation(venues.escalation.id, at: alliance, outcome: "accepted", fields: ["plan": "PRIVATE-plan libraries"],
                                       plan: [PlannedAction(title: "Book the libraries", group: "early-prevention-board", owner: "erin", dueDate: "2027-02-26")], by: "ann")
        _ = try f.app.decideEscalation(rota.escalation.id, at: alliance, outcome: "referred-back", fields: ["guidance": "PRIVATE-guidance ask the schools"], by: "ann")
        let leo = try f.app.viewer(for: "leo")
        let set = try f.app.actions(for: leo).filter { $0.action.escalation != nil }
        #expect(set.count == 2, "the plan's action and the follow-up, read by a chair elsewhere")
        for view in set {
            let words = view.action.title + " " + (view.action.instance.data["description"]?.stringValue ?? "")
            #expect(!words.contains("PRIVATE"), "\(words)")
            #expect(words.contains(view.action.escalation ?? "?"), "it names its escalation: \(words)")
            #expect(try f.app.history(of: view.action.id.instance, for: leo).events.allSatisfy { !$0.payload.description.contains("PRIVATE") })
        }
        #expect(throws: WorkflowError.self) { try f.app.escalation(rota.escalation.id, for: leo) }
        // The raising group's chair reads the guidance on the escalation itself.
        #expect(try f.app.escalation(rota.escalation.id, for: try f.app.viewer(for: "erin")).reviews.contains { $0.instance.data["guidance"] == "PRIVATE-guidance ask the schools" })
    }

    /// The console lists every waiting review overdue first, then by the day each must be
    /// answered by; a filter narrows the list but not the counts said above it.
    @Test func theConsoleListsOverdueFirstThenByRespondByDay() throws {
        let f = try NorfolkFixture(start: "2027-01-04T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("leo", "norfolk-learning-board", "chair")
        _ = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        f.at("2027-01-11T09:00")
        _ = try f.app.raiseEscalation(EscalationRequest(group: "norfolk-learning-board", title: "Tutors", severity: "high", areas: ["learning"]), by: "leo")
        f.at("2027-02-01T09:00")
        _ = try f.app.engine.tick()
        _ = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Rota", severity: "low", areas: ["healthy"]), by: "erin")
        _ = try f.app.raiseEscalation(EscalationRequest(group: "norfolk-learning-board", title: "Buses", severity: "high", areas: ["learning"]), by: "leo")
        let console = try f.app.escalationConsole()
        let lines = console.waiting
        #expect(lines.count == console.waitingInAll && lines.count >= 4)
        #expect(console.overdueInAll == lines.filter(\.isOverdue).count && console.overdueInAll >= 1, "the first two were left unanswered past their deadlines")
        let overdueThenNot = lines.map(\.isOverdue)
        #expect(overdueThenNot == overdueThenNot.sorted { $0 && !$1 }, "every overdue review before every other")
        for group in [lines.filter(\.isOverdue), lines.filter { !$0.isOverdue }] {
            let days = group.map { $0.review.respondBy ?? "" }
            #expect(days == days.sorted(), "by respond-by day within each")
        }
        for line in lines where line.isOverdue {
            #expect(try f.app.escalation(line.escalation.escalation.id).overdue.contains { $0.id == line.review.id }, "overdue as its own page says")
        }
        let high = try f.app.escalationConsole(severity: "high", overdueOnly: false)
        #expect(Set(high.waiting.map(\.escalation.escalation.title)) == Set(["Tutors", "Buses"]))
        #expect(high.waitingInAll == console.waitingInAll && high.overdueInAll == console.overdueInAll, "the counts are of everything waiting")
        #expect(try f.app.escalationConsole(overdueOnly: true).waiting.allSatisfy(\.isOverdue))
        let body = lines[0].review.body
        #expect(try f.app.escalationConsole(at: body).waiting.allSatisfy { $0.review.body == body })
    }
}

/// The partnership agrees its principles, and changes them: an escalation keeps the version it
/// started under (its deadlines and who decides), a new one follows the new version.
@Suite(.serialized) struct PrinciplesVersionTests {
    @Test func anEscalationKeepsThePrinciplesItStartedUnderWhenTheFileChanges() throws {
        let f = try NorfolkFixture(start: "2026-06-01T10:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("ann", alliance, "chair")
        try f.person("sec", alliance, "secretariat")
        let first = try f.app.principlesInForce()
        #expect(first.version == 1 && first.agreedOn == nil)
        #expect(f.app.principlesStanding(first).hasPrefix("Version 1, in force since 1 June 2026"))
        #expect(throws: WorkflowError.self) { try f.app.recordPrinciplesAgreed(on: CalendarDay("2026-05-20")!, minute: "7", by: "erin") }
        #expect(throws: GovernanceError.self) { try f.app.recordPrinciplesAgreed(on: CalendarDay("2026-07-01")!, minute: "7", by: "sec") }
        let agreed = try f.app.recordPrinciplesAgreed(on: CalendarDay("2026-05-20")!, minute: "2026/05/7", by: "sec")
        #expect(f.app.principlesStanding(agreed) == "Version 1, agreed by Children and Young People Strategic Alliance on 20 May 2026 (minute 2026/05/7)")
        #expect(throws: GovernanceError.self) { try f.app.recordPrinciplesAgreed(on: CalendarDay("2026-05-21")!, minute: nil, by: "sec") }
        #expect(try f.app.principleStatements().first { $0.rule == "deciders" }?.sourceInWords == "Agreed on 20 May 2026")
        let old = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Old rules", severity: "medium", areas: ["healthy"]), by: "erin")
        #expect(old.principlesVersion == 1)

        // The partnership file changes: boards now have 3 working days, and only vice-chairs decide at boards.
        let workflows = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-workflows-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Workflows"), to: workflows)
        let file = workflows.appendingPathComponent("partnerships/norfolk.json")
        let text = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "\"board\": 15", with: "\"board\": 3")
            .replacingOccurrences(of: "\"byKind\": {\n        \"board\": [\n          \"chair\",\n          \"vice-chair\"\n        ]", with: "\"byKind\": {\n        \"board\": [\n          \"vice-chair\"\n        ]")
        #expect(text.contains("\"board\": 3") && text.contains("\"board\": [\n          \"vice-chair\"\n        ]"), "the test changed the file")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let changed = try Flourish(databasePath: f.app.database.path, library: try WorkflowLibrary(directory: workflows), clock: f.clock)
        #expect(try changed.principlesInForce().version == 2 && changed.principlesInForce().agreedOn == nil)
        #expect(try changed.principlesVersions().map(\.version) == [1, 2])
        let new = try changed.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "New rules", severity: "medium", areas: ["healthy"]), by: "erin")
        #expect(new.principlesVersion == 2)
        func due(_ v: EscalationView) -> String { v.open.first?.respondBy.flatMap { changed.time.parse($0) }.map { changed.time.display($0) } ?? "" }
        #expect(due(new) == "2026-06-04 10:00 BST", "3 working days under version 2")
        // Sent to another board, the old one keeps version 1's 15 working days.
        let moved = try changed.reassignEscalation(old.escalation.id, at: alliance, to: "norfolk-safeguarding-children-partnership", reason: "Theirs", by: "sec")
        #expect(due(moved) == "2026-06-22 10:00 BST", "15 working days under version 1")
        // Who decides: the Alliance's chair still may on the old one, not on the new one.
        try f.person("nia", "norfolk-safeguarding-children-partnership", "chair")
        _ = try changed.decideEscalation(old.escalation.id, at: "norfolk-safeguarding-children-partnership", outcome: "resolved", fields: ["rationale": "Done"], by: "nia")
        #expect(throws: WorkflowError.self) { try changed.decideEscalation(new.escalation.id, at: alliance, outcome: "resolved", fields: ["rationale": "x"], by: "ann") }
    }
}
