import Foundation
import Testing
@testable import Engine
import SQLite

@Suite struct WorkflowEngineTests {
    @Test func startAndFireMoveTheStateAndRecordEveryEvent() throws {
        let f = try EngineFixture()
        let started = try f.engine.start("ticket", data: ["title": "Fix the roof", "owner": "olu"], actor: Actor("mo"))
        #expect(started.instance.id == "ticket-1")
        #expect(started.instance.state == "open")
        let took = try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        #expect(took.instance.state == "working")
        #expect(took.instance.version == 2)
        let history = try f.engine.history(of: "ticket-1")
        #expect(history.map(\.event) == ["start", "take"])
        #expect(history.map(\.actor) == ["mo", "mo"])
        #expect(history[1].fromState == "open")
    }

    @Test func aRefusedEventChangesNothingAndSaysWhy() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T", "owner": "olu"], actor: Actor("mo"))
        let before = try f.snapshot()
        let wrongState = #expect(throws: WorkflowError.self) { try f.engine.fire("finish", on: "ticket-1", payload: ["outcome": "x"], actor: Actor("mo"), expectedVersion: 1) }
        #expect(wrongState?.localizedDescription == "\"finish\" cannot happen while it is open; it can happen only when it is working.")
        let notAllowed = #expect(throws: WorkflowError.self) { try f.engine.fire("take", on: "ticket-1", actor: Actor("olu"), expectedVersion: 1) }
        #expect(notAllowed?.localizedDescription == "olu may not take this; only a member may.")
        let missing = #expect(throws: WorkflowError.self) { try f.engine.fire("note", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1) }
        #expect(missing == .missingField(event: "note", field: "comment"))
        let badValue = #expect(throws: WorkflowError.self) { try f.engine.fire("note", on: "ticket-1", payload: ["comment": "c", "rag": "purple"], actor: Actor("mo"), expectedVersion: 1) }
        #expect(badValue?.localizedDescription == "The field \"rag\" of \"note\" should be one of: red, amber, green.")
        let extra = #expect(throws: WorkflowError.self) { try f.engine.fire("take", on: "ticket-1", payload: ["colour": "red"], actor: Actor("mo"), expectedVersion: 1) }
        #expect(extra?.code == "unexpected-field")
        let unknown = #expect(throws: WorkflowError.self) { try f.engine.fire("fly", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1) }
        #expect(unknown?.code == "unknown-event")
        #expect(try f.snapshot() == before)
        #expect(try f.engine.instance("ticket-1").version == 1)
    }

    @Test func aStaleExpectedVersionIsAConflict() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        let before = try f.snapshot()
        let error = #expect(throws: WorkflowError.self) {
            try f.engine.fire("note", on: "ticket-1", payload: ["comment": "late"], actor: Actor("mia"), expectedVersion: 1)
        }
        #expect(error == .versionConflict(instance: "ticket-1", expected: 1, actual: 2))
        #expect(error?.localizedDescription == "ticket-1 was changed by someone else (you had version 1; it is now version 2). Reload it and try again.")
        #expect(try f.snapshot() == before)
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheFirstResultAndWritesNothing() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        let first = try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1, idempotencyKey: "k-1")
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "later"], actor: Actor("mo"), expectedVersion: 2)
        let before = try f.snapshot()
        let retry = try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1, idempotencyKey: "k-1")
        #expect(retry.isReplay)
        #expect(retry.eventSeq == first.eventSeq)
        #expect(retry.instance.state == "working")
        #expect(retry.instance.version == 2)
        #expect(try f.snapshot() == before)
        let misuse = #expect(throws: WorkflowError.self) { try f.engine.fire("drop", on: "ticket-1", actor: Actor("mo"), expectedVersion: 3, idempotencyKey: "k-1") }
        #expect(misuse?.code == "idempotency-key-reused")
    }

    @Test func availableEventsSayWhyEachOtherIsClosed() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T", "owner": "olu"], actor: Actor("mo"))
        let forOwner = try f.engine.availableEvents(on: "ticket-1", actor: Actor("olu"))
        #expect(forOwner.filter(\.isAvailable).map(\.event) == ["note"])
        #expect(forOwner.first { $0.event == "take" }?.reason == "Only a member.")
        #expect(forOwner.first { $0.event == "finish" }?.reason == "Only when it is working.")
        let forMember = try f.engine.availableEvents(on: "ticket-1", actor: Actor("mo"))
        #expect(forMember.filter(\.isAvailable).map(\.event) == ["take", "note", "drop"])
    }

    @Test func startFieldsAreChecked() throws {
        let f = try EngineFixture()
        let error = #expect(throws: WorkflowError.self) { try f.engine.start("ticket", data: [:], actor: Actor("mo")) }
        #expect(error == .missingField(event: "start", field: "title"))
        let unknown = #expect(throws: WorkflowError.self) { try f.engine.start("tickets", data: [:], actor: Actor("mo")) }
        #expect(unknown?.localizedDescription == "There is no workflow called \"tickets\". Known workflows: pledge, ticket.")
        #expect(try f.count("instances") == 0)
    }

    @Test func pledgeStartIsLimitedToTheOrganisationsContactsAndTheSecretariat() throws {
        let f = try EngineFixture()
        // The contacts are worked out by the services from the organisation, never given.
        let data: [String: JSONValue] = ["organisation": "acme", "pledgeYear": 2026, "text": "Mentor ten young people", "areas": ["learning"]]
        let contacts: [String: JSONValue] = ["contacts": ["olu"]]
        let stranger = #expect(throws: WorkflowError.self) { try f.engine.start("pledge", data: data, computed: contacts, actor: Actor("mo")) }
        #expect(stranger?.code == "not-permitted")
        #expect(try f.engine.start("pledge", data: data, computed: contacts, actor: Actor("olu")).instance.state == "draft")
    }

    @Test func fieldsOnlyFlourishSetsAreRefusedFromEveryCaller() throws {
        let f = try EngineFixture()
        let data: [String: JSONValue] = ["organisation": "acme", "pledgeYear": 2026, "text": "Mentor ten young people", "areas": ["learning"]]
        // A contact naming themselves as the organisation's contact is refused, naming the field.
        let claimed = #expect(throws: WorkflowError.self) { try f.engine.start("pledge", data: data.merging(["contacts": ["mo"]]) { a, _ in a }, actor: Actor("mo")) }
        #expect(claimed == .computedField(event: "start", field: "contacts"))
        #expect(claimed?.field == "contacts" && claimed?.code == "computed-field")
        let pledge = try f.engine.start("pledge", data: data, computed: ["contacts": ["olu"]], actor: Actor("olu")).instance
        // The repeat flag the reviewer relies on cannot be cleared by the organisation.
        let cleared = #expect(throws: WorkflowError.self) {
            try f.engine.fire("edit", on: pledge.id, payload: ["text": "Mentor twelve", "repeatsLastYear": false], actor: Actor("olu"), expectedVersion: nil)
        }
        #expect(cleared == .computedField(event: "edit", field: "repeatsLastYear"))
        #expect(try f.engine.instance(pledge.id).version == 1, "nothing was written")
        // Given as worked out, it is stored.
        let edited = try f.engine.fire("edit", on: pledge.id, payload: ["text": "Mentor twelve"], computed: ["repeatsLastYear": true], actor: Actor("olu"), expectedVersion: nil)
        #expect(edited.instance.data["repeatsLastYear"] == true)
    }

    @Test func aTransitionSetsFixedValuesAndReplayKeepsThem() throws {
        let f = try EngineFixture()
        try f.engine.install([try makeLoader().load("""
        {"formatVersion": 1, "name": "lamp", "version": 1, "title": "Lamp",
         "states": {"off": {"title": "Off"}, "on": {"title": "On"}}, "initial": "off", "final": [],
         "transitions": [{"event": "switch-on", "from": ["off"], "to": "on", "by": [{"role": "member"}], "set": {"lit": true, "colour": "amber"}},
                         {"event": "switch-off", "from": ["on"], "to": "off", "by": [{"role": "member"}], "set": {"lit": false}}]}
        """, file: "lamp")])
        try f.engine.start("lamp", data: [:], actor: Actor("mo"))
        let on = try f.engine.fire("switch-on", on: "lamp-1", actor: Actor("mo"), expectedVersion: 1)
        #expect(on.instance.data == ["lit": true, "colour": "amber"])
        let off = try f.engine.fire("switch-off", on: "lamp-1", actor: Actor("mo"), expectedVersion: 2)
        #expect(off.instance.data == ["lit": false, "colour": "amber"])
        #expect(try f.engine.history(of: "lamp-1")[1].payload == ["lit": true, "colour": "amber"])
        #expect(WorkflowEngine.replay(try f.engine.history(of: "lamp-1"), base: off.instance, startVersion: 1) == off.instance)
    }

    @Test func concurrentCallersShareCommitsAndEachIsAnsweredOnce() throws {
        let f = try EngineFixture()
        for _ in 0..<16 { try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo")) }
        let errors = LockedList()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let id = InstanceID("ticket-\(i + 1)")
            do {
                try f.engine.fire("take", on: id, actor: Actor("mo"), expectedVersion: 1)
                for n in 0..<20 { try f.engine.fire("note", on: id, payload: ["comment": .string("n\(n)")], actor: Actor("mo"), expectedVersion: n + 2) }
            } catch { errors.append("\(error)") }
        }
        #expect(errors.items.isEmpty)
        #expect(try f.count("events") == 16 + 16 * 21)
        #expect(try f.engine.verifyAuditLog().isIntact)
        for i in 1...16 { #expect(try f.engine.instance(InstanceID("ticket-\(i)")).version == 22) }
    }
}

