public import Foundation
public import Domain
internal import Engine
internal import SQLite

/// One person who speaks for a pledging organisation.
public struct OrganisationContact: Sendable, Equatable {
    public let person: String
    public let name: String
    public let email: String?
    /// The contact the secretariat writes to first; there is always one while there are contacts.
    public let isMain: Bool
    public let hasAccount: Bool
    /// Whether an invitation to choose a password is waiting to be used.
    public let isInvited: Bool
}

/// Why a change to an organisation's contacts was refused.
public enum ContactError: Error, Equatable, Sendable, LocalizedError {
    case notAContact(person: String, organisation: String)
    case mainContact(String)
    case lastContact(String)
    case alreadyAContact(String)

    public var errorDescription: String? {
        switch self {
        case .notAContact(let p, let o): return "\(p) is not a contact of \(o)."
        case .mainContact(let p): return "\(p) is the main contact: hand that over to another contact first."
        case .lastContact(let o): return "\(o) needs at least one contact: invite another before removing this one."
        case .alreadyAContact(let email): return "Someone with the email address \(email) is already a contact of this organisation."
        }
    }
}

extension Flourish {
    // MARK: - An organisation's contacts

    /// An organisation's contacts, the main one first: for its contacts and the secretariat.
    public func contacts(of organisation: String, for viewer: Viewer) throws -> [OrganisationContact] {
        guard policy.speaksFor(organisation: organisation, viewer: viewer) else { throw RegistrationError.unknownOrganisation(organisation) }
        return try database.read { db in try Self.contacts(of: organisation, at: clock.now(), db: db) }
    }

    static func contacts(of organisation: String, at now: Date, db: Connection) throws -> [OrganisationContact] {
        let main = try db.queryOne("SELECT main_contact FROM organisations WHERE key = ?", organisation)?.string("main_contact")
        let rows = try db.query("""
            SELECT p.id, p.name, p.email, p.created_at, a.person_id IS NOT NULL AS has_account,
                   EXISTS (SELECT 1 FROM account_links l WHERE l.person_id = p.id AND l.purpose = 'invitation' AND l.used_at IS NULL AND l.expires_at > ?) AS invited
            FROM people p LEFT JOIN accounts a ON a.person_id = p.id
            WHERE p.organisation = ? AND p.erased_at IS NULL ORDER BY p.created_at, p.id
            """, now.milliseconds, organisation)
        // With none named, the first contact (the one who registered) is the main one.
        let mainID = rows.contains { $0.string("id") == main } ? main : rows.first?.string("id")
        let contacts = rows.map { row in
            OrganisationContact(person: row.string("id") ?? "", name: row.string("name") ?? "", email: row.string("email"), isMain: row.string("id") == mainID,
                                hasAccount: (row.int("has_account") ?? 0) != 0, isInvited: (row.int("invited") ?? 0) != 0)
        }
        return contacts.filter(\.isMain) + contacts.filter { !$0.isMain }
    }

