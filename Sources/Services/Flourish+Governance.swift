public import Foundation
public import Engine
public import Domain
internal import SQLite

extension Flourish {
    /// The governance graph as JSON: bodies with their kinds and links.
    public func graphJSON() throws -> JSONValue {
        let bodies = try governance.bodies()
        return ["partnership": .string(partnership.key), "name": .string(partnership.name), "topBody": .string(partnership.topBody),
                "bodies": .array(bodies.map { b in
                    ["key": .string(b.key), "name": .string(b.name), "kind": .string(b.kind.rawValue),
                     "reportsTo": .array(b.reportsTo.map(JSONValue.string)), "worksWith": .array(b.worksWith.map(JSONValue.string)),
                     "priority": b.priority.map(JSONValue.string) ?? .null,
                     "functions": .array(b.functions.map { ["key": .string($0.key), "name": .string($0.name)] })]
                })]
    }

    /// The graph as an indented tree.
    public func tree() throws -> String { GovernanceTree.render(try governance.bodies(), top: partnership.topBody) }

    /// Adds a body at run time, checking its priority against the framework. Who may is
    /// decided by the caller (``addBody(key:name:kind:reportsTo:priority:description:by:)-(…,Viewer)``).
    func addBody(key: String, name: String, kind: String, reportsTo: [String], priority: String?, description: String, by person: String) throws -> GovernanceBody {
        if let priority { try framework.checkPriority(priority) }
        return try governance.addBody(key: key, name: name, kind: kind, reportsTo: reportsTo, priority: priority, description: description,
                                      actor: person, at: clock.now())
    }

    /// Retires a body, refused while anything not yet ended belongs to it. Who may is decided
    /// by the caller (the secretariat: ``retireBody(_:reason:by:)-(…,Viewer)``).
    func retireBody(_ key: String, reason: String, by person: String) throws {
        try governance.retireBody(key, reason: reason, openWork: { db in try self.openWork(of: key, db: db) }, actor: person, at: clock.now())
    }

    /// Instances not yet ended whose `group` or `body` is `body`.
    func openWork(of body: String, db: Connection) throws -> [String] {
        let rows = try db.query("""
            SELECT id, workflow, workflow_version, state FROM instances
            WHERE json_extract(data, '$.group') = ? OR json_extract(data, '$.body') = ? ORDER BY num
            """, body, body)
        return try rows.compactMap { row in
            let definition = try engine.definition(row.string("workflow") ?? "", version: row.int("workflow_version") ?? 1)
            return definition.isFinal(row.string("state") ?? "") ? nil : row.string("id")
        }
    }

    /// Who a person acts as at a body: themselves when they are a member of it, or, for the
    /// secretariat, themselves on the body's behalf (recorded so in the audit log).
    public func actor(_ person: String, at body: String?) throws -> Actor {
        guard body != nil else { return Actor(person) }
        return try database.read { db in try Self.actor(person, at: body, in: db) }
    }

    /// Who `person` acts as at `body`, as ``actor(_:at:)``, read within `db`'s transaction.
    static func actor(_ person: String, at body: String?, in db: Connection) throws -> Actor {
        guard let body else { return Actor(person) }
        if try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND body = ? AND role <> 'secretariat' AND ended_at IS NULL LIMIT 1", person, body) != nil {
            return Actor(person)
        }
        if try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND role = 'secretariat' AND ended_at IS NULL LIMIT 1", person) != nil {
            return Actor(person, onBehalfOf: body)
        }
        return Actor(person)
    }
}
