public import Foundation

/// The identifier of a workflow instance, e.g. `pledge-12`.
public struct InstanceID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    public static func < (a: InstanceID, b: InstanceID) -> Bool { a.rawValue < b.rawValue }
}

/// Who fires an event: a person's identifier, or the engine itself ("system").
public struct Actor: Sendable, Hashable, CustomStringConvertible {
    /// The acting person's identifier (recorded in the audit log).
    public let id: String
    /// The body (or organisation) on whose behalf they act, when they act for someone else.
    public let onBehalfOf: String?

    public init(_ id: String, onBehalfOf: String? = nil) {
        self.id = id
        self.onBehalfOf = onBehalfOf
    }

    /// The engine's own actor, used when a timer fires.
    public static let system = Actor("system")

    public var description: String { onBehalfOf.map { "\(id) (on behalf of \($0))" } ?? id }
}

/// A workflow instance as it stands.
public struct Instance: Sendable, Equatable {
    public let id: InstanceID
    public let workflow: String
    /// The definition version it runs on.
    public let workflowVersion: Int
    public let state: String
    public let data: [String: JSONValue]
    /// Goes up by one with every event; a caller's expected version must match it.
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date
    /// The instance whose transition opened this one, if any.
    public let parentID: InstanceID?

    public init(id: InstanceID, workflow: String, workflowVersion: Int, state: String, data: [String: JSONValue],
                version: Int, createdAt: Date, updatedAt: Date, parentID: InstanceID?) {
        self.id = id
        self.workflow = workflow
        self.workflowVersion = workflowVersion
        self.state = state
        self.data = data
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.parentID = parentID
    }

    /// The same instance showing only `data` (what a viewer may read of it).
    public func showing(_ data: [String: JSONValue]) -> Instance {
        Instance(id: id, workflow: workflow, workflowVersion: workflowVersion, state: state, data: data, version: version,
                 createdAt: createdAt, updatedAt: updatedAt, parentID: parentID)
    }

    /// The instance as JSON, for `--json` and the API, its times with the partnership's offset.
    public func json(_ time: PartnershipTime) -> JSONValue {
        var out: [String: JSONValue] = [
            "id": .string(id.rawValue), "workflow": .string(workflow), "workflowVersion": .integer(Int64(workflowVersion)),
            "state": .string(state), "data": .object(data), "version": .integer(Int64(version)),
            "createdAt": .string(time.localTimestamp(createdAt)), "updatedAt": .string(time.localTimestamp(updatedAt)),
        ]
        if let parentID { out["parentId"] = .string(parentID.rawValue) }
        return .object(out)
    }
}

/// One event in the log.
public struct EventRecord: Sendable, Equatable {
    public let seq: Int64
    public let instanceID: InstanceID
    /// The instance's version after this event.
    public let instanceVersion: Int
    public let event: String
    public let actor: String
    public let onBehalfOf: String?
    /// Nil for the event that started the instance.
    public let fromState: String?
    public let toState: String
    public let payload: [String: JSONValue]
    public let occurredAt: Date
    public let hash: String
    /// Whether personal data in the payload has been redacted.
    public let isRedacted: Bool

    /// The same event showing only `payload` and no actor: what a viewer who may read only
    /// part of its record sees of it.
    public func showing(_ payload: [String: JSONValue]) -> EventRecord {
        EventRecord(seq: seq, instanceID: instanceID, instanceVersion: instanceVersion, event: event, actor: "", onBehalfOf: nil,
                    fromState: fromState, toState: toState, payload: payload, occurredAt: occurredAt, hash: "", isRedacted: isRedacted)
    }

    /// The event as JSON, its time with the partnership's offset.
    public func json(_ time: PartnershipTime) -> JSONValue {
        var out: [String: JSONValue] = [
            "seq": .integer(seq), "instanceId": .string(instanceID.rawValue), "instanceVersion": .integer(Int64(instanceVersion)),
            "event": .string(event), "actor": .string(actor), "toState": .string(toState), "payload": .object(payload),
            "occurredAt": .string(time.localTimestamp(occurredAt)), "hash": .string(hash), "redacted": .bool(isRedacted),
        ]
        if let onBehalfOf { out["onBehalfOf"] = .string(onBehalfOf) }
        if let fromState { out["fromState"] = .string(fromState) }
        return .object(out)
    }
}

/// What firing an event did.
public struct FireResult: Sendable, Equatable {
    /// The instance after the event.
    public let instance: Instance
    /// The event's position in the log.
    public let eventSeq: Int64
    /// True when an earlier call with the same idempotency key did the work, and this call wrote nothing.
    public let isReplay: Bool
}

/// Whether one event is open to an actor on an instance, and why not when it is not.
public struct EventAvailability: Sendable, Equatable {
    public let event: String
    public let title: String
    public let isAvailable: Bool
    /// Why it is not available (empty when it is).
    public let reason: String
    /// The fields the event takes.
    public let fields: [FieldSpec]
}
