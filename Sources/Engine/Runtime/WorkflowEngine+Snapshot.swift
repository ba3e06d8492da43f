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

    public init(moment: Date, instances: [String: [Instance]], events: [InstanceID: [EventRecord]]) {
        self.moment = moment
        self.instances = instances
        self.events = events
    }

    public func of(_ workflow: String) -> [Instance] { instances[workflow] ?? [] }
    public func history(_ id: InstanceID) -> [EventRecord] { events[id] ?? [] }
}

extension WorkflowEngine {
    /// Instances of `workflows` now (`asOf` nil), or as they stood at `asOf`, rebuilt from the
    /// event log; with the events of `eventsOf` too. One read transaction, so the picture is consistent.
    ///
    /// Rebuilt instances carry the definition version they have now (reports do not use it).
    ///
    /// `narrowing` keeps, of a workflow, only the instances whose data field (one that never
    /// changes, such as a pledge's year) has the value given: a report on one year then decodes
    /// that year's pledges, not every year's.
    public func snapshot(of workflows: [String], eventsOf: Set<String> = [], asOf: Date? = nil,
                         narrowing: [String: (field: String, equals: Int64)] = [:]) throws -> EngineSnapshot {
        try database.read { db in
            let moment = asOf ?? self.clock.now()
            func chosen(_ table: String, _ wanted: [String]) -> (sql: String, arguments: [any SQLiteBindable]) {
                var clauses: [String] = [], arguments: [any SQLiteBindable] = []
                for workflow in wanted {
                    if let n = narrowing[workflow] {
                        clauses.append("(\(table)workflow = ? AND json_extract(\(table)data, '$.' || ?) = ?)")
                        arguments += [workflow, n.field, n.equals] as [any SQLiteBindable]
                    } else {
                        clauses.append("\(table)workflow = ?")
                        arguments.append(workflow)
                    }
                }
                return ("(" + clauses.joined(separator: " OR ") + ")", arguments)
            }
            var current: [Instance] = []
            let which = chosen("", workflows)
            // Row by row: a report over a large partnership reads tens of thousands of instances.
            try db.forEachRow("SELECT * FROM instances WHERE \(which.sql) ORDER BY num", arguments: which.arguments) { row in
                current.append(try self.decodeInstance(row))
            }
            let wanted = asOf == nil ? Array(eventsOf) : workflows
            var events: [InstanceID: [EventRecord]] = [:]
            if !wanted.isEmpty {
                let which = chosen("i.", wanted)
                var sql = "SELECT e.* FROM events e JOIN instances i ON i.id = e.instance_id WHERE \(which.sql)"
                var arguments = which.arguments
                if let asOf { sql += " AND e.occurred_at <= ?"; arguments.append(asOf.milliseconds) }
                try db.forEachRow(sql + " ORDER BY e.seq", arguments: arguments) { row in
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
