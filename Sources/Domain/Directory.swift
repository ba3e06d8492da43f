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
    /// A name that cannot be one, and why.
    case invalidName(String)
    case unknownRole(String)
    case membershipExists(person: String, body: String, role: String)
    case noSuchMembership(person: String, body: String, role: String)
    case organisationExists(String)
    case unknownOrganisation(String, valid: [String])
    case unknownSector(String, valid: [String])

    public var code: String {
        switch self {
        case .personExists: return "person-exists"
        case .unknownPerson: return "unknown-person"
        case .invalidPersonID: return "invalid-person-id"
        case .invalidEmail: return "invalid-email"
        case .emptyName: return "empty-name"
        case .invalidName: return "invalid-name"
        case .unknownRole: return "unknown-role"
        case .membershipExists: return "membership-exists"
        case .noSuchMembership: return "no-such-membership"
        case .organisationExists: return "organisation-exists"
        case .unknownOrganisation: return "unknown-organisation"
        case .unknownSector: return "unknown-sector"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .personExists(let id): return "There is already a person \(id); choose another identifier for the new person."
        case .unknownPerson(let id): return "There is no person \(id). Add them first with `flourish person add \(id) --name NAME`."
        case .invalidPersonID(let id): return "\"\(id)\" cannot be a person's identifier: use lower-case letters, digits, dots and hyphens, starting with a letter (e.g. sam.jones)."
        case .invalidEmail(let email): return "\"\(email)\" is not an email address; write it like name@example.org."
        case .emptyName: return "A person needs a name."
        case .invalidName(let why): return "The person's name \(why)."
        case .unknownRole(let role): return "\"\(role)\" is not a membership role; use one of: \(MembershipRole.allCases.map(\.rawValue).joined(separator: ", "))."
        case .membershipExists(let person, let body, let role): return "\(person) is already \(role) of \(body)."
        case .noSuchMembership(let person, let body, let role): return "\(person) is not \(role) of \(body); see 'flourish member list'."
        case .organisationExists(let key): return "There is already an organisation \(key)."
        case .unknownOrganisation(let key, let valid):
            return "There is no organisation \"\(key)\"." + (valid.isEmpty ? " Add it first with `flourish member-org add`." : " Organisations: \(valid.joined(separator: ", ")).")
        case .unknownSector(let key, let valid): return "\"\(key)\" is not a sector; use one of: \(valid.joined(separator: ", "))."
        }
    }
}

/// A person who acts in the partnership.
public struct Person: Sendable, Equatable {
    public let id: String
    public let name: String
    public let email: String?
    /// The organisation they work for, if recorded.
    public var organisation: String? = nil
}

