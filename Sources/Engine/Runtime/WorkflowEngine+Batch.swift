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

    /// Fires an event as `actor` at `at`.
    @discardableResult
    public func fire(_ event: String, on id: InstanceID, payload: [String: JSONValue] = [:], computed: [String: JSONValue] = [:], actor: Actor, at: Date) throws -> Instance {
        try engine.performFire(db, event: event, id: id, payload: payload, computed: computed, actor: actor, expectedVersion: nil, idempotencyKey: nil, at: at).instance
    }
}

extension WorkflowEngine {
    /// Runs `body` in one write transaction; a throw undoes everything it did.
    public func batch<T>(_ body: (EngineTransaction) throws -> T) throws -> T {
        try database.write { db in try body(EngineTransaction(db: db, engine: self)) }
    }
}