@Suite struct CommitCompletionTests {
    /// Waits for `count` completions, failing the test (rather than hanging it) after 30 seconds.
    static func waitFor(_ group: DispatchGroup) -> Bool { group.wait(timeout: .now() + 30) == .success }

    @Test func aStartLeftWithACompletionIsAnsweredOnceAfterItsCommitAndTheCallerGoesOnAtOnce() throws {
        let f = try EngineFixture()
        let answered = LockedList(), group = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for n in 0..<25 {
                group.enter()
                f.engine.start("ticket", data: ["title": .string("T\(t)-\(n)")], actor: Actor("mo")) { result in
                    switch result {
                    case .success(let started):
                        // Committed before the answer: another connection already reads it.
                        let seen = try? f.engine.instance(started.instance.id)
                        answered.append(seen?.data["title"] == started.instance.data["title"] ? started.instance.id.rawValue : "unreadable \(started.instance.id)")
                    case .failure(let error): answered.append("error \(error)")
                    }
                    group.leave()
                }
            }
        }
        #expect(Self.waitFor(group))
        #expect(answered.items.count == 200)
        #expect(Set(answered.items).count == 200)
        #expect(answered.items.allSatisfy { $0.hasPrefix("ticket-") })
        #expect(try f.count("events") == 200)
        #expect(try f.engine.verifyAuditLog().isIntact)
    }

    @Test func aRefusedStartInABatchUndoesOnlyItselfAndItsCompletionHasTheReason() throws {
        let f = try EngineFixture()
        let answered = LockedList(), group = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            group.enter()
            // Every fifth start has no title, which the ticket's start requires.
            let data: [String: JSONValue] = i % 5 == 0 ? [:] : ["title": .string("T\(i)")]
            f.engine.start("ticket", data: data, actor: Actor("mo")) { result in
                switch result {
                case .success: answered.append("ok")
                case .failure(let error as WorkflowError): answered.append(error.localizedDescription.contains("title") ? "refused for its title" : "refused: \(error)")
                case .failure(let error): answered.append("other \(error)")
                }
                group.leave()
            }
        }
        #expect(Self.waitFor(group))
        #expect(answered.items.filter { $0 == "ok" }.count == 32)
        #expect(answered.items.filter { $0 == "refused for its title" }.count == 8)
        #expect(try f.count("instances") == 32)
    }

    @Test func waitingCallersAndCompletionsShareTheQueueAndACompletionMayWriteAgain() throws {
        let f = try EngineFixture()
        let answered = LockedList(), group = DispatchGroup()
        // Off the test's thread, so that a deadlock fails the wait below instead of hanging the suite.
        for i in 0..<24 {
            group.enter()
            DispatchQueue.global().async {
                if i % 2 == 0 {
                    do { try f.engine.start("ticket", data: ["title": "waited"], actor: Actor("mo")); answered.append("waited") } catch { answered.append("error \(error)") }
                    group.leave()
                    return
                }
                f.engine.start("ticket", data: ["title": "left"], actor: Actor("mo")) { result in
                    do {
                        // A write from inside a completion waits for its own commit: no deadlock.
                        let first = try result.get()
                        try f.engine.fire("take", on: first.instance.id, actor: Actor("mo"), expectedVersion: 1)
                        answered.append("left and taken")
                    } catch { answered.append("error \(error)") }
                    group.leave()
                }
            }
        }
        #expect(Self.waitFor(group))
        guard answered.items.count == 24 else { return }
        #expect(answered.items.filter { $0 == "waited" }.count == 12)
        #expect(answered.items.filter { $0 == "left and taken" }.count == 12)
        #expect(try f.count("events") == 36)
        #expect(try f.engine.verifyAuditLog().isIntact)
    }
}

