public import Foundation
public import SQLite
internal import Engine

/// An organisation signing up to the FLOURISH Pledge.
public struct OrganisationRegistration: Sendable, Equatable {
    public var name: String
    public var kind: String
    /// A district key, or "outside" for an organisation outside the partnership's area.
    public var district: String
    public var sizeBand: String
    public var postcode: String?
    public var companyNumber: String?
    public var contactName: String
    public var contactEmail: String
    /// The user name the contact chose when registering themselves; nil gives them a
    /// `contact-N` id (registrations made by the secretariat or an import).
    public var contactUserName: String?

    public init(name: String, kind: String, district: String, sizeBand: String, postcode: String? = nil, companyNumber: String? = nil,
                contactName: String, contactEmail: String, contactUserName: String? = nil) {
        self.contactUserName = contactUserName
        self.name = name
        self.kind = kind
        self.district = district
        self.sizeBand = sizeBand
        self.postcode = postcode
        self.companyNumber = companyNumber
        self.contactName = contactName
        self.contactEmail = contactEmail
    }
}

/// A registered pledging organisation as stored (contact details are in `people`).
public struct PledgingOrganisation: Sendable, Equatable {
    public let key: String
    public let name: String
    public let kind: String?
    public let district: String?
    public let sizeBand: String?
    public let postcode: String?
    public let companyNumber: String?
    public let contacts: [String]
}

/// Why a registration was refused. Nothing was written.
public enum RegistrationError: Error, Equatable, Sendable, LocalizedError {
    case alreadyRegistered(existing: String, name: String, by: String)
    case invalid(field: String, reason: String)
    case unknownOrganisation(String)

    public var code: String {
        switch self {
        case .alreadyRegistered: return "already-registered"
        case .invalid: return "invalid-field"
        case .unknownOrganisation: return "unknown-organisation"
        }
    }

    public var field: String? { if case .invalid(let f, _) = self { return f } else { return nil } }

    public var errorDescription: String? {
        switch self {
        case .alreadyRegistered(let existing, let name, let by):
            return "\(name) is already registered as \(existing) (same \(by)). Use that organisation, or ask the secretariat to update it."
        case .invalid(let field, let reason): return "The \(field) \(reason)."
        case .unknownOrganisation(let key): return "There is no pledging organisation \(key); see 'flourish org list'."
        }
    }
}

/// Pledging organisations: the registration rule (one registration per organisation) lives here.
public enum PledgingOrganisations {
    /// A UK postcode once normalised (outward code, one space, inward code), as GOV.UK's
    /// pattern reads it; "GIR 0AA" too. A registration's postcode is checked against it.
    static let postcodePattern = "^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|GIR 0AA)$"

    /// Normalises a UK postcode for comparison: upper case, single inner space.
    public static func normalisedPostcode(_ text: String?) -> String? {
        guard let text else { return nil }
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard compact.count > 3 else { return compact.isEmpty ? nil : compact }
        return String(compact.dropLast(3)) + " " + String(compact.suffix(3))
    }

    /// Checks a registration against the partnership's lists and the organisations already
    /// registered, writing nothing (a registration waiting for its email to be confirmed is
    /// checked now and again when it is confirmed).
    ///
    /// - Throws: ``RegistrationError/invalid(field:reason:)`` for a field at fault, or
    ///   ``RegistrationError/alreadyRegistered(existing:name:by:)`` for a second registration of
    ///   the same organisation (same name and postcode, or same company number).
    public static func check(_ r: OrganisationRegistration, kinds: [String], districts: [String], sizeBands: [String], db: Connection) throws {
        if let first = try problems(r, kinds: kinds, districts: districts, sizeBands: sizeBands, db: db).first { throw first }
    }

    /// Every problem with a registration, in the form's order, all at once (a person told one
    /// at a time fixed a form four times over); a second registration of an organisation is
    /// looked for only when its name, postcode and company number are themselves fine.
    public static func problems(_ r: OrganisationRegistration, kinds: [String], districts: [String], sizeBands: [String], db: Connection) throws -> [RegistrationError] {
        var found: [RegistrationError] = []
        func problem(_ field: String, _ reason: String) { if !found.contains(where: { $0.field == field }) { found.append(.invalid(field: field, reason: reason)) } }
        let name = r.name.trimmed
        if name.isEmpty { problem("name", "is required") } else if name.count > 300 { problem("name", "should be at most 300 characters") }
        // Line breaks are refused as such (the contact's name by its field's rule, "a single line").
        for (field, text) in [("name", r.name), ("contact name", r.contactName), ("postcode", r.postcode ?? ""), ("company number", r.companyNumber ?? "")] {
            if text.hasControlCharacter(allowingLineBreaks: true) { problem(field, String.controlCharacterProblem) }
            if field != "contact name" && text.hasNewline { problem(field, "should be a single line") }
        }
        if !kinds.contains(r.kind) { problem("kind", "should be one of: \(kinds.joined(separator: ", "))") }
        if !(districts.contains(r.district) || r.district == "outside") { problem("district", "should be one of: \((districts + ["outside"]).joined(separator: ", "))") }
        if !sizeBands.contains(r.sizeBand) { problem("size band", "should be one of: \(sizeBands.joined(separator: ", "))") }
        let postcode = normalisedPostcode(r.postcode)
        if let postcode, postcode.range(of: Self.postcodePattern, options: .regularExpression) == nil { problem("postcode", "should be a UK postcode, such as NR1 1AA") }
        let company = r.companyNumber?.uppercased().filter { !$0.isWhitespace }
        if let company, !company.isEmpty, company.range(of: "^[A-Z0-9]{2,10}$", options: .regularExpression) == nil {
            problem("company number", "should be letters and digits only, as Companies House writes it (such as 01234567 or SC123456)")
        }
        if r.contactName.trimmed.isEmpty { problem("contact name", "is required") }
        if FieldSpec(name: "email", kind: .email, isRequired: true).problem(with: .string(r.contactEmail)) != nil {
            problem("contact email", "should be an email address such as name@example.org")
        }
        if let userName = r.contactUserName {
            if userName.range(of: Self.userNamePattern, options: .regularExpression) == nil {
                problem("user name", "should start with a letter and use only lower-case letters, digits, dots and hyphens (at most 64)")
            } else if try db.queryOne("SELECT 1 FROM people WHERE id = ?", userName) != nil {
                problem("user name", "is already taken: choose another")
            }
        }
        guard !found.contains(where: { ["name", "postcode", "company number"].contains($0.field ?? "") }) else { return found }
        if let company, !company.isEmpty, let row = try db.queryOne("SELECT key, name FROM organisations WHERE company_number = ?", company) {
            return found + [.alreadyRegistered(existing: row.string("key") ?? "", name: row.string("name") ?? "", by: "company number")]
        }
        if let postcode, let row = try db.queryOne("SELECT key, name FROM organisations WHERE lower(name) = lower(?) AND postcode = ?", name, postcode) {
            return found + [.alreadyRegistered(existing: row.string("key") ?? "", name: row.string("name") ?? "", by: "name and postcode")]
        }
        return found
    }

