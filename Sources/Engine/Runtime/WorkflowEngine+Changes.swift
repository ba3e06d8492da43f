public import Foundation
import SQLite

/// What the event log says changed after one event: the ground for figures kept up to date
/// rather than rebuilt. Every change to an instance comes with an event (a start, a
/// transition, a redaction, a migration), so the instances named by the events after `seq`,
/// read as they are now, are every instance that differs from what a reader saw at `seq`.
public struct EngineChanges: Sendable {
    /// The last event now: pass it as `since` next time.
    public let through: Int64
    /// The instances of the workflows asked for that changed (or started) after `since`, as
    /// they are now, oldest first (by the order they were started). All of them when `since` is 0.
    public let instances: [Instance]
    /// The events after `since` of the instances of `eventsOf` (all of their events when
    /// `since` is 0), oldest first.
    public let events: [EventRecord]
    /// Whether an event after `since` redacted an instance of `eventsOf`, rewriting payloads
    /// of its earlier events: its history must be read again whole.
    public let redacted: Set<InstanceID>
}

extension WorkflowEngine {
    /// The changes after event `since` to instances of `workflows` (and the events of
    /// `eventsOf`), in one read transaction; `since` 0 reads every such instance. `narrowing`
    /// keeps, of a workflow, only the instances whose data field (one that never changes, such
    /// as a pledge's year) has the value given.
    ///
    /// `startingIn` limits the first reading (`since` 0) of a workflow to instances in the
    /// states given (a wall starts from approved pledges only); later changes are every
    /// instance that changed, whatever its state, since a change may take it out of them.
    ///
    /// With `eachInstance`, the instances are handed to it one at a time, oldest first, rather
    /// than returned together (`instances` is then empty): a first reading of every record of a
    /// large partnership then needs one decoded instance at a time, not tens of megabytes of them.
    public func changes(since: Int64, of workflows: Set<String>, eventsOf: Set<String> = [],
                        narrowing: [String: (field: String, equals: Int64)] = [:], startingIn: [String: [String]] = [:],
                        eachInstance: ((Instance) throws -> Void)? = nil) throws -> EngineChanges {
        try database.read { db in
            let through = try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
            func kept(_ instance: Instance) -> Bool {
                guard let n = narrowing[instance.workflow] else { return true }
                return instance.data[n.field]?.intValue.map(Int64.init) == n.equals
            }
            var instances: [Instance] = [], events: [EventRecord] = [], redacted: Set<InstanceID> = []
            if since == 0 {
                // A narrowed workflow is narrowed in SQL, so only the instances kept are decoded.
                var clauses: [String] = [], arguments: [any SQLiteBindable] = []
                for workflow in workflows.sorted() {
                    var clause = "workflow = ?"
                    arguments.append(workflow)
                    if let n = narrowing[workflow] {
                        clause += " AND \(Self.dataFieldSQL(n.field)) = ?"
                        arguments.append(n.equals)
                    }
                    if let states = startingIn[workflow] {
                        clause += " AND state IN (\(states.map { _ in "?" }.joined(separator: ", ")))"
                        arguments += states as [any SQLiteBindable]
                    }
                    clauses.append("(" + clause + ")")
                }
                if !clauses.isEmpty {
                    try db.forEachRow("SELECT * FROM instances WHERE \(clauses.joined(separator: " OR ")) ORDER BY num", arguments: arguments) { row in
                        let instance = try decodeInstance(row)
                        if let eachInstance { try eachInstance(instance) } else { instances.append(instance) }
                    }
                }
                let historied = eventsOf.sorted()
                if !historied.isEmpty {
                    let marks = historied.map { _ in "?" }.joined(separator: ", ")
                    try db.forEachRow("SELECT e.* FROM events e JOIN instances i ON i.id = e.instance_id WHERE i.workflow IN (\(marks)) AND e.seq <= ? ORDER BY e.seq",
                                      arguments: historied + [through] as [any SQLiteBindable]) { row in events.append(try decodeEvent(row)) }
                }
                return EngineChanges(through: through, instances: instances, events: events, redacted: [])
            }
            var changed: [String] = [], seen: Set<String> = []
            try db.forEachRow("SELECT e.*, i.workflow AS instance_workflow FROM events e JOIN instances i ON i.id = e.instance_id WHERE e.seq > ? AND e.seq <= ? ORDER BY e.seq",
                              arguments: [since, through]) { row in
                let id = row.string("instance_id") ?? "", workflow = row.string("instance_workflow") ?? ""
                if workflows.contains(workflow), seen.insert(id).inserted { changed.append(id) }
                if eventsOf.contains(workflow) {
                    let event = try decodeEvent(row)
                    events.append(event)
                    if event.event == "redact" { redacted.insert(event.instanceID) }
                }
            }
            // Oldest first: an instance started after `since` sorts by when it started, after every older one.
            var loaded: [(num: Int64, instance: Instance)] = []
            for id in changed {
                guard let row = try db.queryOne("SELECT * FROM instances WHERE id = ?", id) else { continue }
                let instance = try decodeInstance(row)
                if kept(instance) { loaded.append((row.int64("num") ?? 0, instance)) }
            }
            instances = loaded.sorted { $0.num < $1.num }.map(\.instance)
            if let eachInstance {
                for instance in instances { try eachInstance(instance) }
                instances = []
            }
            return EngineChanges(through: through, instances: instances, events: events, redacted: redacted)
        }
    }
}