/// A start queued for a group commit works out on the caller's thread what needs no database
/// (its checked data, stored form, digest and timers' due moments); the committing thread
/// only reads, checks authority and writes. What it writes, and what it refuses first, must be
/// as when everything was worked out inside the transaction.
@Suite struct PreparedStartTests {
    static let visit = """
    { "formatVersion": 1, "name": "visit", "version": 1, "title": "Visit",
      "states": { "booked": {"title": "Booked"}, "done": {"title": "Done"} },
      "initial": "booked", "final": ["done"],
      "startedBy": [{"role": "member"}],
      "startFields": { "title": {"type": "string", "required": true}, "visitOn": {"type": "string", "required": true} },
      "startEffects": [ { "startTimer": { "name": "remind", "at": "visitOn", "offset": "P1D", "event": "nudge" } },
                        { "startTimer": { "name": "chase", "afterWorkingDays": 2, "event": "nudge" } } ],
      "transitions": [ { "event": "nudge", "from": ["booked"], "to": "booked", "by": [{"role": "system"}] },
                       { "event": "finish", "from": ["booked"], "to": "done", "by": [{"role": "member"}] } ]
    }
    """

    /// Starts through the queue with a completion (worked out before the commit) and waits for it.
    static func queuedStart(_ f: EngineFixture, _ data: [String: JSONValue], by actor: String, key: String? = nil) -> Result<FireResult, any Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<FireResult, any Error>?
        f.engine.start("visit", data: data, actor: Actor(actor), idempotencyKey: key) { r in result = r; done.signal() }
        _ = done.wait(timeout: .now() + 30)
        return result ?? .failure(CancellationError())
    }

    /// What a start wrote: the instance's data, its event (payload and digest) and its timers.
    static func written(_ f: EngineFixture, _ id: InstanceID) throws -> [String] {
        try f.engine.database.read { db in
            let instance = try db.queryOne("SELECT data, state FROM instances WHERE id = ?", id.rawValue)
            let event = try db.queryOne("SELECT payload, payload_digest, occurred_at, request_digest FROM events WHERE instance_id = ?", id.rawValue)
            let timers = try db.query("SELECT name, event, due_at, status FROM timers WHERE instance_id = ? ORDER BY id", id.rawValue)
            return [instance?.string("data") ?? "-", instance?.string("state") ?? "-", event?.string("payload") ?? "-", event?.string("payload_digest") ?? "-",
                    String(event?.int64("occurred_at") ?? -1), event?.string("request_digest") ?? "none"]
                + timers.map { "\($0.string("name") ?? "") \($0.string("event") ?? "") \($0.int64("due_at") ?? -1) \($0.string("status") ?? "")" }
        }
    }

    @Test func aStartWorkedOutBeforeItsCommitWritesWhatOneWorkedOutInsideWrites() throws {
        let f = try EngineFixture(more: [Self.visit])
        let data: [String: JSONValue] = ["title": "Visit the youth panel", "visitOn": "2026-03-20"]
        let queued = try Self.queuedStart(f, data, by: "mo").get()
        // With data worked out inside the transaction nothing can be worked out before it.
        let inside = try f.engine.start("visit", data: data, actor: Actor("mo"), dataFrom: { _ in [:] })
        let a = try Self.written(f, queued.instance.id), b = try Self.written(f, inside.instance.id)
        #expect(a == b)
        // And both are right: the reminder the day after the visit, the chase two working days on.
        let timers = try f.engine.database.read { db in
            try db.query("SELECT name, due_at FROM timers WHERE instance_id = ? ORDER BY id", queued.instance.id.rawValue).map { ($0.string("name") ?? "", $0.int64("due_at") ?? 0) }
        }
        #expect(timers.map(\.0) == ["remind", "chase"])
        #expect(timers.first?.1 == testTime.adding(ISODuration("P1D")!, to: testTime.parse("2026-03-20")!).milliseconds)
        #expect(timers.last?.1 == (try testTime.adding(WorkingDays(2), to: f.clock.now())).milliseconds)
        #expect(try f.engine.verifyAuditLog().isIntact)
    }

    @Test func aRetryWithTheSameKeyIsAnsweredWithTheFirstStartAndWritesNothing() throws {
        let f = try EngineFixture(more: [Self.visit])
        let data: [String: JSONValue] = ["title": "Visit", "visitOn": "2026-03-20"]
        let first = try Self.queuedStart(f, data, by: "mo", key: "visit-1").get()
        let before = try f.snapshot()
        let again = try Self.queuedStart(f, data, by: "mo", key: "visit-1").get()
        #expect(again.isReplay && again.instance.id == first.instance.id)
        #expect(try f.snapshot() == before)
        // The same key for another start is refused, not answered with the first.
        #expect(throws: WorkflowError.self) { try Self.queuedStart(f, ["title": "Other", "visitOn": "2026-03-21"], by: "mo", key: "visit-1").get() }
        #expect(try f.snapshot() == before)
    }

    @Test func whoMayStartIsStillAnsweredBeforeADateThatCannotBeScheduled() throws {
        let f = try EngineFixture(more: [Self.visit])
        let before = try f.snapshot()
        // Someone who may not start a visit is told so, whatever is wrong with the date.
        let stranger = Self.queuedStart(f, ["title": "Visit", "visitOn": "next week"], by: "olu")
        guard case .failure(let refusal as WorkflowError) = stranger, case .notPermitted = refusal else {
            Issue.record("expected notPermitted, got \(stranger)"); return
        }
        // A member is told what is wrong with the date.
        let member = Self.queuedStart(f, ["title": "Visit", "visitOn": "next week"], by: "mo")
        guard case .failure(let error as WorkflowError) = member else { Issue.record("expected a refusal, got \(member)"); return }
        #expect(error.localizedDescription.contains("YYYY-MM-DD"))
        #expect(try f.snapshot() == before)
    }
}

