internal import Foundation
public import SQLite

/// The records checked against the log: the hash chain proves the events were not changed,
/// and this proves the rows built from them were not either.
///
/// Every instance's state, data, version and definition version must be what replaying its
/// events gives; every outbox message must name an event of its own instance; and every
/// event whose transition notifies must have queued its messages (one per notification at
/// least: a message to nobody is kept as "undeliverable"), unless they were withheld on
/// purpose (an import's history, recorded in `outbox_withheld`).
extension WorkflowEngine {
    /// The first record that does not match the event log, or nil when every one does.
    /// Reads through `db`, which may be another file (a backup) with the same schema.
    public func verifyRecords(_ db: Connection) throws -> AuditChain.Problem? {
        if let orphan = try db.queryOne("""
            SELECT o.id, o.event_seq, o.instance_id FROM outbox o
            LEFT JOIN events e ON e.seq = o.event_seq AND e.instance_id IS o.instance_id
            WHERE o.event_seq IS NOT NULL AND e.seq IS NULL ORDER BY o.id LIMIT 1
            """) {
            let seq = orphan.int64("event_seq") ?? 0
            return AuditChain.Problem(kind: .contradicted, seq: seq, record: "outbox message \(orphan.int64("id") ?? 0)",
                                      detail: "it says event \(seq) of \(orphan.string("instance_id") ?? "no instance") queued it, and the log has no such event")
        }
        var queued = Set<String>()
        try db.forEachRow("SELECT event_seq, template FROM outbox WHERE event_seq IS NOT NULL") { row in
            queued.insert("\(row.int64("event_seq") ?? 0) \(row.string("template") ?? "")")
        }
        try db.forEachRow("SELECT event_seq, template FROM outbox_withheld") { row in
            queued.insert("\(row.int64("event_seq") ?? 0) \(row.string("template") ?? "")")
        }
        // Events from before the database learnt to record withheld messages are not checked.
        let checkedAfter = try db.queryOne("SELECT MAX(seq) AS seq FROM outbox_checked_after")?.int64("seq") ?? 0
        var after = ""
        while true {
            let page = try db.query("SELECT * FROM instances WHERE id > ? ORDER BY id LIMIT 1000", after)
            guard let last = page.last else { return nil }
            after = last.string("id") ?? ""
            for row in page {
                let stored = try decodeInstance(row)
                let events = try db.query("SELECT * FROM events WHERE instance_id = ? ORDER BY seq", stored.id.rawValue).map(decodeEvent)
                if let problem = try compare(stored, with: events, queued: queued, checkedAfter: checkedAfter) { return problem }
            }
        }
    }

    private func compare(_ stored: Instance, with events: [EventRecord], queued: Set<String>, checkedAfter: Int64) throws -> AuditChain.Problem? {
        let id = stored.id.rawValue
        guard let lastEvent = events.last else {
            return AuditChain.Problem(kind: .removed, seq: 0, record: id, detail: "it has no events in the log")
        }
        func differs(_ what: String) -> AuditChain.Problem {
            AuditChain.Problem(kind: .contradicted, seq: lastEvent.seq, record: id, detail: "\(what) (its last event is \(lastEvent.seq))")
        }
        var startVersion = stored.workflowVersion
        if let migrate = events.first(where: { $0.event == "migrate" }), let from = migrate.payload["fromVersion"]?.intValue { startVersion = from }
        let replayed = WorkflowEngine.replay(events, base: stored, startVersion: startVersion)
        if stored.state != replayed.state {
            return differs("its state is '\(stored.state)' where its events lead to '\(replayed.state)'")
        }
        if stored.version != replayed.version {
            return differs("it is at version \(stored.version) where its events reach version \(replayed.version)")
        }
        if stored.workflowVersion != replayed.workflowVersion {
            return differs("it runs version \(stored.workflowVersion) of its workflow where its events say version \(replayed.workflowVersion)")
        }
        if stored.data != replayed.data {
            let field = Set(stored.data.keys).union(replayed.data.keys).sorted().first { stored.data[$0] != replayed.data[$0] } ?? "?"
            func shown(_ v: JSONValue?) -> String { v.map { String($0.canonicalString.prefix(60)) } ?? "nothing" }
            return differs("its field '\(field)' holds \(shown(stored.data[field])) where its events give \(shown(replayed.data[field]))")
        }
        // Each notification its transitions declare was queued (or withheld on purpose).
        var version = startVersion
        for event in events {
            if event.event == "migrate" { version = event.payload["toVersion"]?.intValue ?? version; continue }
            guard event.seq > checkedAfter, let definition = registry.definition(stored.workflow, version: version) else { continue }
            let effects = event.fromState == nil ? definition.startEffects
                : definition.transition(for: event.event, from: event.fromState ?? "")?.effects ?? []
            for case .notify(let template, _, _, _) in effects where !queued.contains("\(event.seq) \(template)") {
                return AuditChain.Problem(kind: .removed, seq: event.seq, record: id,
                                          detail: "event \(event.seq) (\(event.event)) queued a '\(template)' message that is no longer in the outbox")
            }
        }
        return nil
    }
}
