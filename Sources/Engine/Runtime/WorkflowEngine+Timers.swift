public import Foundation
internal import SQLite

/// A timer that fell due and what became of it.
public struct FiredTimer: Sendable, Equatable {
    public let timerID: Int64
    public let instanceID: InstanceID
    public let name: String
    public let event: String
    public let dueAt: Date
    /// True when the event fired; false when it no longer applied (the note says why).
    public let fired: Bool
    public let note: String
}

/// A timer waiting to fall due.
public struct PendingTimer: Sendable, Equatable {
    public let timerID: Int64
    public let instanceID: InstanceID
    public let name: String
    public let event: String
    public let dueAt: Date
}

extension WorkflowEngine {
    /// Fires every timer due at or before `now` (the clock's now by default), each exactly once.
    ///
    /// Timers are taken in due order in batches, each batch in one transaction that marks
    /// the timer and fires its event together: two tickers never fire one timer twice, and a
    /// tick killed half way loses nothing. A timer whose event no longer applies (the
    /// instance moved on) is marked skipped with the reason. Events fired here carry the
    /// moment the timer fell due, so a year simulated in one tick reads as it would have
    /// happened; timers they start that are already due fire in the same tick, and timers
    /// they cancel or restart are passed over (``claimTimer(_:_:at:)``).
    public func tick(now: Date? = nil, batchSize: Int = 500) throws -> [FiredTimer] {
        let now = now ?? clock.now()
        var all: [FiredTimer] = []
        while true {
            let (taken, batch): (Int, [FiredTimer]) = try database.write { db in
                let rows = try db.query("SELECT id, instance_id, name, event, due_at FROM timers WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
                                        now.milliseconds, batchSize)
                return (rows.count, try rows.compactMap { row in
                    let timerID = row.int64("id") ?? 0
                    let id = InstanceID(row.string("instance_id") ?? "")
                    let due = Date(milliseconds: row.int64("due_at") ?? 0)
                    let event = row.string("event") ?? ""
                    do {
                        guard try db.savepoint("timer", { db in
                            guard try Self.claimTimer(db, timerID, at: due) else { return false }
                            _ = try self.performFire(db, event: event, id: id, payload: [:], actor: .system, expectedVersion: nil, idempotencyKey: nil, at: due)
                            return true
                        }) else { return nil }
                        return FiredTimer(timerID: timerID, instanceID: id, name: row.string("name") ?? "", event: event, dueAt: due, fired: true, note: "")
                    } catch let error where !(error is SQLiteError) {
                        // The event no longer applies (or a hook refused it): record why; a
                        // database error instead ends the tick with nothing of this batch done.
                        let note = error.localizedDescription
                        try db.run("UPDATE timers SET status = 'skipped', resolved_at = ?, note = ? WHERE id = ?", due.milliseconds, note, timerID)
                        return FiredTimer(timerID: timerID, instanceID: id, name: row.string("name") ?? "", event: event, dueAt: due, fired: false, note: note)
                    }
                })
            }
            if taken == 0 { break }
            for timer in batch where timer.fired { observations.timerLatenessSeconds.observe(max(0, now.timeIntervalSince(timer.dueAt))) }
            all += batch
        }
        return all
    }

    /// Marks a pending timer fired at its due moment, in the caller's transaction; false when
    /// it is no longer pending. A batch of due timers is read before any of them fires, and an
    /// earlier one's transition may cancel or restart a later one (a missed deadline cancels
    /// its reminder): that one is passed over, not fired, as it would have been had each
    /// fired on time.
    static func claimTimer(_ db: Connection, _ timerID: Int64, at due: Date) throws -> Bool {
        try db.run("UPDATE timers SET status = 'fired', resolved_at = ? WHERE id = ? AND status = 'pending'", due.milliseconds, timerID)
        return db.changes == 1
    }

    /// Timers still waiting, soonest first; of one instance when given.
    public func pendingTimers(instance: InstanceID? = nil, limit: Int = 100) throws -> [PendingTimer] {
        try database.read { db in
            let rows = instance == nil
                ? try db.query("SELECT * FROM timers WHERE status = 'pending' ORDER BY due_at, id LIMIT ?", limit)
                : try db.query("SELECT * FROM timers WHERE status = 'pending' AND instance_id = ? ORDER BY due_at, id LIMIT ?", instance!.rawValue, limit)
            return rows.map { PendingTimer(timerID: $0.int64("id") ?? 0, instanceID: InstanceID($0.string("instance_id") ?? ""),
                                           name: $0.string("name") ?? "", event: $0.string("event") ?? "", dueAt: Date(milliseconds: $0.int64("due_at") ?? 0)) }
        }
    }
}