/// One transaction of many events (an import's) keeps a bounded number of cache fills waiting
/// for its commit: each held the event's whole data, so a 200,000-row pledges import held every
/// record it wrote until the end (242 MiB at 20,000 rows, against 64 before the fills).
@Suite struct LongTransactionTests {
    @Test func aTransactionOfManyEventsHoldsABoundedAmountOfWorkForItsCommit() throws {
        let f = try EngineFixture()
        let waiting = try f.engine.batch { tx -> Int in
            for n in 0..<600 {
                let started = try tx.start("ticket", data: ["title": .string("T\(n)")], actor: Actor("mo"), at: f.clock.now())
                try tx.fire("take", on: started.id, actor: Actor("mo"), at: f.clock.now())
            }
            return tx.db.commitWorkWaiting
        }
        #expect(waiting <= Connection.commitWorkRoom)
        #expect(try f.count("instances") == 600)
        #expect(try f.engine.verifyAuditLog().isIntact)
    }
}

/// A version whose transaction rolled back never reaches the decoded-data cache: another
/// process may write that same version of the instance with other data, and this process must
/// then read what was committed.
@Suite struct RolledBackDataTests {
    struct CallersOwnWriteFailed: Error {}

    @Test func aVersionThatRolledBackIsNeverServedAfterAnotherProcessWritesThatVersion() throws {
        let path = temporaryDatabasePath()
        let f = try EngineFixture(path: path)
        let id = try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo")).instance.id
        try f.engine.fire("take", on: id, actor: Actor("mo"), expectedVersion: 1)
        // The note is made, then the caller's own write in the same transaction fails: nothing happened.
        #expect(throws: CallersOwnWriteFailed.self) {
            try f.engine.fire("note", on: id, payload: ["comment": "rolled back", "rag": "red"], actor: Actor("mo"), expectedVersion: 2,
                              alongside: { _, _ in throw CallersOwnWriteFailed() })
        }
        // A second process on the same file writes version 3 with other data. (This process
        // reads nothing of the instance meanwhile: a read would put version 2 in the cache.)
        let other = try EngineFixture(path: path)
        let kept = try other.engine.fire("note", on: id, payload: ["comment": "kept", "rag": "green"], actor: Actor("mo"), expectedVersion: 2)
        #expect(kept.instance.version == 3 && kept.instance.data["rag"] == "green")
        // This process's next event builds on version 3 as committed, not as it rolled back.
        let next = try f.engine.fire("note", on: id, payload: ["comment": "next"], actor: Actor("mo"), expectedVersion: 3)
        #expect(next.instance.data["rag"] == "green", "what was committed, not what rolled back")
        #expect(try f.engine.instance(id).data["rag"] == "green")
    }
}

/// The commit queue's own threads: work runs in the order given, on a thread named for it.
@Suite struct SerialLaneTests {
    @Test func workRunsInTheOrderGivenOnOneNamedThread() {
        let lane = SerialLane(name: "flourish-test")
        let seen = LockedList(), done = DispatchSemaphore(value: 0)
        for n in 0..<200 {
            lane.run {
                let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "?"
                seen.append("\(n) \(name)")
                if n == 199 { done.signal() }
            }
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(seen.items == (0..<200).map { "\($0) flourish-test" })
    }
}

final class LockedList: @unchecked Sendable {  // `storage` guarded by `lock`
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.withLock { storage.append(s) } }
    var items: [String] { lock.withLock { storage } }
}

@Suite struct TimerTests {
    @Test func timersFireOnceWhenDueAndStartEffectsRunAtStart() throws {
        let f = try EngineFixture(start: "2026-04-02T10:00")  // Thursday before Easter
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        let timer = try #require(try f.engine.pendingTimers(instance: "ticket-1").first)
        // Two working days after Thursday 2 April 2026, skipping Good Friday and Easter Monday: Wednesday 8 April.
        #expect(testTime.display(timer.dueAt) == "2026-04-08 10:00 BST")
        f.clock.set(testTime.parse("2026-04-08T09:59")!)
        #expect(try f.engine.tick().isEmpty)
        f.clock.set(testTime.parse("2026-04-08T10:00")!)
        let fired = try f.engine.tick()
        #expect(fired.map(\.event) == ["nudge"])
        #expect(try f.engine.instance("ticket-1").state == "waiting")
        #expect(try f.engine.tick().isEmpty)
        let nudge = try f.engine.history(of: "ticket-1").last!
        #expect(nudge.actor == "system")
        #expect(testTime.display(nudge.occurredAt) == "2026-04-08 10:00 BST")
    }

    /// A new instance has no timers to restart, so its start does not look for them; a start
    /// that starts the same timer twice still keeps only the second.
    @Test func aStartThatStartsOneTimerTwiceKeepsTheSecondPending() throws {
        let f = try EngineFixture()
        try f.engine.install([try makeLoader().load("""
        {"formatVersion": 1, "name": "alarm", "version": 1, "title": "Alarm",
         "states": {"set": {"title": "Set"}, "rung": {"title": "Rung"}}, "initial": "set", "final": ["rung"],
         "startEffects": [{"startTimer": {"name": "ring", "after": "P1D", "event": "ring"}},
                          {"startTimer": {"name": "ring", "after": "P3D", "event": "ring"}},
                          {"startTimer": {"name": "remind", "after": "P2D", "event": "ring"}}],
         "transitions": [{"event": "ring", "from": ["set"], "to": "rung", "by": [{"role": "system"}]}]}
        """, file: "alarm")])
        let started = try f.engine.start("alarm", data: [:], actor: Actor("mo"))
        let pending = try f.engine.pendingTimers(instance: started.instance.id)
        #expect(pending.map(\.name).sorted() == ["remind", "ring"])
        let ring = try #require(pending.first { $0.name == "ring" })
        #expect(ring.dueAt == f.clock.now().addingTimeInterval(3 * 86_400), "the second start of the timer")
        #expect(try f.count("timers") == 3, "the first, cancelled as restarted, is kept with its reason")
    }

