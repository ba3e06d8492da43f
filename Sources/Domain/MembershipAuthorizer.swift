public import Engine
public import SQLite
internal import Foundation

/// Decides who may do what from the governance memberships.
///
/// Roles come from active memberships (a secretariat membership of any body makes a person
/// the secretariat). Relations are between a person and one instance: its organisation's
/// contacts (as the directory has them now), the chair of its group, the chair and members of the body it waits on or is addressed to, its owner.
public struct MembershipAuthorizer: Authorizer {
    /// Bodies whose members count as board members.
    public let boardBodies: Set<String>
    /// The partnership, for who may decide at each body; nil allows chairs and vice-chairs.
    public let partnership: Partnership?

    public init(boardBodies: Set<String> = [], partnership: Partnership? = nil) {
        self.boardBodies = boardBodies
        self.partnership = partnership
    }

    /// The roles that may decide at `body` for `instance` (a body function such as the
    /// Commissioning Executive narrows them to its own role).
    func deciderRoles(at body: String, instance: Instance, db: Connection) throws -> [String] {
        if let function = instance.data["function"]?.stringValue,
           let restricted = partnership?.body(body)?.functions.first(where: { $0.key == function })?.restrictedToRole {
            return [restricted]
        }
        guard let partnership else { return ["chair", "vice-chair"] }
        let kind = try db.queryOne("SELECT kind FROM bodies WHERE key = ?", body)?.string("kind").flatMap(BodyKind.init(rawValue:))
        // Who decides follows the principles the escalation started under.
        let principles = try PrinciplesRegister.principles(db, version: instance.data["principlesVersion"]?.intValue, partnership: partnership)
        return principles.decidersByBody[body] ?? kind.flatMap { principles.decidersByKind[$0] } ?? principles.decidersDefault
    }

    /// Whether `actor` is the secretariat acting on behalf of `body`.
    func actsForBody(_ actor: Actor, _ body: String?, db: Connection) throws -> Bool {
        guard let body, actor.onBehalfOf == body else { return false }
        return try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND role = 'secretariat' AND ended_at IS NULL LIMIT 1", actor.id) != nil
    }

    public func holds(_ authority: Authority, actor: Actor, instance: Instance, db: Connection) throws -> Bool {
        if actor.id == Actor.system.id { return authority == .role("system") }
        switch authority {
        case .role("system"): return false
        case .role("board-member"):
            guard !boardBodies.isEmpty else { return false }
            let bodies = try activeBodies(of: actor.id, roles: ["chair", "vice-chair", "member", "commissioner"], db: db)
            return !bodies.isDisjoint(with: boardBodies)
        case .role(let role):
            return try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND role = ? AND ended_at IS NULL LIMIT 1", actor.id, role) != nil
        case .relation("organisation-contact"):
            // The directory says who speaks for an organisation now: a colleague invited later
            // acts on its pledges, and a contact removed no longer does. (The record's own
            // `contacts` says who they were when it started.)
            guard let organisation = instance.data["organisation"]?.stringValue else { return Self.ids(instance.data["contacts"]).contains(actor.id) }
            return try db.queryOne("SELECT 1 FROM people WHERE id = ? AND organisation = ? AND erased_at IS NULL", actor.id, organisation) != nil
        case .relation("group-chair"):
            guard let group = instance.data["group"]?.stringValue else { return false }
            if try actsForBody(actor, group, db: db) { return true }
            return try isMember(actor.id, of: group, as: Self.chairRoles, db: db)
        case .relation("body-chair"):
            guard let body = instance.data["body"]?.stringValue else { return false }
            if try actsForBody(actor, body, db: db) { return true }
            return try isMember(actor.id, of: body, as: Self.chairRoles, db: db)
        case .relation("body-member"):
            guard let body = instance.data["body"]?.stringValue else { return false }
            if try actsForBody(actor, body, db: db) { return true }
            return try isMember(actor.id, of: body, as: Self.memberRoles, db: db)
        case .relation("body-decider"):
            guard let body = instance.data["body"]?.stringValue else { return false }
            if try actsForBody(actor, body, db: db) { return true }
            return try isMember(actor.id, of: body, as: deciderRoles(at: body, instance: instance, db: db), db: db)
        case .relation("owner"): return instance.data["owner"]?.stringValue == actor.id
        case .relation("raiser"): return instance.data["raisedBy"]?.stringValue == actor.id
        case .relation: return false
        }
    }

