public import Foundation
public import SQLite

/// Domain logic a workflow calls by name (a `call` effect), run inside the transaction of
/// the event that triggered it: whatever it does commits or rolls back with that event.
public protocol EffectHook: Sendable {
    /// Carries out the hook; throwing refuses the triggering event and changes nothing.
    func run(_ context: HookContext) throws
}

/// What a hook may see and do: the instance after the event, and the engine's operations
/// on the same connection and transaction.
public struct HookContext {
    /// The instance after the triggering event.
    public let instance: Instance
    /// The event that triggered the hook.
    public let event: String
    /// Who fired it.
    public let actor: Actor
    /// When it happened.
    public let at: Date
    /// The connection of the running transaction.
    public let db: Connection
    let engine: WorkflowEngine
    let seq: Int64

    /// Starts an instance of a workflow as part of this transaction (its start rules are not re-checked).
    @discardableResult
    public func start(_ workflow: String, data: [String: JSONValue]) throws -> Instance {
        try engine.performStart(db, workflow: workflow, data: data, actor: actor, idempotencyKey: nil, at: at, parent: instance.id, checkAuthority: false).instance
    }

    /// Fires an event on another instance as the engine itself (role system), in this transaction.
    @discardableResult
    public func fire(_ event: String, on id: InstanceID, payload: [String: JSONValue] = [:]) throws -> Instance {
        try engine.performFire(db, event: event, id: id, payload: payload, actor: .system, expectedVersion: nil, idempotencyKey: nil, at: at).instance
    }

    /// Loads another instance as it stands inside this transaction.
    public func load(_ id: InstanceID) throws -> Instance { try engine.loadInstance(db, id) }

    /// Instances of `workflow` whose data field `field` equals `value`.
    public func instances(of workflow: String, where field: String, equals value: String) throws -> [Instance] {
        try engine.instances(db, of: workflow, where: field, equals: value)
    }

    /// An instance's events so far in this transaction, oldest first.
    public func events(of id: InstanceID) throws -> [EventRecord] {
        try db.query("SELECT * FROM events WHERE instance_id = ? ORDER BY seq", id.rawValue).map { try engine.decodeEvent($0) }
    }

    /// The working-day and time-zone arithmetic the engine uses.
    public var time: PartnershipTime { engine.time }

    /// Whether a state of an instance's definition is final.
    public func isFinal(_ instance: Instance) throws -> Bool {
        try engine.definition(instance.workflow, version: instance.workflowVersion).isFinal(instance.state)
    }
}

/// Why a hook refused an event, in words for the person who fired it.
public struct HookRefusal: Error, Equatable, Sendable, LocalizedError {
    public let code: String
    public let message: String
    public init(code: String, message: String) { self.code = code; self.message = message }
    public var errorDescription: String? { message }
}