    @Test func aCancelledTimerNeverFiresAndEndedInstancesDropTheirTimers() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        #expect(try f.engine.pendingTimers().isEmpty)
        try f.engine.fire("pause", on: "ticket-1", actor: Actor("mo"), expectedVersion: 2)
        #expect(try f.engine.pendingTimers().count == 1)
        try f.engine.fire("drop", on: "ticket-1", actor: Actor("sec"), expectedVersion: 3)
        #expect(try f.engine.pendingTimers().isEmpty)
        f.clock.advance(bySeconds: 86_400 * 30)
        #expect(try f.engine.tick().isEmpty)
    }

    /// A workflow whose deadline cancels its reminder, while the reminder's event would still
    /// apply afterwards: a catch-up tick (the server was down for both) must not fire it.
    static let deadlineText = """
    {"formatVersion": 1, "name": "deadline", "version": 1, "title": "Deadline",
     "states": {"waiting": {"title": "Waiting"}, "late": {"title": "Late"}, "closed": {"title": "Closed"}}, "initial": "waiting", "final": ["closed"],
     "startEffects": [{"startTimer": {"name": "deadline", "after": "P1D", "event": "miss"}},
                      {"startTimer": {"name": "reminder", "after": "P2D", "event": "remind"}}],
     "transitions": [{"event": "miss", "from": ["waiting"], "to": "late", "by": [{"role": "system"}], "effects": [{"cancelTimer": "reminder"}]},
                     {"event": "remind", "from": ["waiting", "late"], "to": "late", "by": [{"role": "system"}]},
                     {"event": "close", "from": ["waiting", "late"], "to": "closed", "by": [{"role": "member"}]}]}
    """

    @Test func aTimerCancelledByAnEarlierOneInTheSameTickIsNotFired() throws {
        let f = try EngineFixture(more: [Self.deadlineText])
        let id = try f.engine.start("deadline", data: [:], actor: Actor("mo")).instance.id
        f.clock.advance(bySeconds: 86_400 * 3)  // both due: the deadline first, the reminder a day later
        let fired = try f.engine.tick()
        #expect(fired.map(\.name) == ["deadline"], "the reminder was cancelled when the deadline fired: \(fired.map { ($0.name, $0.fired, $0.note) })")
        #expect(try f.engine.history(of: id).map(\.event) == ["start", "miss"])
        let statuses = try f.engine.database.read { db in
            try db.query("SELECT name || ' ' || status AS s FROM timers WHERE instance_id = ? ORDER BY id", id.rawValue).compactMap { $0.string("s") }
        }
        #expect(statuses == ["deadline fired", "reminder cancelled"])
        #expect(try f.engine.tick().isEmpty)
    }

    /// The same for an import's history, settled in its one transaction.
    @Test func settlingAnImportsPastTimersPassesOverOnesCancelledOnTheWay() throws {
        let f = try EngineFixture(more: [Self.deadlineText])
        let past = f.clock.now()
        f.clock.advance(bySeconds: 86_400 * 3)
        let (id, settled) = try f.engine.batch { tx in
            let before = try tx.db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
            let id = try tx.start("deadline", data: [:], actor: Actor("mo"), at: past).id
            return (id, try tx.settleTimers(ofInstancesWrittenAfter: before, dueBy: f.clock.now()))
        }
        #expect(settled == 1)
        #expect(try f.engine.history(of: id).map(\.event) == ["start", "miss"])
        #expect(try f.engine.pendingTimers(instance: id).isEmpty)
    }

    @Test func twoTickersAtOnceFireEachTimerExactlyOnce() throws {
        let path = temporaryDatabasePath()
        let f = try EngineFixture(path: path)
        for _ in 0..<200 { try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo")) }
        let other = try EngineFixture(path: path)  // a second process's engine on the same file
        f.clock.advance(bySeconds: 86_400 * 10)
        other.clock.set(f.clock.now())
        let results = LockedList()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do {
                let fired = try (i == 0 ? f : other).engine.tick(batchSize: 7)
                for t in fired { results.append(t.instanceID.rawValue) }
            } catch { results.append("error \(error)") }
        }
        #expect(results.items.count == 200)
        #expect(Set(results.items).count == 200)
        #expect(try f.count("events") == 400)
        #expect(try f.engine.verifyAuditLog().isIntact)
    }

    @Test func aTimerWhoseEventNoLongerAppliesIsSkippedWithTheReason() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        // Simulate a timer left behind by a definition that forgot to cancel it.
        try f.engine.database.write { db in
            try db.run("INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES ('ticket-1', 'stray', 'nudge', 0, 'pending', 0)")
            try db.run("DELETE FROM timers WHERE name = 'respond'")
        }
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        let fired = try f.engine.tick()
        #expect(fired.count == 1)
        #expect(fired[0].fired == false)
        #expect(fired[0].note == "\"nudge\" cannot happen while it is working; it can happen only when it is open or waiting.")
        #expect(try f.engine.instance("ticket-1").state == "working")
    }

    /// Issue 22: an import's history is not news. Its messages are recorded as withheld as
    /// they arise (none rendered into the outbox and taken out again), only for events dated
    /// before the import began, and only inside the import's own transaction: a write after it,
    /// or after one that failed, queues its message as usual, and the audit still holds.
    @Test func messagesOfImportedHistoryAreWithheldAsTheyAriseAndOnlyWithinTheImport() throws {
        let f = try EngineFixture(start: "2026-06-01T09:00")
        let now = f.clock.now(), past = now.addingTimeInterval(-30 * 86_400)
        let (_, withheld) = try f.engine.batch { tx in
            try tx.withholdingMessages(datedBefore: now, reason: "imported history", at: now) {
                let old = try tx.start("ticket", data: ["title": "Old", "owner": "olu"], actor: Actor("mo"), at: past)
                try tx.fire("take", on: old.id, actor: Actor("mo"), at: past)
                try tx.fire("pause", on: old.id, actor: Actor("mo"), at: past)
                let current = try tx.start("ticket", data: ["title": "Current", "owner": "olu"], actor: Actor("mo"), at: now)
                try tx.fire("take", on: current.id, actor: Actor("mo"), at: now)
                try tx.fire("pause", on: current.id, actor: Actor("mo"), at: now)
            }
        }
        #expect(withheld == 1)
        #expect(try f.engine.outbox().map(\.subject) == ["Current is waiting"], "a message about now is queued")
        let rows = try f.engine.database.read { try $0.query("SELECT template, recipient, reason, withheld_at FROM outbox_withheld") }
        #expect(rows.map { [$0.string("template"), $0.string("recipient"), $0.string("reason")] } == [["paused", "olu@example.org", "imported history"]])
        #expect(rows.first?.int64("withheld_at") == now.milliseconds)

        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try f.engine.batch { tx in
                try tx.withholdingMessages(datedBefore: now, reason: "imported history", at: now) {
                    let t = try tx.start("ticket", data: ["title": "Refused", "owner": "olu"], actor: Actor("mo"), at: past)
                    try tx.fire("take", on: t.id, actor: Actor("mo"), at: past)
                    try tx.fire("pause", on: t.id, actor: Actor("mo"), at: past)
                    throw Refused()
                }
            }
        }
        #expect(try f.count("outbox_withheld") == 1, "the failed import's withholding rolled back with it")
        let later = try f.engine.start("ticket", data: ["title": "Later", "owner": "olu"], actor: Actor("mo"))
        try f.engine.fire("take", on: later.instance.id, actor: Actor("mo"), expectedVersion: 1)
        try f.engine.fire("pause", on: later.instance.id, actor: Actor("mo"), expectedVersion: 2)
        #expect(try f.engine.outbox().map(\.subject).sorted() == ["Current is waiting", "Later is waiting"], "a write after the import queues as usual")
        #expect(try f.engine.verifyAuditLog().isIntact)
    }

    @Test func notificationsAreQueuedWithTheirDeadline() throws {
        let f = try EngineFixture(start: "2026-06-01T09:00")
        try f.engine.start("ticket", data: ["title": "Roof", "owner": "olu"], actor: Actor("mo"))
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        try f.engine.fire("pause", on: "ticket-1", actor: Actor("mo"), expectedVersion: 2)
        let messages = try f.engine.outbox()
        #expect(messages.count == 1)
        #expect(messages[0].recipient == "olu@example.org")
        #expect(messages[0].subject == "Roof is waiting")
        #expect(messages[0].body == "Please answer by 4 June 2026 at 9am.", "dates in words, as GOV.UK writes them")
        #expect(messages[0].status == "pending")
    }

    @Test func datesReadAsPeopleWriteThem() throws {
        let f = try EngineFixture(start: "2026-06-01T09:00")
        let time = f.engine.time
        #expect(CalendarDay("2027-02-09")?.inWords == "9 February 2027")
        #expect(time.inWords(time.parse("2026-10-08")!) == "8 October 2026", "midnight: the day only")
        #expect(time.inWords(time.parse("2026-10-08T15:30")!) == "8 October 2026 at 3:30pm")
        #expect(time.inWords(time.parse("2026-10-08T12:00")!) == "8 October 2026 at 12pm")
        // A deadline due at the start of a day leaves the whole day before it.
        #expect(time.deadlineInWords(time.parse("2027-02-10")!) == "9 February 2027")
        #expect(time.deadlineInWords(time.parse("2027-01-01")!) == "31 December 2026")
        #expect(time.deadlineInWords(time.parse("2026-06-04T09:00")!) == "4 June 2026 at 9am")
    }
}