    public func addresses(for recipient: Recipient, instance: Instance, db: Connection) throws -> [String] {
        let people: [String]
        switch recipient {
        case .field(let field):
            return instance.data[field]?.stringValue.map { [$0] } ?? []
        case .role(let role):
            people = try db.query("SELECT DISTINCT person_id FROM memberships WHERE role = ? AND ended_at IS NULL ORDER BY person_id", role).compactMap { $0.string("person_id") }
        case .relation("organisation-contact"):
            if let organisation = instance.data["organisation"]?.stringValue {
                people = try PledgingOrganisations.contactsReceivingMail(of: organisation, db: db)
            } else {
                people = Self.ids(instance.data["contacts"])
            }
        case .relation("group-chair"):
            let group = instance.data["group"]?.stringValue ?? ""
            people = try db.query("SELECT DISTINCT person_id FROM memberships WHERE body = ? AND role IN ('chair', 'vice-chair') AND ended_at IS NULL ORDER BY person_id", group).compactMap { $0.string("person_id") }
        case .relation("body-chair"):
            let body = instance.data["body"]?.stringValue ?? ""
            people = try db.query("SELECT DISTINCT person_id FROM memberships WHERE body = ? AND role IN ('chair', 'vice-chair') AND ended_at IS NULL ORDER BY person_id", body).compactMap { $0.string("person_id") }
        case .relation("body-decider"), .relation("body-member"):
            let body = instance.data["body"]?.stringValue ?? ""
            let roles = recipient == .relation("body-decider") ? try deciderRoles(at: body, instance: instance, db: db) : ["chair", "vice-chair", "member", "commissioner"]
            let placeholders = roles.map { _ in "?" }.joined(separator: ", ")
            people = try db.query("SELECT DISTINCT person_id FROM memberships WHERE body = ? AND ended_at IS NULL AND role IN (\(placeholders)) ORDER BY person_id",
                                  arguments: [body] + roles).compactMap { $0.string("person_id") }
        case .relation("owner"): people = Self.ids(instance.data["owner"])
        case .relation("raiser"): people = Self.ids(instance.data["raisedBy"])
        case .relation: people = []
        }
        return try people.compactMap { id in
            try db.queryOne("SELECT email FROM people WHERE id = ? AND erased_at IS NULL", id)?.string("email")
        }
    }

    /// The roles of a group's chair.
    static let chairRoles = ["chair", "vice-chair"]
    /// Every role that makes a person one of a body's members (the secretariat serves a body
    /// but is not one of its members).
    static let memberRoles = MembershipRole.allCases.map(\.rawValue).filter { $0 != "secretariat" }
    /// Whether `person` holds one of `roles` at `body` now: one row looked up by the body's index.
    private func isMember(_ person: String, of body: String, as roles: [String], db: Connection) throws -> Bool {
        let sql = roles == Self.chairRoles ? Self.chairQuery : roles == Self.memberRoles ? Self.memberQuery : Self.membershipQuery(roles)
        return try !db.query(sql, arguments: [body, person] + roles).isEmpty
    }

    static func membershipQuery(_ roles: [String]) -> String {
        "SELECT 1 FROM memberships WHERE body = ? AND person_id = ? AND ended_at IS NULL AND role IN (\(roles.map { _ in "?" }.joined(separator: ", "))) LIMIT 1"
    }
    /// The two queries asked in nearly every check, built once.
    static let chairQuery = membershipQuery(chairRoles), memberQuery = membershipQuery(memberRoles)

    private func activeBodies(of person: String, roles: [String], db: Connection) throws -> Set<String> {
        let placeholders = roles.map { _ in "?" }.joined(separator: ", ")
        let rows = try db.query("SELECT body FROM memberships WHERE person_id = ? AND ended_at IS NULL AND role IN (\(placeholders))",
                                arguments: [person] + roles)
        return Set(rows.compactMap { $0.string("body") })
    }

    static func ids(_ value: JSONValue?) -> [String] {
        if let s = value?.stringValue { return [s] }
        return value?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