    /// A contact invites a colleague as another contact of their organisation (or the
    /// secretariat does): the colleague joins the directory with a user name made from their
    /// name, and is emailed an invitation to choose a password (7 days).
    public func inviteColleague(to organisation: String, name: String, email: String, by viewer: Viewer, siteURL: String) throws -> OrganisationContact {
        guard policy.speaksFor(organisation: organisation, viewer: viewer), let inviter = viewer.person else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "invite a contact of \(organisation)", allowed: ["its contacts", "the secretariat"])
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines), email = email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 300, !name.contains(where: \.isNewline) else {
            throw RegistrationError.invalid(field: "contact name", reason: "should be one line of at most 300 characters")
        }
        guard Flourish.isEmailAddress(email) else {
            throw RegistrationError.invalid(field: "contact email", reason: "should be an email address such as name@example.org")
        }
        let now = clock.now()
        let person = try database.write { db -> String in
            guard let organisationName = try db.queryOne("SELECT name FROM organisations WHERE key = ? AND kind IS NOT NULL", organisation)?.string("name") else {
                throw RegistrationError.unknownOrganisation(organisation)
            }
            if try db.queryOne("SELECT 1 FROM people WHERE organisation = ? AND lower(email) = lower(?) AND erased_at IS NULL", organisation, email) != nil {
                throw ContactError.alreadyAContact(email)
            }
            let person = try Self.newPersonID(from: name, db: db)
            // Sent none of the organisation's mail until they accept (MembershipAuthorizer.addresses).
            try db.run("INSERT INTO people (id, name, email, organisation, created_at, awaiting_acceptance) VALUES (?, ?, ?, ?, ?, 1)", person, name, email, organisation, now.milliseconds)
            try GovernanceRegister.log(db, at: now, actor: inviter, action: "invite-contact", detail: "\(person) of \(organisation)")
            try sendInvitation(to: person, name: name, email: email, because: "\(viewer.name) has added you as a contact of \(organisationName) for the FLOURISH Pledge",
                               siteURL: siteURL, at: now, db: db)
            return person
        }
        return try contacts(of: organisation, for: viewer).first { $0.person == person }
            ?? OrganisationContact(person: person, name: name, email: email, isMain: false, hasAccount: false, isInvited: true)
    }

    /// Removes a contact from an organisation (themselves, another contact, or by the
    /// secretariat). The main contact must hand over first, and the last cannot go. The person
    /// stays in the directory (their history names them); if they hold no other role their
    /// account is disabled, ending their sessions and tokens.
    public func removeContact(_ person: String, from organisation: String, by viewer: Viewer) throws {
        guard policy.speaksFor(organisation: organisation, viewer: viewer), let actor = viewer.person else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "remove a contact of \(organisation)", allowed: ["its contacts", "the secretariat"])
        }
        let now = clock.now()
        try database.write { db in
            let contacts = try Self.contacts(of: organisation, at: now, db: db)
            guard let contact = contacts.first(where: { $0.person == person }) else { throw ContactError.notAContact(person: person, organisation: organisation) }
            guard contacts.count > 1 else { throw ContactError.lastContact(organisation) }
            guard !contact.isMain else { throw ContactError.mainContact(person) }
            try db.run("UPDATE people SET organisation = NULL WHERE id = ?", person)
            try db.run("DELETE FROM sessions WHERE person_id = ?", person)
            try db.run("UPDATE account_links SET used_at = ? WHERE person_id = ? AND purpose = 'invitation' AND used_at IS NULL", now.milliseconds, person)
            if try db.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND ended_at IS NULL", person) == nil {
                // A reset link asked for while a contact no longer lets them in, either.
                try Accounts.endAccess(of: person, at: now, db: db)
            }
            try GovernanceRegister.log(db, at: now, actor: actor, action: "remove-contact", detail: "\(person) from \(organisation)")
        }
    }

    /// Hands the main contact of an organisation over to another of its contacts.
    public func handOverMainContact(of organisation: String, to person: String, by viewer: Viewer) throws {
        guard policy.speaksFor(organisation: organisation, viewer: viewer), let actor = viewer.person else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "hand over the main contact of \(organisation)", allowed: ["its contacts", "the secretariat"])
        }
        let now = clock.now()
        try database.write { db in
            guard try Self.contacts(of: organisation, at: now, db: db).contains(where: { $0.person == person }) else {
                throw ContactError.notAContact(person: person, organisation: organisation)
            }
            try db.run("UPDATE organisations SET main_contact = ? WHERE key = ?", person, organisation)
            try GovernanceRegister.log(db, at: now, actor: actor, action: "hand-over-main-contact", detail: "\(organisation) to \(person)")
        }
    }

    // MARK: - Invitations

    /// The secretariat invites a person already in the directory (a chair, a board member, a
    /// colleague in the secretariat, an imported contact) to choose a password: an email with a
    /// single-use link (7 days). Sending again replaces the earlier invitation.
    public func invite(_ person: String, by viewer: Viewer, siteURL: String) throws {
        try requireSecretariat(viewer, doing: "invite \(person)")
        let now = clock.now()
        try database.write { db in
            guard let row = try db.queryOne("SELECT name, email FROM people WHERE id = ? AND erased_at IS NULL", person) else { throw AccountError.unknownPerson(person) }
            guard let email = row.string("email") else { throw AccountError.noEmail(person) }
            try db.run("UPDATE account_links SET used_at = ? WHERE person_id = ? AND purpose = 'invitation' AND used_at IS NULL", now.milliseconds, person)
            try sendInvitation(to: person, name: row.string("name") ?? person, email: email,
                               because: "\(viewer.name) of the Alliance secretariat has invited you to the FLOURISH Pledge and partnership site",
                               siteURL: siteURL, at: now, db: db)
            try GovernanceRegister.log(db, at: now, actor: viewer.person ?? "", action: "invite", detail: person)
        }
    }

    /// The secretariat invites someone new to a role in the partnership (a chair, a board
    /// member, someone in the secretariat): they join the directory with a user name made from
    /// their name, take up the membership, and are emailed an invitation to choose a password.
    ///
    /// - Returns: the new person's user name.
    public func invitePerson(name: String, email: String, body: String, role: String, by viewer: Viewer, siteURL: String) throws -> String {
        try requireSecretariat(viewer, doing: "invite someone")
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines), email = email.trimmingCharacters(in: .whitespacesAndNewlines)
        // Everything is checked before anything is written, so a refusal leaves nothing behind.
        guard MembershipRole(rawValue: role) != nil else { throw DirectoryError.unknownRole(role) }
        let bodies = try governance.bodies().map(\.key)
        guard bodies.contains(body) else { throw GovernanceError.unknownBody(body, valid: bodies) }
        guard !name.isEmpty, name.count <= 300, !name.contains(where: \.isNewline) else { throw DirectoryError.emptyName }
        guard FieldSpec(name: "email", kind: .email, isRequired: true).problem(with: .string(email)) == nil else { throw DirectoryError.invalidEmail(email) }
        let person = try database.read { db in try Self.newPersonID(from: name, db: db) }
        _ = try directory.addPerson(id: person, name: name, email: email, actor: viewer.person ?? "", at: clock.now())
        _ = try directory.addMembership(person: person, body: body, role: role, actor: viewer.person ?? "", at: clock.now())
        try invite(person, by: viewer, siteURL: siteURL)
        return person
    }

    /// The secretariat invites every imported contact who has no account yet; returns who.
    public func inviteContactsWithoutAccounts(of organisations: [String], by viewer: Viewer, siteURL: String) throws -> [String] {
        let people = try database.read { db in
            try organisations.flatMap { key in
                try db.query("SELECT p.id FROM people p LEFT JOIN accounts a ON a.person_id = p.id WHERE p.organisation = ? AND a.person_id IS NULL AND p.email IS NOT NULL AND p.erased_at IS NULL ORDER BY p.id", key)
                    .compactMap { $0.string("id") }
            }
        }
        for person in people { try invite(person, by: viewer, siteURL: siteURL) }
        return people
    }

    /// The secretariat disables an account (its sessions end, its tokens are revoked) or enables it again.
    public func setAccountDisabled(_ person: String, _ disabled: Bool, by viewer: Viewer) throws {
        try requireSecretariat(viewer, doing: "\(disabled ? "disable" : "enable") \(person)'s account")
        if disabled { try accounts.disable(person, at: clock.now()) } else { try accounts.enable(person) }
        try database.write { db in try GovernanceRegister.log(db, at: clock.now(), actor: viewer.person ?? "", action: disabled ? "disable-account" : "enable-account", detail: person) }
    }

    private func sendInvitation(to person: String, name: String, email: String, because reason: String, siteURL: String, at now: Date, db: Connection) throws {
        let token = try accounts.makeLink(.invitation, person: person, at: now, db: db)
        try accounts.queueMessage(template: "invitation", to: email, subject: "You are invited to the FLOURISH Pledge site", body: """
            Hello \(name),

            \(reason). Your user name is \(person).

            To choose your password and sign in, open this link within \(AccountLinkPurpose.invitation.lifetimeInWords):

            \(siteURL + AccountLinkPurpose.invitation.path + "?token=" + token)

            If you were not expecting this, ignore this email.
            """, at: now, db: db)
    }

    /// A user name made from a person's name ("Alex O'Neil" → "alex.oneil"), numbered when taken.
    static func newPersonID(from name: String, db: Connection) throws -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let words = folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) && $0 != "'" }.map { $0.filter { $0 != "'" } }.filter { !$0.isEmpty }
        var base = words.prefix(3).joined(separator: ".")
        if base.first?.isLetter != true { base = "contact" + (base.isEmpty ? "" : "." + base) }
        base = String(base.prefix(56))
        var candidate = base, n = 2
        while try db.queryOne("SELECT 1 FROM people WHERE id = ?", candidate) != nil || candidate.range(of: PledgingOrganisations.userNamePattern, options: .regularExpression) == nil {
            candidate = "\(base)-\(n)"; n += 1
            if n > 10_000 { throw AccountError.unknownPerson(name) }
        }
        return candidate
    }
}

extension Flourish {
    /// Whether `text` is an email address, by the same rule as a workflow's `email` fields.
    public static func isEmailAddress(_ text: String) -> Bool {
        FieldSpec(name: "email", kind: .email, isRequired: true).problem(with: .string(text)) == nil
    }
}