@Suite struct HistoryAndAuditTests {
    /// Several histories read together are each instance's history, oldest first, as read one
    /// at a time; an instance with no events (none such: one that does not exist) is absent.
    @Test func historiesReadTogetherAreEachInstancesOwnHistory() throws {
        let f = try EngineFixture(start: "2026-06-01T09:00")
        var ids: [InstanceID] = []
        for i in 0..<3 {
            let t = try f.engine.start("ticket", data: ["title": .string("T\(i)"), "owner": "olu"], actor: Actor("mo")).instance.id
            ids.append(t)
            if i > 0 { try f.engine.fire("note", on: t, payload: ["comment": .string("c\(i)")], actor: Actor("mo"), expectedVersion: 1) }
        }
        try f.engine.fire("take", on: ids[0], actor: Actor("mo"), expectedVersion: 1)
        let together = try f.engine.histories(of: ids + [InstanceID("ticket-404")])
        #expect(Set(together.keys) == Set(ids))
        for id in ids {
            #expect(together[id]?.map(\.seq) == (try f.engine.history(of: id)).map(\.seq))
            #expect(together[id]?.map(\.event) == (try f.engine.history(of: id)).map(\.event))
        }
        #expect(together[ids[2]]?.last?.payload["comment"] == .string("c2"))
        #expect(try f.engine.histories(of: []).isEmpty)
    }

