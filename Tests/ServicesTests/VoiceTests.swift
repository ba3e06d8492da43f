import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain
import SQLite

/// Children and young people's voice (the defect: no participation groups, no record of what
/// young people said or of what was done about it, nothing stopping the same question being
/// asked again and again).
@Suite(.serialized) struct VoiceTests {
    static let mhpg = "mental-health-participation-group"
    static let mh = "cyp-mental-health-alliance-executive-management-group"

    func cast(_ f: NorfolkFixture) throws {
        try f.person("nia", Self.mhpg, "chair")         // the group's adult lead
        try f.person("maya", Self.mh, "chair")          // chair of the body it speaks to
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("sec", alliance, "secretariat")
    }

    @Test func theStrategysParticipationGroupsAreBodiesThatSpeakToBodiesAndReportToNone() throws {
        let f = try NorfolkFixture(start: "2026-11-02T09:00")
        let groups = try f.app.participationGroups()
        #expect(groups.map(\.name) == ["Norfolk In Care Council", "Mental Health Participation Group", "Youth Advisory Boards", "Family Voice Norfolk"])
        #expect(groups.allSatisfy { $0.reportsTo.isEmpty && !$0.worksWith.isEmpty && !$0.kind.isInReportingLines })
        // They take no escalation: the routing never sends one to them.
        let routing = EscalationRouting(principles: f.app.partnership.escalation, bodies: try f.app.governance.bodies())
        #expect(f.app.partnership.participationGroups.allSatisfy { !routing.takesDecisions($0.key) })
        let portsmouth = try NorfolkFixture(start: "2026-11-02T09:00", partnership: "portsmouth")
        #expect(try portsmouth.app.participationGroups().count == 1, "Portsmouth's shape differs: one voice group")
    }

    @Test func aPartnershipFileCannotMakeAParticipationGroupReportOrSpeakToNobody() throws {
        var json = try JSONValue.parse(String(contentsOf: repositoryRoot.appendingPathComponent("Workflows/partnerships/portsmouth.json"), encoding: .utf8))
        guard case .object(var root) = json, case .array(var bodies) = root["bodies"]! else { Issue.record("unreadable"); return }
        let index = try #require(bodies.firstIndex { $0["kind"]?.stringValue == "participation-group" })
        guard case .object(var group) = bodies[index] else { return }
        group["reportsTo"] = .array([.string("early-help-group")])
        group["worksWith"] = .array([])
        bodies[index] = .object(group)
        root["bodies"] = .array(bodies)
        json = .object(root)
        do {
            _ = try PartnershipLoader.load(json.canonicalString, file: "portsmouth.json")
            Issue.record("a participation group that reports was accepted")
        } catch let error as DefinitionError {
            let codes = error.problems.map(\.code)
            #expect(codes.contains("participation-group-reports") && codes.contains("participation-group-unheard"))
        }
    }

