import Foundation
import Synchronization
import Testing
import SQLite
@testable import Engine

/// Who may fire an event is asked in two checks (may this person fire the event at all; may
/// they from the record's state), and each authority is asked once: an authority such as
/// "a contact of the organisation" is a query, asked on every transition.
@Suite struct AuthorityChecksTests {
    /// Counts what the engine asks, answering as a StaticAuthorizer would.
    final class CountingAuthorizer: Authorizer {
        let answers: StaticAuthorizer
        let asked = Mutex<[Authority]>([])
        init(_ answers: StaticAuthorizer) { self.answers = answers }
        func holds(_ authority: Authority, actor: Actor, instance: Instance, db: Connection) throws -> Bool {
            asked.withLock { $0.append(authority) }
            return try answers.holds(authority, actor: actor, instance: instance, db: db)
        }
        func addresses(for recipient: Recipient, instance: Instance, db: Connection) throws -> [String] {
            try answers.addresses(for: recipient, instance: instance, db: db)
        }
        func takeAsked() -> [Authority] { asked.withLock { let a = $0; $0 = []; return a } }
    }

    func engine() throws -> (WorkflowEngine, CountingAuthorizer) {
        let loader = try makeLoader()
        let ticket = try loader.load(ticketDefinitionText, file: "ticket.workflow.json")
        let authorizer = CountingAuthorizer(StaticAuthorizer(roles: ["member": ["mo"]], relationFields: ["owner": "owner"]))
        let engine = try WorkflowEngine(database: try Database(path: temporaryDatabasePath()), loader: loader, definitions: [ticket], time: testTime,
                                        clock: TestClock(testTime.parse("2026-03-02T09:00:00Z")!), authorizer: authorizer)
        return (engine, authorizer)
    }

    @Test func eachAuthorityIsAskedOnceAFire() throws {
        let (engine, authorizer) = try engine()
        let id = try engine.start("ticket", data: ["title": .string("Lights"), "owner": .string("olu")], actor: Actor("mo")).instance.id
        _ = authorizer.takeAsked()
        // A member notes it: "member" answers yes in the first check, and the second check
        // (the transition from this state) takes that answer rather than asking again.
        _ = try engine.fire("note", on: id, payload: ["comment": .string("On it")], actor: Actor("mo"), expectedVersion: nil)
        #expect(authorizer.takeAsked() == [.role("member")])
        // The owner, who is no member: asked about being a member, then about being the owner, once each.
        _ = try engine.fire("note", on: id, payload: ["comment": .string("Thanks")], actor: Actor("olu"), expectedVersion: nil)
        #expect(authorizer.takeAsked() == [.role("member"), .relation("owner")])
        // Someone with neither is refused after both are asked, once each, and nothing is written.
        #expect(throws: WorkflowError.self) {
            try engine.fire("note", on: id, payload: ["comment": .string("Hello")], actor: Actor("stranger"), expectedVersion: nil)
        }
        #expect(authorizer.takeAsked() == [.role("member"), .relation("owner")])
        #expect(try engine.instance(id).version == 3)
    }
}