    @Test func stateAsOfAnyMomentIsRebuiltFromTheLog() throws {
        let f = try EngineFixture(start: "2026-03-02T09:00")
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        f.clock.set(testTime.parse("2026-03-02T10:00")!)
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        f.clock.set(testTime.parse("2026-03-03T10:00")!)
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "halfway", "rag": "amber"], actor: Actor("mo"), expectedVersion: 2)
        #expect(try f.engine.instance("ticket-1", asOf: testTime.parse("2026-03-01")!) == nil)
        let early = try #require(try f.engine.instance("ticket-1", asOf: testTime.parse("2026-03-02T09:30")!))
        #expect(early.state == "open")
        #expect(early.data["comment"] == nil)
        let later = try #require(try f.engine.instance("ticket-1", asOf: testTime.parse("2026-03-03T12:00")!))
        #expect(later == (try f.engine.instance("ticket-1")))
    }

    func tamperedReport(_ tamper: (Connection) throws -> Void) throws -> AuditChain.Report {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        for n in 0..<5 { try f.engine.fire("note", on: "ticket-1", payload: ["comment": .string("n\(n)")], actor: Actor("mo"), expectedVersion: n + 1) }
        let intact = try f.engine.verifyAuditLog()
        #expect(intact.isIntact && intact.eventsChecked == 6)
        try f.engine.database.withWriter { db in
            try db.execute("DROP TRIGGER events_are_never_deleted; DROP TRIGGER events_change_only_by_redaction;")
            try tamper(db)
        }
        return try f.engine.verifyAuditLog()
    }

    @Test func anEditedPayloadIsFoundAndNamed() throws {
        let report = try tamperedReport { try $0.execute("UPDATE events SET payload = '{\"comment\":\"forged\"}' WHERE seq = 4") }
        #expect(report.problem == AuditChain.Problem(kind: .altered, seq: 4, detail: "its payload was changed"))
    }

    @Test func anEditedActorIsFoundAndNamed() throws {
        let report = try tamperedReport { try $0.execute("UPDATE events SET actor = 'mia' WHERE seq = 3") }
        #expect(report.problem?.kind == .altered)
        #expect(report.problem?.seq == 3)
    }

    @Test func aDeletedEventIsFoundAndNamed() throws {
        let report = try tamperedReport { try $0.execute("DELETE FROM events WHERE seq = 3") }
        #expect(report.problem == AuditChain.Problem(kind: .removed, seq: 3, detail: "events 3 to 3 are missing from the log"))
    }

    @Test func aDeletedLastEventIsFound() throws {
        let report = try tamperedReport { try $0.execute("DELETE FROM events WHERE seq = 6") }
        #expect(report.problem == AuditChain.Problem(kind: .removed, seq: 6,
                                                     detail: "the log ends at event 5, but ticket-1 is at version 6 and its events stop at version 5: events after 5 were removed"))
    }

    // Issue 23: the log intact, the records built from it changed by hand. Each of these passed
    // `audit verify` before it compared the records with the log.

    @Test func anInstanceWhoseStateWasSetByHandIsNamed() throws {
        let report = try tamperedReport { try $0.execute("UPDATE instances SET state = 'done' WHERE id = 'ticket-1'") }
        #expect(report.problem == AuditChain.Problem(kind: .contradicted, seq: 6, record: "ticket-1",
                                                     detail: "its state is 'done' where its events lead to 'working' (its last event is 6)"))
        #expect(report.problem?.description.hasPrefix("ticket-1 does not match the event log: its state is 'done'") == true)
    }

    @Test func aChangedFieldInAnInstanceRowIsNamed() throws {
        let report = try tamperedReport { try $0.execute("UPDATE instances SET data = json_set(data, '$.title', 'U') WHERE id = 'ticket-1'") }
        #expect(report.problem?.kind == .contradicted && report.problem?.record == "ticket-1")
        #expect(report.problem?.detail == "its field 'title' holds \"U\" where its events give \"T\" (its last event is 6)")
    }

    @Test func anInstanceVersionBumpedByHandIsNamed() throws {
        let report = try tamperedReport { try $0.execute("UPDATE instances SET version = 9 WHERE id = 'ticket-1'") }
        // The chain's own check sees an instance ahead of its events first.
        #expect(report.problem?.kind == .removed && report.problem?.detail.contains("ticket-1 is at version 9") == true)
    }

    @Test func aDeletedOutboxMessageIsNamedWithTheEventThatQueuedIt() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T", "owner": "mo"], actor: Actor("mo"))
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
        let paused = try f.engine.fire("pause", on: "ticket-1", actor: Actor("mo"), expectedVersion: 2)
        #expect(try f.engine.verifyAuditLog().isIntact)
        try f.engine.database.withWriter { try $0.execute("DELETE FROM outbox WHERE template = 'paused'") }
        let report = try f.engine.verifyAuditLog()
        #expect(report.problem == AuditChain.Problem(kind: .removed, seq: paused.eventSeq, record: "ticket-1",
                                                     detail: "event \(paused.eventSeq) (pause) queued a 'paused' message that is no longer in the outbox"))
    }

    @Test func aDatabaseFromBeforeWithheldMessagesWereRecordedStillVerifiesAndIsCheckedFromThen() throws {
        let path = temporaryDatabasePath()
        do {
            let f = try EngineFixture(path: path)
            try f.engine.start("ticket", data: ["title": "T", "owner": "mo"], actor: Actor("mo"))
            try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 1)
            try f.engine.fire("pause", on: "ticket-1", actor: Actor("mo"), expectedVersion: 2)
            // As an earlier release left it: an import's messages deleted, and no record of it.
            try f.engine.database.write { db in
                try db.execute("DELETE FROM outbox; DROP TABLE outbox_withheld; DROP TABLE outbox_checked_after")
                try db.run("UPDATE schema_versions SET version = 2 WHERE component = 'engine'")
            }
        }
        let f = try EngineFixture(path: path)
        #expect(try f.engine.verifyAuditLog().isIntact, "what happened before the upgrade cannot be told apart, so it is not held against it")
        try f.engine.fire("take", on: "ticket-1", actor: Actor("mo"), expectedVersion: 3)
        let paused = try f.engine.fire("pause", on: "ticket-1", actor: Actor("mo"), expectedVersion: 4)
        try f.engine.database.withWriter { try $0.execute("DELETE FROM outbox WHERE template = 'paused'") }
        #expect(try f.engine.verifyAuditLog().problem?.seq == paused.eventSeq, "a message deleted after the upgrade is found")
    }

    @Test func anOutboxMessageNamingAnEventThatIsNotInTheLogIsNamed() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T", "owner": "mo"], actor: Actor("mo"))
        try f.engine.database.withWriter { db in
            try db.execute("INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status) VALUES ('ticket-1', 99, 'forged', 'x@example.org', 's', 'b', 0, 'pending')")
        }
        let problem = try #require(try f.engine.verifyAuditLog().problem)
        #expect(problem.record?.hasPrefix("outbox message ") == true && problem.seq == 99 && problem.kind == .contradicted)
    }

    @Test func theOnlyEventOfTheLastInstanceDeletedIsNamedByItsNumberNotAsEventOne() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "A"], actor: Actor("mo"))
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "a"], actor: Actor("mo"), expectedVersion: 1)
        try f.engine.start("ticket", data: ["title": "B"], actor: Actor("mo"))  // event 3, its only one
        try f.engine.database.withWriter { db in
            try db.execute("DROP TRIGGER events_are_never_deleted; DELETE FROM events WHERE seq = 3")
        }
        let report = try f.engine.verifyAuditLog()
        #expect(report.problem?.kind == .removed && report.problem?.seq == 3, "\(String(describing: report.problem))")
        #expect(report.problem?.detail == "the log ends at event 2, but ticket-2 is at version 1 and none of its events is left: events after 2 were removed")
    }

    @Test func aLogRewrittenFromAnEarlierPointMissesItsRecordedHead() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "a"], actor: Actor("mo"), expectedVersion: 1)
        let head = try f.engine.verifyAuditLog().head
        #expect(head.hasPrefix("2:"))
        #expect(try f.engine.verifyAuditLog(expectedHead: head).isIntact)
        // Someone with write access deletes the last event and puts the instance row back to match.
        try f.engine.database.withWriter { db in
            try db.execute("DROP TRIGGER events_are_never_deleted; DELETE FROM events WHERE seq = 2; UPDATE instances SET version = 1, state = 'open', data = json_remove(data, '$.comment')")
        }
        #expect(try f.engine.verifyAuditLog().isIntact)  // consistent on its own...
        let report = try f.engine.verifyAuditLog(expectedHead: head)
        #expect(report.problem?.kind == .removed)  // ...but the recorded head is gone
        #expect(report.problem?.seq == 2)
    }

    @Test func reorderedEventsAreFoundAndNamed() throws {
        let report = try tamperedReport { db in
            // Swap events 3 and 4 wholesale, renumbering them.
            try db.execute("UPDATE events SET seq = -3 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = -3;")
        }
        #expect(report.problem?.seq == 3)
        #expect(report.problem?.kind == .altered)
    }

    @Test func redactionRemovesPersonalDataAndTheLogStillVerifies() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "Call Jo Bloggs on 07700 900123", "owner": "olu"], actor: Actor("mo"))
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "Jo's address is 1 High St"], actor: Actor("mo"), expectedVersion: 1)
        try f.engine.fire("note", on: "ticket-1", payload: ["comment": "done", "rag": "green"], actor: Actor("mo"), expectedVersion: 2)
        let (result, rewritten) = try f.engine.redact(fields: ["title", "comment"], in: "ticket-1", actor: Actor("sec"), reason: "erasure request 42")
        #expect(rewritten == 3)
        #expect(result.instance.data == ["title": "[redacted]", "comment": "[redacted]", "owner": "olu", "rag": "green"])
        let history = try f.engine.history(of: "ticket-1")
        #expect(history.map(\.event) == ["start", "note", "note", "redact"])
        #expect(history[1].payload == ["comment": "[redacted]"])
        #expect(history[3].payload == ["fields": ["comment", "title"], "reason": "erasure request 42"])
        let everything = try f.engine.database.read { try $0.query("SELECT payload FROM events UNION ALL SELECT data FROM instances") }
        #expect(!everything.contains { ($0.string("payload") ?? "").contains("Bloggs") || ($0.string("payload") ?? "").contains("High St") })
        #expect(try f.engine.verifyAuditLog().isIntact)
        #expect(WorkflowEngine.replay(history, base: result.instance, startVersion: 1) == (try f.engine.instance("ticket-1")))
    }

    @Test func anEventMarkedRedactedWithoutARedactionIsCaught() throws {
        let report = try tamperedReport { try $0.execute("UPDATE events SET payload = '{\"comment\":\"forged\"}', redacted = 1 WHERE seq = 4") }
        #expect(report.problem == AuditChain.Problem(kind: .altered, seq: 4, detail: "it is marked redacted but no redaction was recorded after it"))
    }

    @Test func theHandWrittenHeaderIsTheCanonicalEncoding() {
        for onBehalfOf in [nil, "alliance \"quoted\""] {
            let link = AuditChain.Link(seq: 12, instanceID: "pledge-3", instanceVersion: 4, event: "approve", actor: "sam\njones",
                                       onBehalfOf: onBehalfOf, fromState: onBehalfOf == nil ? nil : "submitted", toState: "approved",
                                       occurredAt: 1_780_000_000_123, payloadDigest: "ab", previousHash: "cd")
            #expect(link.canonicalHeader == link.headerValue.canonicalString)
        }
    }

    @Test func theLogRefusesDeletesAndEditsAtTheDatabaseLevel() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        #expect(throws: SQLiteError.self) { try f.engine.database.write { try $0.execute("DELETE FROM events") } }
        #expect(throws: SQLiteError.self) { try f.engine.database.write { try $0.execute("UPDATE events SET actor = 'x'") } }
    }
}

