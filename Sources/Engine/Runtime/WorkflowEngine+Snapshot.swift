public import Foundation
import SQLite

/// Every instance of some workflows as they stood at one moment, with the events that got
/// them there: what reports and dashboards are built from.
public struct EngineSnapshot: Sendable {
    /// The moment it shows.
    public let moment: Date
    /// Instances by workflow, oldest first.
    public let instances: [String: [Instance]]
    /// Each instance's events up to the moment, oldest first (for the workflows asked for).
    public let events: [InstanceID: [EventRecord]]

    public func of(_ workflow: String) -> [Instance] { instances[workflow] ?? [] }
    public func history(_ id: InstanceID) -> [EventRecord] { events[id] ?? [] }
}

extension WorkflowEngine {
    /// Instances of `workflows` now (`asOf` nil), or as they stood at `asOf`, rebuilt from the
    /// event log; with the events of `eventsOf` too. One read transaction, so the picture is consistent.
    ///
    /// Rebuilt instances carry the definition version they have now (reports do not use it).
    public func snapshot(of workflows: [String], eventsOf: Set<String> = [], asOf: Date? = nil) throws -> EngineSnapshot {
        try database.read { db in
            let moment = asOf ?? self.clock.now()
            let marks = workflows.map { _ in "?" }.joined(separator: ", ")
            var current: [Instance] = []
            for row in try db.query("SELECT * FROM instances WHERE workflow IN (\(marks)) ORDER BY num", arguments: workflows) {
                current.append(try self.decodeInstance(row))
            }
            let wanted = asOf == nil ? Array(eventsOf) : workflows
            var events: [InstanceID: [EventRecord]] = [:]
            if !wanted.isEmpty {
                let eventMarks = wanted.map { _ in "?" }.joined(separator: ", ")
                var sql = "SELECT e.* FROM events e JOIN instances i ON i.id = e.instance_id WHERE i.workflow IN (\(eventMarks))"
                var arguments: [any SQLiteBindable] = wanted
                if let asOf { sql += " AND e.occurred_at <= ?"; arguments.append(asOf.milliseconds) }
                for row in try db.query(sql + " ORDER BY e.seq", arguments: arguments) {
                    let event = try self.decodeEvent(row)
                    events[event.instanceID, default: []].append(event)
                }
            }
            var byWorkflow: [String: [Instance]] = [:]
            for instance in current {
                if asOf != nil {
                    guard let history = events[instance.id], !history.isEmpty else { continue }  // not started yet
                    byWorkflow[instance.workflow, default: []].append(WorkflowEngine.replay(history, base: instance, startVersion: instance.workflowVersion))
                } else {
                    byWorkflow[instance.workflow, default: []].append(instance)
                }
            }
            if asOf != nil {
                let workflowOf = Dictionary(current.map { ($0.id, $0.workflow) }, uniquingKeysWith: { a, _ in a })
                events = events.filter { id, _ in eventsOf.contains(workflowOf[id] ?? "") }
            }
            return EngineSnapshot(moment: moment, instances: byWorkflow, events: events)
        }
    }
}
