public import Foundation
public import SQLite

/// Starts and fires inside one transaction, each at a moment the caller gives (an import
/// dating events from its file). Nothing is written unless all of it is.
public struct EngineTransaction {
    public let db: Connection
    let engine: WorkflowEngine

    /// Starts an instance as `actor` at `at`.
    @discardableResult
    public func start(_ workflow: String, data: [String: JSONValue], computed: [String: JSONValue] = [:], actor: Actor, at: Date) throws -> Instance {
        try engine.performStart(db, workflow: workflow, data: data, computed: computed, actor: actor, idempotencyKey: nil, at: at, parent: nil, checkAuthority: true).instance
    }

    /// The instances of `workflow` whose text field `field` equals `value`, oldest first, as
    /// this transaction sees them (with what it has written so far).
    public func instances(of workflow: String, where field: String, equals value: String) throws -> [Instance] {
        try engine.instances(db, of: workflow, where: field, equals: value)
    }

    /// Fires an event as `actor` at `at`.
    @discardableResult
    public func fire(_ event: String, on id: InstanceID, payload: [String: JSONValue] = [:], computed: [String: JSONValue] = [:], actor: Actor, at: Date) throws -> Instance {
        try engine.performFire(db, event: event, id: id, payload: payload, computed: computed, actor: actor, expectedVersion: nil, idempotencyKey: nil, at: at).instance
    }
}

extension EngineTransaction {
    /// Runs `body` with the messages of every event it writes dated before `moment` withheld
    /// rather than queued: each is recorded as withheld, with `reason`, so `audit verify` knows
    /// it was not lost, and none is rendered or put in the outbox. For an import, whose history
    /// is not news (a welcome, "please report" for a pledge of two years ago).
    ///
    /// - Returns: what `body` returned, and how many messages were withheld.
    public func withholdingMessages<T>(datedBefore moment: Date, reason: String, at now: Date, _ body: () throws -> T) throws -> (T, withheld: Int) {
        // Counted from the rows, so a message of a step undone (a settled timer skipped) is not counted.
        let last = try db.queryOne("SELECT coalesce(max(rowid), 0) AS n FROM outbox_withheld")?.int64("n") ?? 0
        engine.withheldHistory.withLock { $0 = MessageWithholding(before: moment, reason: reason, at: now) }
        defer { engine.withheldHistory.withLock { $0 = nil } }
        let result = try body()
        return (result, try db.queryOne("SELECT count(*) AS n FROM outbox_withheld WHERE rowid > ?", last)?.int("n") ?? 0)
    }

    /// Fires, in this transaction and in due order, the pending timers of the instances written
    /// since event `seq` (and of any they open) that fell
    /// due by `now`, each at its own due moment, as `tick` would have (a timer whose event no
    /// longer applies is skipped with the reason). For an import: deadlines that passed before
    /// the records came into Flourish become history, not work for the next tick.
    ///
    /// - Returns: how many timers were settled (fired or skipped).
    public func settleTimers(ofInstancesWrittenAfter seq: Int64, dueBy now: Date) throws -> Int {
        var settled = 0
        // Firing may start timers (or open instances, such as an escalation) that are also past
        // due; each pass takes what is due now of every instance written since `seq`.
        for _ in 0..<1_000 {
            // Only the ids are held (an import of 200,000 pledges settles 270,000 timers); each
            // timer is read again as it comes up, so one an earlier firing of this pass
            // cancelled or restarted is seen to be and passed over.
            var ids: [Int64] = []
            try db.forEachRow("""
                SELECT id FROM timers WHERE status = 'pending' AND due_at <= ?
                AND instance_id IN (SELECT DISTINCT instance_id FROM events WHERE seq > ?) ORDER BY due_at, id
                """, arguments: [now.milliseconds, seq]) { ids.append($0.int64("id") ?? 0) }
            if ids.isEmpty { return settled }
            for timerID in ids {
                guard let row = try db.queryOne("SELECT instance_id, event, due_at FROM timers WHERE id = ? AND status = 'pending'", timerID) else { continue }
                let due = Date(milliseconds: row.int64("due_at") ?? 0)
                do {
                    guard try db.savepoint("settle", { db in
                        guard try WorkflowEngine.claimTimer(db, timerID, at: due) else { return false }
                        _ = try engine.performFire(db, event: row.string("event") ?? "", id: InstanceID(row.string("instance_id") ?? ""), payload: [:],
                                                   actor: .system, expectedVersion: nil, idempotencyKey: nil, at: due)
                        return true
                    }) else { continue }
                } catch let error where !(error is SQLiteError) {
                    try db.run("UPDATE timers SET status = 'skipped', resolved_at = ?, note = ? WHERE id = ? AND status = 'pending'",
                               due.milliseconds, error.localizedDescription, timerID)
                }
                settled += 1
            }
        }
        return settled
    }
}

extension WorkflowEngine {
    /// Runs `body` in one write transaction; a throw undoes everything it did.
    public func batch<T>(_ body: (EngineTransaction) throws -> T) throws -> T {
        try database.write { db in try body(EngineTransaction(db: db, engine: self)) }
    }
}

/// While an import writes: messages of events dated before `before` are withheld (see
/// ``EngineTransaction/withholdingMessages(datedBefore:reason:at:_:)``). Set only inside a
/// write transaction, which holds the one writer, so no other write sees it.
struct MessageWithholding {
    let before: Date
    let reason: String
    let at: Date
}