@Suite struct DefinitionVersionTests {
    static func ticketV2(renaming: Bool) -> String {
        var text = ticketDefinitionText.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")
        if renaming {
            text = text.replacingOccurrences(of: "\"waiting\": {\"title\": \"Waiting\"}", with: "\"paused\": {\"title\": \"Paused\"}")
                .replacingOccurrences(of: "\"waiting\"", with: "\"paused\"")
        }
        return text
    }

    @Test func runningInstancesKeepTheirVersionAndMigrationNeedsAMappingForMissingStates() throws {
        let f = try EngineFixture()
        try f.engine.start("ticket", data: ["title": "A"], actor: Actor("mo"))
        try f.engine.start("ticket", data: ["title": "B"], actor: Actor("mo"))
        try f.engine.fire("take", on: "ticket-2", actor: Actor("mo"), expectedVersion: 1)
        try f.engine.fire("pause", on: "ticket-2", actor: Actor("mo"), expectedVersion: 2)
        try f.engine.install([try makeLoader().load(Self.ticketV2(renaming: true), file: "v2")])
        #expect(try f.engine.instance("ticket-2").workflowVersion == 1)
        #expect(try f.engine.start("ticket", data: ["title": "C"], actor: Actor("mo")).instance.workflowVersion == 2)
        // Old instances still run on version 1's rules.
        #expect(try f.engine.availableEvents(on: "ticket-2", actor: Actor("mo")).first { $0.event == "take" }?.isAvailable == true)

        let plan = try f.engine.migrationPlan("ticket")
        #expect(plan.moves.map(\.instance) == ["ticket-1", "ticket-2"])
        #expect(plan.stranded == ["waiting": 1])
        let before = try f.snapshot()
        let refused = #expect(throws: WorkflowError.self) { try f.engine.migrate("ticket", actor: Actor("sec")) }
        #expect(refused?.code == "migration-would-strand")
        #expect(try f.snapshot() == before)
        let bad = #expect(throws: WorkflowError.self) { try f.engine.migrate("ticket", mapping: ["waiting": "nowhere"], actor: Actor("sec")) }
        #expect(bad?.code == "bad-mapping")

        f.clock.advance(bySeconds: 60)
        let done = try f.engine.migrate("ticket", mapping: ["waiting": "paused"], actor: Actor("sec"))
        #expect(done.moves.map(\.toState) == ["open", "paused"])
        let moved = try f.engine.instance("ticket-2")
        #expect(moved.workflowVersion == 2)
        #expect(moved.state == "paused")
        #expect(try f.engine.history(of: "ticket-2").last?.event == "migrate")
        #expect(try f.engine.verifyAuditLog().isIntact)
        // As-of before the migration still reads version 1.
        #expect(try f.engine.instance("ticket-2", asOf: moved.updatedAt.addingTimeInterval(-0.001))?.workflowVersion == 1)
    }

    @Test func theSameVersionWithOtherContentIsRefused() throws {
        let f = try EngineFixture()
        let changed = ticketDefinitionText.replacingOccurrences(of: "\"title\": \"Ticket\"", with: "\"title\": \"Changed\"")
        let error = #expect(throws: WorkflowError.self) { try f.engine.install([try makeLoader().load(changed, file: "x")]) }
        #expect(error == .definitionChanged(workflow: "ticket", version: 1))
    }
}

@Suite struct StoredFormatTests {
    @Test func oldBlobsAreUpgradedWhenRead() throws {
        let path = temporaryDatabasePath()
        let v1 = try EngineFixture(path: path)
        try v1.engine.start("ticket", data: ["title": "Old"], actor: Actor("mo"))
        // A later program whose format 2 renames "title" to "heading".
        let v2Format = StoredJSON(currentFormat: 2, upgrades: [1: { old in
            var new = old
            new["heading"] = new.removeValue(forKey: "title")
            return new
        }])
        let v2 = try EngineFixture(storedJSON: v2Format, path: path)
        #expect(try v2.engine.instance("ticket-1").data == ["heading": "Old"])
        #expect(try v2.engine.history(of: "ticket-1")[0].payload == ["heading": "Old"])
        // Data from a newer program is refused rather than misread.
        #expect(throws: WorkflowError.dataFormatTooNew(found: 2, known: 1)) {
            _ = try StoredJSON.standard.decode("{}", format: 2)
        }
    }
}
