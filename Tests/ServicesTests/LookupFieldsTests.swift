import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine
import SQLite

/// Issue 22: the lookups the hooks and pages make among very many instances seek through the
/// lookup table. Every overdue action asked on each tick whether an escalation from it was open
/// by reading every escalation, so a week's tick over 100,000 organisations took three times as
/// long per organisation as over 1,000.
@Suite(.serialized) struct LookupFieldsTests {
    let epb = "early-prevention-board"

    /// The (workflow, field) pairs the services and hooks look instances up by.
    static let lookups = [("pledge", "organisation"), ("scheme-membership", "organisation"), ("escalation", "source"), ("action", "escalation")]
        + EscalationHooks.reviewWorkflows.map { ($0, "escalation") }

    func plan(_ app: Flourish, _ workflow: String, _ field: String) throws -> [String] {
        try app.database.read { db in
            try db.query("EXPLAIN QUERY PLAN " + app.engine.instanceIDsSQL(whereData: field, valueIsText: true), workflow, "x").compactMap { $0.string("detail") }
        }
    }

    func openApp(_ path: String, _ clock: TestClock) throws -> Flourish {
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        return try Flourish(databasePath: path, library: library, clock: clock)
    }

    @Test func eachLookupSeeksItsInstancesRatherThanReadingEveryOneOfTheWorkflow() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        for (workflow, field) in Self.lookups {
            let plan = try plan(f.app, workflow, field)
            #expect(plan.contains { $0.hasPrefix("SEARCH l USING PRIMARY KEY (field=? AND value=?)") }, "\(workflow) by \(field): \(plan)")
            #expect(!plan.contains { $0.contains("instances_by_workflow_state") || $0.hasPrefix("SCAN i") || $0.hasPrefix("SCAN instances") }, "\(workflow) by \(field): \(plan)")
        }
    }

    /// A database written before `source` and `escalation` were looked up by is filled in when
    /// it is next opened: its open escalation is still found, so a third red update opens no second.
    @Test func aDatabaseFromBeforeTheNewLookupsFindsItsEscalationsAfterOpening() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-lookups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f.sqlite").path
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let london = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let clock = TestClock(london.parse("2026-03-02T09:00")!)
        let action: RecordID<Action>
        do {
            let app = try openApp(path, clock)
            for (id, role) in [("erin", "chair")] {
                _ = try app.directory.addPerson(id: id, name: id.capitalized, email: "\(id)@example.org", at: clock.now())
                _ = try app.directory.addMembership(person: id, body: epb, role: role, at: clock.now())
            }
            action = try app.logAction(ActionRequest(group: epb, title: "Family hubs in every district", areas: ["family-and-friends"], owner: "erin",
                                                     dueDate: "2026-04-30", item: "prevention-and-early-help.2"), by: "erin").action.id
            _ = try app.fireAction(action, event: "begin", fields: [:], by: "erin")
            for note in ["Venue fell through", "Still no venue"] {
                _ = try app.fireAction(action, event: "update", fields: ["rag": "red", "commentary": .string(note)], by: "erin")
            }
            #expect(try app.action(action).escalations.count == 1)
            // As an earlier release left it: only organisations looked up by.
            try app.database.write { db in
                try db.execute("DELETE FROM instance_lookups WHERE field <> 'organisation'; DELETE FROM lookup_fields WHERE field <> 'organisation'")
            }
        }
        let app = try openApp(path, clock)
        let filled = try app.database.read { db in
            try db.query("SELECT field FROM instance_lookups l JOIN instances i ON i.id = l.instance_id WHERE i.workflow LIKE 'escalation%' ORDER BY field").compactMap { $0.string("field") }
        }
        #expect(filled.contains("source") && filled.contains("escalation"), "\(filled)")
        _ = try app.fireAction(action, event: "update", fields: ["rag": "red", "commentary": "Still paused"], by: "erin")
        let view = try app.action(action)
        #expect(view.escalations.count == 1, "the open escalation is found, so no second is raised")
        #expect(try app.escalations().count == 1)
        #expect(try app.escalation(view.escalations[0].id).open.count == 1, "its review is found by the escalation")
    }
}