    /// Checks a registration (``check(_:kinds:districts:sizeBands:db:)``) and writes the
    /// organisation and its contact in the caller's transaction.
    ///
    /// - Returns: the new organisation's key and its contact's person id.
    public static func insert(_ r: OrganisationRegistration, kinds: [String], districts: [String], sizeBands: [String],
                              db: Connection, at: Date, contactID: String? = nil) throws -> (key: String, contact: String) {
        try check(r, kinds: kinds, districts: districts, sizeBands: sizeBands, db: db)
        let name = r.name.trimmed
        let contactName = r.contactName.trimmed
        let postcode = normalisedPostcode(r.postcode)
        let company = r.companyNumber?.uppercased().filter { !$0.isWhitespace }
        var key = slug(name)
        var n = 2
        while try db.queryOne("SELECT 1 FROM organisations WHERE key = ?", key) != nil { key = slug(name) + "-\(n)"; n += 1 }
        try db.run("INSERT INTO organisations (key, name, kind, district, size_band, postcode, company_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   arguments: [key, name, r.kind, r.district, r.sizeBand, postcode, company?.isEmpty == false ? company : nil, at.milliseconds])
        let contact = try r.contactUserName ?? contactID ?? nextContactID(db)
        try db.run("INSERT INTO people (id, name, email, organisation, created_at) VALUES (?, ?, ?, ?, ?)", contact, contactName, r.contactEmail, key, at.milliseconds)
        return (key, contact)
    }

    /// What a person's id (their user name) looks like; the directory checks the same.
    public static let userNamePattern = "^[a-z][a-z0-9.-]{0,63}$"

    /// Hands out contact ids (`contact-N`) for many registrations in one transaction, counting
    /// the existing ones once rather than once per registration (an import of 200,000
    /// organisations would otherwise count 200,000 times).
    public struct ContactIDs: Sendable {
        private var next: Int?
        public init() {}
        public mutating func next(_ db: Connection) throws -> String {
            var m = try next ?? (db.queryOne("SELECT COUNT(*) AS n FROM people WHERE id LIKE 'contact-%'")?.int("n") ?? 0) + 1
            var contact = "contact-\(m)"
            while try db.queryOne("SELECT 1 FROM people WHERE id = ?", contact) != nil { m += 1; contact = "contact-\(m)" }
            next = m + 1
            return contact
        }
    }

    static func nextContactID(_ db: Connection) throws -> String {
        var ids = ContactIDs()
        return try ids.next(db)
    }

    /// A key from a name: lower case words joined by hyphens.
    public static func slug(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let words = folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let joined = words.prefix(8).joined(separator: "-")
        guard let first = joined.first, first.isLetter else { return "org-" + (joined.isEmpty ? "unnamed" : joined) }
        return joined
    }

    /// The contacts an organisation's mail goes to: its contacts in the directory, but not a
    /// colleague invited by another contact who has yet to accept (the address was typed by
    /// someone else, and could be anyone's). The one reading of that rule, for the workflows'
    /// notices and the secretariat's messages alike.
    public static func contactsReceivingMail(of key: String, db: Connection) throws -> [String] {
        try db.query("SELECT id FROM people WHERE organisation = ? AND erased_at IS NULL AND awaiting_acceptance = 0 ORDER BY id", key).compactMap { $0.string("id") }
    }

    /// A pledging organisation by key.
    public static func load(_ key: String, db: Connection) throws -> PledgingOrganisation? {
        guard let row = try db.queryOne("SELECT * FROM organisations WHERE key = ?", key) else { return nil }
        let contacts = try db.query("SELECT id FROM people WHERE organisation = ? ORDER BY id", key).compactMap { $0.string("id") }
        return PledgingOrganisation(key: key, name: row.string("name") ?? "", kind: row.string("kind"), district: row.string("district"),
                                    sizeBand: row.string("size_band"), postcode: row.string("postcode"), companyNumber: row.string("company_number"),
                                    contacts: contacts)
    }
}