/// A member organisation of the partnership, with its sector.
public struct MemberOrganisation: Sendable, Equatable {
    public let key: String
    public let name: String
    public let sector: String?
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
    public func addPerson(id: String, name: String, email: String?, organisation: String? = nil, actor: String = "system", at: Date) throws -> Person {
        guard id.range(of: PledgingOrganisations.userNamePattern, options: .regularExpression) != nil else { throw DirectoryError.invalidPersonID(id) }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DirectoryError.emptyName }
        guard !name.hasControlCharacter(allowingLineBreaks: false), !name.hasNewline else { throw DirectoryError.invalidName(String.controlCharacterProblem) }
        if let email, FieldSpec(name: "email", kind: .email, isRequired: true).problem(with: .string(email)) != nil {
            throw DirectoryError.invalidEmail(email)
        }
        return try database.write { db in
            if try db.queryOne("SELECT 1 FROM people WHERE id = ?", id) != nil { throw DirectoryError.personExists(id) }
            if let organisation, try db.queryOne("SELECT 1 FROM organisations WHERE key = ?", organisation) == nil {
                throw DirectoryError.unknownOrganisation(organisation, valid: try db.query("SELECT key FROM organisations ORDER BY key").compactMap { $0.string("key") })
            }
            try db.run("INSERT INTO people (id, name, email, organisation, created_at) VALUES (?, ?, ?, ?, ?)", id, name, email, organisation, at.milliseconds)
            try GovernanceRegister.log(db, at: at, actor: actor, action: "add-person", detail: id + (organisation.map { " of \($0)" } ?? ""))
            return Person(id: id, name: name, email: email, organisation: organisation)
        }
    }

    /// Everyone, by identifier.
    public func people() throws -> [Person] {
        try database.read { db in
            try db.query("SELECT id, name, email, organisation FROM people ORDER BY id").map {
                Person(id: $0.string("id") ?? "", name: $0.string("name") ?? "", email: $0.string("email"), organisation: $0.string("organisation"))
            }
        }
    }

    /// One person, if they are in the directory.
    public func person(_ id: String) throws -> Person? {
        try database.read { db in try Self.person(id, in: db) }
    }

    /// One person, if they are in the directory, read within `db`'s transaction.
    public static func person(_ id: String, in db: Connection) throws -> Person? {
        try db.queryOne("SELECT id, name, email, organisation FROM people WHERE id = ?", id).map {
            Person(id: $0.string("id") ?? "", name: $0.string("name") ?? "", email: $0.string("email"), organisation: $0.string("organisation"))
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

    /// Ends a person's role in a body; the membership stays in the history with its end date.
    public func endMembership(person: String, body: String, role: String, actor: String = "system", at: Date) throws {
        try database.write { db in
            try db.run("UPDATE memberships SET ended_at = ? WHERE person_id = ? AND body = ? AND role = ? AND ended_at IS NULL", at.milliseconds, person, body, role)
            guard db.changes == 1 else { throw DirectoryError.noSuchMembership(person: person, body: body, role: role) }
            try GovernanceRegister.log(db, at: at, actor: actor, action: "end-membership", detail: "\(person) as \(role) of \(body)")
        }
    }

    /// Adds a member organisation; its sector must be one of the partnership's.
    public func addOrganisation(key: String, name: String, sector: String?, sectors: [String], actor: String = "system", at: Date) throws -> MemberOrganisation {
        guard key.range(of: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", options: .regularExpression) != nil else { throw GovernanceError.invalidKey(key) }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DirectoryError.emptyName }
        if let sector, !sectors.contains(sector) { throw DirectoryError.unknownSector(sector, valid: sectors) }
        return try database.write { db in
            if try db.queryOne("SELECT 1 FROM organisations WHERE key = ?", key) != nil { throw DirectoryError.organisationExists(key) }
            try db.run("INSERT INTO organisations (key, name, sector, created_at) VALUES (?, ?, ?, ?)", key, name, sector, at.milliseconds)
            try GovernanceRegister.log(db, at: at, actor: actor, action: "add-organisation", detail: "\(key) (\(name))" + (sector.map { ", \($0)" } ?? ""))
            return MemberOrganisation(key: key, name: name, sector: sector)
        }
    }

    /// Member organisations, by key.
    public func organisations() throws -> [MemberOrganisation] {
        try database.read { db in
            try db.query("SELECT key, name, sector FROM organisations ORDER BY key").map {
                MemberOrganisation(key: $0.string("key") ?? "", name: $0.string("name") ?? "", sector: $0.string("sector"))
            }
        }
    }

    /// Active memberships (of one person, or everyone's), by body then person.
    public func memberships(of person: String? = nil) throws -> [Membership] {
        try database.read { db in try Self.memberships(of: person, in: db) }
    }

    /// Active memberships as ``memberships(of:)``, read within `db`'s transaction.
    public static func memberships(of person: String?, in db: Connection) throws -> [Membership] {
        // Two statements, not `(? IS NULL OR person_id = ?)`: with the OR, SQLite reads every
        // active membership rather than one person's through the index.
        let rows = try person.map { try db.query("SELECT person_id, body, role FROM memberships WHERE person_id = ? AND ended_at IS NULL ORDER BY body, role", $0) }
            ?? db.query("SELECT person_id, body, role FROM memberships WHERE ended_at IS NULL ORDER BY body, role, person_id")
        return rows.compactMap { row in
            MembershipRole(rawValue: row.string("role") ?? "").map { Membership(person: row.string("person_id") ?? "", body: row.string("body") ?? "", role: $0) }
        }
    }
}
