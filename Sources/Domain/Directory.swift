public import Foundation
public import SQLite
internal import Engine

/// Why the directory refused a change. Nothing was written.
public enum DirectoryError: Error, Equatable, Sendable, LocalizedError {
    case personExists(String)
    case unknownPerson(String)
    case invalidPersonID(String)
    case invalidEmail(String)
    case emptyName
    case unknownRole(String)
    case membershipExists(person: String, body: String, role: String)

    public var code: String {
        switch self {
        case .personExists: return "person-exists"
        case .unknownPerson: return "unknown-person"
        case .invalidPersonID: return "invalid-person-id"
        case .invalidEmail: return "invalid-email"
        case .emptyName: return "empty-name"
        case .unknownRole: return "unknown-role"
        case .membershipExists: return "membership-exists"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .personExists(let id): return "There is already a person \(id); choose another identifier or update that person."
        case .unknownPerson(let id): return "There is no person \(id). Add them first with `flourish person add \(id) --name NAME`."
        case .invalidPersonID(let id): return "\"\(id)\" cannot be a person's identifier: use lower-case letters, digits, dots and hyphens, starting with a letter (e.g. sam.jones)."
        case .invalidEmail(let email): return "\"\(email)\" is not an email address; write it like name@example.org."
        case .emptyName: return "A person needs a name."
        case .unknownRole(let role): return "\"\(role)\" is not a membership role; use one of: \(MembershipRole.allCases.map(\.rawValue).joined(separator: ", "))."
        case .membershipExists(let person, let body, let role): return "\(person) is already \(role) of \(body)."
        }
    }
}

/// A person who acts in the partnership.
public struct Person: Sendable, Equatable {
    public let id: String
    public let name: String
    public let email: String?
}

/// A person's role in a body.
public struct Membership: Sendable, Equatable {
    public let person: String
    public let body: String
    public let role: MembershipRole
}

/// People and their memberships of bodies.
public struct Directory: Sendable {
    public let database: Database

    public init(database: Database) throws {
        self.database = database
        try DomainSchema.migrator.migrate(database)
    }

    /// Adds a person; the change is logged with who made it.
    public func addPerson(id: String, name: String, email: String?, actor: String = "system", at: Date) throws -> Person {
        guard id.range(of: "^[a-z][a-z0-9.-]{0,63}$", options: .regularExpression) != nil else { throw DirectoryError.invalidPersonID(id) }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DirectoryError.emptyName }
        if let email, FieldSpec(name: "email", kind: .email, isRequired: true).problem(with: .string(email)) != nil {
            throw DirectoryError.invalidEmail(email)
        }
        return try database.write { db in
            if try db.queryOne("SELECT 1 FROM people WHERE id = ?", id) != nil { throw DirectoryError.personExists(id) }
            try db.run("INSERT INTO people (id, name, email, created_at) VALUES (?, ?, ?, ?)", id, name, email, at.milliseconds)
            try GovernanceRegister.log(db, at: at, actor: actor, action: "add-person", detail: id)
            return Person(id: id, name: name, email: email)
        }
    }

    /// Everyone, by identifier.
    public func people() throws -> [Person] {
        try database.read { db in
            try db.query("SELECT id, name, email FROM people ORDER BY id").map { Person(id: $0.string("id") ?? "", name: $0.string("name") ?? "", email: $0.string("email")) }
        }
    }

    /// Gives a person a role in an active body; the change is logged with who made it.
    public func addMembership(person: String, body: String, role: String, actor: String = "system", at: Date) throws -> Membership {
        guard let role = MembershipRole(rawValue: role) else { throw DirectoryError.unknownRole(role) }
        return try database.write { db in
            guard try db.queryOne("SELECT 1 FROM people WHERE id = ?", person) != nil else { throw DirectoryError.unknownPerson(person) }
            let bodies = try db.query("SELECT key FROM bodies WHERE retired_at IS NULL ORDER BY added_at, rowid").compactMap { $0.string("key") }
            if !bodies.isEmpty && !bodies.contains(body) { throw GovernanceError.unknownBody(body, valid: bodies) }
            if try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND body = ? AND role = ? AND ended_at IS NULL", person, body, role.rawValue) != nil {
                throw DirectoryError.membershipExists(person: person, body: body, role: role.rawValue)
            }
            try db.run("INSERT INTO memberships (person_id, body, role, started_at) VALUES (?, ?, ?, ?)", person, body, role.rawValue, at.milliseconds)
            try GovernanceRegister.log(db, at: at, actor: actor, action: "add-membership", detail: "\(person) as \(role.rawValue) of \(body)")
            return Membership(person: person, body: body, role: role)
        }
    }

    /// Active memberships, by body then person.
    public func memberships() throws -> [Membership] {
        try database.read { db in
            try db.query("SELECT person_id, body, role FROM memberships WHERE ended_at IS NULL ORDER BY body, role, person_id").compactMap { row in
                MembershipRole(rawValue: row.string("role") ?? "").map { Membership(person: row.string("person_id") ?? "", body: row.string("body") ?? "", role: $0) }
            }
        }
    }
}
