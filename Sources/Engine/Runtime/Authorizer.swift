internal import Foundation
public import SQLite

/// Decides who holds a role or relation, and who a notification reaches.
///
/// The engine asks; the domain answers from the governance memberships. Answers are given
/// inside the engine's transaction, on its connection, so they see the same snapshot.
public protocol Authorizer: Sendable {
    /// Whether `actor` holds `authority` for `instance` (whose data may be a proposed start).
    func holds(_ authority: Authority, actor: Actor, instance: Instance, db: Connection) throws -> Bool
    /// The email addresses a notification for `recipient` goes to.
    func addresses(for recipient: Recipient, instance: Instance, db: Connection) throws -> [String]
}

/// The words a person reads for a key held in an instance's data, for notifications: an
/// organisation's name for its key, a person's name for their id. The engine asks inside its
/// transaction; nil leaves the value as it is.
public protocol DisplayNames: Sendable {
    func name(of field: String, value: String, db: Connection) throws -> String?
}

/// An authorizer that allows only the engine's own timers and a fixed set of role holders.
///
/// Used by tests and by tools that run before the governance data exists.
public struct StaticAuthorizer: Authorizer {
    /// Role name → the actor ids holding it.
    public let roles: [String: Set<String>]
    /// Relation name → the instance data field naming the actor(s) in it.
    public let relationFields: [String: String]
    /// Actor id → email address.
    public let emails: [String: String]

    public init(roles: [String: Set<String>] = [:], relationFields: [String: String] = [:], emails: [String: String] = [:]) {
        self.roles = roles
        self.relationFields = relationFields
        self.emails = emails
    }

    public func holds(_ authority: Authority, actor: Actor, instance: Instance, db: Connection) throws -> Bool {
        switch authority {
        case .role("system"): return actor.id == Actor.system.id
        case .role(let role): return roles[role]?.contains(actor.id) ?? false
        case .relation(let relation):
            guard let field = relationFields[relation], let value = instance.data[field] else { return false }
            if let s = value.stringValue { return s == actor.id }
            return value.arrayValue?.contains(.string(actor.id)) ?? false
        }
    }

    public func addresses(for recipient: Recipient, instance: Instance, db: Connection) throws -> [String] {
        switch recipient {
        case .role(let role): return (roles[role] ?? []).sorted().compactMap { emails[$0] }
        case .relation(let relation):
            guard let field = relationFields[relation], let value = instance.data[field] else { return [] }
            let ids = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
            return ids.compactMap { emails[$0] }
        case .field(let field): return instance.data[field]?.stringValue.map { [$0] } ?? []
        }
    }
}