    @Test func aViewIsAnsweredRemindedAndBroughtToTheBodysAgendaWhenOverdue() throws {
        let f = try NorfolkFixture(start: "2026-12-01T09:00")   // a Tuesday, before Christmas
        try cast(f)
        let entry = try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-11-28", question: "What would make waiting easier?",
                                          said: "Tell us how long the wait is.", areas: ["healthy"], priorities: [], by: "nia")
        // Twenty working days from 1 December, over Christmas Day and Boxing Day (Monday 28th in
        // lieu): 31 December 2026; reminded five working days before, on the 22nd.
        #expect(entry.respondBy?.description == "2026-12-31")
        #expect(entry.remindOn?.description == "2026-12-22")
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("maya") && $0.subject.hasPrefix("Young people's views to answer") })
        // Reminded on the day, overdue the day after the last day allowed.
        f.at("2026-12-22T09:00"); _ = try f.app.engine.tick()
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("maya") && $0.subject.hasPrefix("Response due by") })
        f.at("2026-12-31T23:00"); _ = try f.app.engine.tick()
        #expect(try f.app.voiceEntry(entry.id, for: .anonymous).state == .awaitingResponse, "the last day allowed is the whole of the 31st")
        f.at("2027-01-01T09:00"); _ = try f.app.engine.tick()
        let overdue = try f.app.voiceEntry(entry.id, for: try f.app.viewer(for: "sec"))
        #expect(overdue.state == .overdue)
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("sec") && $0.subject.hasPrefix("Response to young people overdue") })
        // It comes back on the body's agenda until it is answered.
        f.at("2027-01-05T09:00")
        let meeting = try f.app.scheduleMeeting(of: Self.mh, at: f.app.time.parse("2027-01-12T10:00")!, place: "Online", by: "maya")
        #expect(try f.app.agenda(meeting.id, for: try f.app.viewer(for: "maya")).voiceOwed.map(\.id) == [entry.id])

        // The answer: we did, with the action it shaped.
        let action = try f.app.logAction(ActionRequest(group: Self.mh, title: "Monthly check-in calls while waiting", description: "", priority: nil,
                                                       areas: ["healthy"], owner: "maya", dueDate: "2027-03-01", item: nil), by: "maya")
        #expect(throws: WorkflowError.self, "the group's lead does not answer for the body") {
            try f.app.respondToVoice(entry.id, outcome: "we-did", response: "x", shaped: [], by: "nia")
        }
        #expect(throws: WorkflowError.self, "nor does another body's chair") {
            try f.app.respondToVoice(entry.id, outcome: "we-did", response: "x", shaped: [], by: "erin")
        }
        #expect(throws: VoiceError.unknownShaped("pledge-999")) {
            try f.app.respondToVoice(entry.id, outcome: "we-did", response: "x", shaped: ["pledge-999"], by: "maya")
        }
        #expect(throws: VoiceError.unknownShaped(entry.id.rawValue), "a view cannot shape itself: only actions, escalations, pledges and report sections") {
            try f.app.respondToVoice(entry.id, outcome: "we-did", response: "x", shaped: [entry.id.rawValue], by: "maya")
        }
        #expect(throws: WorkflowError.self, "the outcome is one of two") {
            try f.app.respondToVoice(entry.id, outcome: "maybe", response: "x", shaped: [], by: "maya")
        }
        #expect(try f.app.voiceEntry(entry.id, for: try f.app.viewer(for: "sec")).state == .overdue, "nothing was written by the refusals")
        // The generic door cannot answer without the checks.
        #expect(throws: WorkflowError.self) {
            try f.app.fire("respond", on: entry.id.instance, fields: ["outcome": "we-did", "response": "x"], for: try f.app.viewer(for: "maya"), expectedVersion: nil, idempotencyKey: nil)
        }
        let answered = try f.app.respondToVoice(entry.id, outcome: "we-did", response: "Monthly calls from a named worker.", shaped: [action.action.id.rawValue, action.action.id.rawValue], by: "maya")
        #expect(answered.state == .responded && answered.outcome == .weDid && answered.shaped == [action.action.id.rawValue])
        #expect(try f.app.voiceShaping(action.action.id.instance).map(\.id) == [entry.id])
        #expect(try f.app.engine.outbox(status: "pending").contains { $0.recipient.hasPrefix("nia") && $0.subject.hasPrefix("A response to your group") })
        #expect(try f.app.agenda(meeting.id, for: try f.app.viewer(for: "maya")).voiceOwed.isEmpty, "answered: off the agenda")

        // Anyone reads it, without who recorded or answered it; the action stays the partnership's.
        let visitor = try f.app.voiceEntry(entry.id, for: .anonymous)
        #expect(visitor.said == "Tell us how long the wait is." && visitor.response == "Monthly calls from a named worker.")
        #expect(visitor.recordedBy == nil && visitor.respondedBy == nil)
        let shaped = try f.app.shapedRecords(of: visitor, for: .anonymous)
        #expect(shaped.count == 1 && shaped[0].title == nil && shaped[0].path == nil && shaped[0].kind == "action")
        #expect(try f.app.shapedRecords(of: answered, for: try f.app.viewer(for: "maya")).first?.title == "Monthly check-in calls while waiting")
        let history = try f.app.history(of: entry.id.instance, for: .anonymous).events
        #expect(history.map(\.event) == ["response-overdue", "respond"] && history.allSatisfy { $0.actor.isEmpty && $0.payload["respondedBy"] == nil })
    }

    /// A question's line breaks went into the email's subject and started new header lines:
    /// "Bcc: spy@evil.example" sent young people's words to an outside address.
    @Test func aQuestionsLineBreaksNeverStartAHeaderInTheEmail() throws {
        let f = try NorfolkFixture(start: "2026-12-01T09:00")
        try cast(f)
        _ = try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-11-28", question: "What would make waiting easier?\r\nBcc: spy@evil.example\r\nX-Injected: yes",
                                  said: "Tell us how long the wait is.", areas: ["healthy"], priorities: [], by: "nia")
        let queued = try #require(try f.app.engine.outbox(status: "pending").first { $0.recipient.hasPrefix("maya") })
        #expect(queued.subject == "Young people's views to answer: What would make waiting easier? Bcc: spy@evil.example X-Injected: yes")
        // And a message queued with a line break in its subject (before this) is sent on one line.
        try f.app.database.write { try $0.run("UPDATE outbox SET subject = ? WHERE id = ?", "Hello\r\nBcc: spy@evil.example", queued.id) }
        let old = try #require(try f.app.engine.outbox(status: "pending").first { $0.id == queued.id })
        let mail = Flourish.rfc5322(old, from: "flourish@example.org", date: f.clock.now())
        let headers = mail.components(separatedBy: "\n\n")[0].split(separator: "\n")
        #expect(headers.contains("Subject: Hello Bcc: spy@evil.example") && !headers.contains { $0.hasPrefix("Bcc") }, "\(headers)")
    }

    @Test func recordingIsRefusedWithAReasonAndWritesNothing() throws {
        let f = try NorfolkFixture(start: "2026-12-01T09:00")
        try cast(f)
        func count() throws -> Int { try f.app.voiceEntries(for: .anonymous).count }
        #expect(throws: VoiceError.self, "an ordinary subgroup is not a participation group") {
            try f.app.recordVoice(group: "early-prevention-board", body: alliance, heardOn: "2026-11-30", question: "q", said: "s", areas: [], priorities: [], by: "erin")
        }
        #expect(throws: VoiceError.self, "the group speaks only to the bodies it works with") {
            try f.app.recordVoice(group: Self.mhpg, body: "norfolk-learning-board", heardOn: "2026-11-30", question: "q", said: "s", areas: [], priorities: [], by: "nia")
        }
        #expect(throws: VoiceError.heardInFuture) {
            try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-12-02", question: "q", said: "s", areas: [], priorities: [], by: "nia")
        }
        #expect(throws: WorkflowError.self, "a day that is not a date") {
            try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "yesterday", question: "q", said: "s", areas: [], priorities: [], by: "nia")
        }
        #expect(throws: FrameworkError.self) {
            try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-11-30", question: "q", said: "s", areas: ["nowhere"], priorities: [], by: "nia")
        }
        #expect(throws: WorkflowError.self, "another body's chair does not speak for the group") {
            try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-11-30", question: "q", said: "s", areas: [], priorities: [], by: "erin")
        }
        #expect(throws: WorkflowError.self, "an empty view") {
            try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-11-30", question: "q", said: "", areas: [], priorities: [], by: "nia")
        }
        #expect(try count() == 0)
        // The secretariat may record for any group.
        _ = try f.app.recordVoice(group: Self.mhpg, body: alliance, heardOn: "2026-11-30", question: "q", said: "s", areas: [], priorities: [], by: "sec")
        #expect(try count() == 1)
    }

    @Test func aQuestionAskedBeforeIsFoundWithWhatCameBackAndAnUnrelatedOneIsNot() throws {
        let f = try NorfolkFixture(start: "2026-12-01T09:00")
        try cast(f)
        let earlier = try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-06-01", question: "What would make waiting for CAMHS easier?",
                                            said: "Knowing how long the wait is.", areas: [], priorities: [], by: "nia")
        _ = try f.app.recordVoice(group: Self.mhpg, body: Self.mh, heardOn: "2026-07-01", question: "Which apps do you use to relax?",
                                  said: "Music and games.", areas: [], priorities: [], by: "nia")
        _ = try f.app.respondToVoice(earlier.id, outcome: "we-could-not", response: "The wait depends on the referral; we now write to say so.", shaped: [], by: "maya")
        let found = try f.app.earlierQuestions(like: "How could waiting times for CAMHS be made easier?")
        #expect(found.map(\.entry.id) == [earlier.id])
        #expect(found.first?.entry.outcome == .weCouldNot && found.first?.entry.response?.hasPrefix("The wait depends") == true)
        #expect(try f.app.earlierQuestions(like: "Where should the youth club meet on Fridays?").isEmpty)
        #expect(try f.app.earlierQuestions(like: "the and of what how").isEmpty, "common words alone match nothing")
        // The likeness itself: the same words in another order are alike; endings are cut.
        #expect(QuestionLikeness.likeness(QuestionLikeness.words("waiting lists"), QuestionLikeness.words("the list you wait on")) >= QuestionLikeness.threshold)
    }

    @Test func membersAreChosenNamesOnlySeenByTheLeadAndForgottenWhenTheyLeave() throws {
        let f = try NorfolkFixture(start: "2026-12-01T09:00")
        try cast(f)
        let jo = try f.app.addParticipant(to: Self.mhpg, name: "  Jo ", by: "nia")
        #expect(jo.name == "Jo")
        for bad in ["", "jo@example.org", "Jo 07700 900123", String(repeating: "x", count: 41)] {
            #expect(throws: VoiceError.self, "refused: \(bad)") { try f.app.addParticipant(to: Self.mhpg, name: bad, by: "nia") }
        }
        #expect(throws: WorkflowError.self) { try f.app.addParticipant(to: Self.mhpg, name: "Kai", by: "maya") }
        #expect(throws: WorkflowError.self) { try f.app.participants(of: Self.mhpg, for: try f.app.viewer(for: "maya")) }
        #expect(throws: VoiceError.self, "members belong to participation groups only") { try f.app.addParticipant(to: Self.mh, name: "Kai", by: "sec") }
        #expect(try f.app.participants(of: Self.mhpg, for: try f.app.viewer(for: "sec")).map(\.name) == ["Jo"])
        #expect(try f.app.participationGroupSummaries().first { $0.group.key == Self.mhpg }?.members == 1)
        #expect(throws: VoiceError.unknownParticipant("99")) { try f.app.removeParticipant(99, from: Self.mhpg, by: "nia") }
        try f.app.removeParticipant(jo.id, from: Self.mhpg, by: "nia")
        #expect(try f.app.participants(of: Self.mhpg, for: try f.app.viewer(for: "nia")).isEmpty)
        let kept = try f.app.database.read { db in try db.queryOne("SELECT name FROM participants WHERE id = ?", jo.id)?.string("name") }
        #expect(kept == "", "the name is deleted, not hidden")
    }

    @Test func aDatabaseFromBeforeParticipationGroupsGainsThemWithTheKindAllowed() throws {
        // A domain schema at version 8 with the old bodies table, seeded without participation groups.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-old-\(UUID().uuidString).sqlite").path
        let database = try Database(path: path)
        try DomainSchema.migrator.migrate(database, upTo: 8)
        try database.write { db in
            try db.run("INSERT INTO bodies (key, name, kind, added_at) VALUES ('a', 'A', 'board', 0)")
            #expect(throws: SQLiteError.self) { try db.run("INSERT INTO bodies (key, name, kind, added_at) VALUES ('p', 'P', 'participation-group', 0)") }
        }
        #expect(try DomainSchema.migrator.migrate(database).prefix(2) == [9, 10])
        try database.write { db in
            try db.run("INSERT INTO bodies (key, name, kind, added_at) VALUES ('p', 'P', 'participation-group', 0)")
            #expect(throws: SQLiteError.self, "still a CHECK: an unknown kind is refused") { try db.run("INSERT INTO bodies (key, name, kind, added_at) VALUES ('q', 'Q', 'club', 0)") }
            #expect(try db.queryOne("PRAGMA integrity_check")?.string("integrity_check") == "ok")
        }
        // A Norfolk register opened on a database seeded before gains the four groups, once.
        let f = try NorfolkFixture(start: "2026-12-01T09:00")
        try f.app.database.write { db in
            try db.run("DELETE FROM body_links WHERE body IN (SELECT key FROM bodies WHERE kind = 'participation-group')")
            try db.run("DELETE FROM bodies WHERE kind = 'participation-group'")
        }
        #expect(try f.app.participationGroups().isEmpty)
        _ = try GovernanceRegister(database: f.app.database, partnership: f.app.partnership, at: f.clock.now())
        _ = try GovernanceRegister(database: f.app.database, partnership: f.app.partnership, at: f.clock.now())
        #expect(try f.app.participationGroups().count == 4)
        #expect(try f.app.participationGroups().first { $0.key == Self.mhpg }?.worksWith == [Self.mh, alliance])
    }
}
