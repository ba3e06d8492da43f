public import Foundation
public import Domain
internal import Engine
internal import SQLite

/// A registration waiting for its contact to confirm their email address.
public struct PendingRegistration: Sendable, Equatable {
    /// Where the confirmation link was sent.
    public let email: String
    public let expiresAt: Date
}

extension Flourish {
    // MARK: - Registering an organisation

    /// An organisation registering itself, first step: everything is checked as if it were
    /// registered now, but nothing is written except the registration waiting for its email to
    /// be confirmed (its details, with the password already hashed) and an email to the contact
    /// with a single-use link, through the outbox. The organisation exists, and the secretariat
    /// sees it, only once the link is followed (``confirmRegistration(token:)``); a registration
    /// not confirmed within 48 hours is removed, with its email, keeping nothing.
    ///
    /// - Parameters:
    ///   - address: the client's address, for the rate limit.
    ///   - siteURL: the site's own address, for the link (never the request's Host header).
    /// - Throws: ``RegistrationError`` or ``AccountError/weakPassword(_:)`` or
    ///   ``WorkflowError/invalidField(event:field:reason:)`` for a field at fault, or
    ///   ``RegistrationProblems`` holding every one when there are more;
    ///   ``AccountError/tooManyRequests(what:seconds:)`` past 5 registrations an hour from one
    ///   address or 3 a day for one email address.
    public func requestRegistration(_ r: OrganisationRegistration, password: String, passwordConfirmation: String? = nil,
                                    from address: String, siteURL: String) throws -> PendingRegistration {
        let now = clock.now()
        let limits = [(RateLimit.registrationsPerAddress, address), (RateLimit.registrationsPerEmail, Accounts.emailSubject(r.contactEmail))]
        try database.read { db in
            for (limit, subject) in limits {
                if let wait = try accounts.wait(limit, subject, at: now, db: db) { throw AccountError.tooManyRequests(what: "registrations", seconds: wait) }
            }
        }
        // Every form checked counts, refused or not: what the checks say (a user name taken)
        // is then no list of user names.
        try database.write { db in
            if let wait = try accounts.wait(.registrationAttemptsPerAddress, address, at: now, db: db) {
                throw AccountError.tooManyRequests(what: "registrations", seconds: wait)
            }
            try accounts.count([(.registrationAttemptsPerAddress, address)], at: now, db: db)
        }
        // Every problem at once (told one at a time, a person fixed the form four times over);
        // one problem is thrown as itself.
        let userName = r.contactUserName ?? ""
        var problems: [any Error] = try database.read { db -> [any Error] in
            var found: [any Error] = try PledgingOrganisations.problems(r, kinds: partnership.organisationKinds.map(\.key), districts: partnership.districts.map(\.key),
                                                                        sizeBands: partnership.sizeBands.map(\.key), db: db)
            if userName.isEmpty { found.append(RegistrationError.invalid(field: "user name", reason: "is required")) }
            else if !found.contains(where: { ($0 as? RegistrationError)?.field == "user name" }),
                    try accounts.userNameIsPending(userName, otherThan: r.contactEmail, at: now, db: db) {
                found.append(RegistrationError.invalid(field: "user name", reason: "is already taken: choose another"))
            }
            return found
        }
        if !problems.contains(where: { ["contact name", "contact email"].contains(($0 as? RegistrationError)?.field ?? "") }) {
            do {
                try checkStartFields(of: "scheme-membership", ["contactName": .string(r.contactName.trimmingCharacters(in: .whitespacesAndNewlines)),
                                                                "contactEmail": .string(r.contactEmail)])
            } catch { problems.append(error) }
        }
        if let problem = accounts.passwordPolicy.problem(with: password, person: userName, names: [r.contactName, r.name]) { problems.append(AccountError.weakPassword(problem)) }
        if let passwordConfirmation, passwordConfirmation != password { problems.append(RegistrationProblems.passwordsDiffer) }
        if problems.count == 1 { throw problems[0] }
        if !problems.isEmpty { throw RegistrationProblems(problems: problems) }
        let hashed = try PasswordHashing.hash(password)
        let details: JSONValue = ["name": .string(r.name), "kind": .string(r.kind), "district": .string(r.district), "sizeBand": .string(r.sizeBand),
                                  "postcode": r.postcode.map(JSONValue.string) ?? .null, "companyNumber": r.companyNumber.map(JSONValue.string) ?? .null,
                                  "contactName": .string(r.contactName), "contactEmail": .string(r.contactEmail), "userName": .string(userName),
                                  "passwordHash": .string(hashed)]
        try database.write { db in
            // Checked again inside the write: two requests at once cannot both pass the limit.
            for (limit, subject) in limits {
                if let wait = try accounts.wait(limit, subject, at: now, db: db) { throw AccountError.tooManyRequests(what: "registrations", seconds: wait) }
            }
            try accounts.withdrawPendingRegistrations(userName: userName, email: r.contactEmail, at: now, db: db)
            let token = try accounts.makeLink(.verifyRegistration, person: nil, userName: userName, registration: details, at: now, db: db)
            let link = siteURL + AccountLinkPurpose.verifyRegistration.path + "?token=" + token
            let message = try accounts.queueMessage(
                template: "confirm-registration", to: r.contactEmail, subject: "Confirm your email address for the FLOURISH Pledge",
                body: """
                Hello \(r.contactName.trimmingCharacters(in: .whitespacesAndNewlines)),

                To finish registering \(r.name.trimmingCharacters(in: .whitespacesAndNewlines)) for the FLOURISH Pledge, confirm your email address by opening this link within \(AccountLinkPurpose.verifyRegistration.lifetimeInWords):

                \(link)

                Your user name is \(userName).

                If you did not register, ignore this email: the registration is removed after \(AccountLinkPurpose.verifyRegistration.lifetimeInWords) and nothing is kept.
                """, at: now, db: db)
            try db.run("UPDATE account_links SET message_id = ? WHERE digest = ?", message, Accounts.digest(token))
            try accounts.count(limits, at: now, db: db)
        }
        return PendingRegistration(email: r.contactEmail, expiresAt: now.addingTimeInterval(AccountLinkPurpose.verifyRegistration.lifetime))
    }

    /// An organisation registering itself, second step: the contact followed the link, so the
    /// organisation, the contact, their account (with the password they chose) and the
    /// membership are written together, and the link is used up in the same transaction.
    ///
    /// - Returns: the organisation and the contact, to sign them in.
    /// - Throws: ``AccountError/linkNotLive(_:)`` for a link used, expired or never made;
    ///   ``RegistrationError`` when the organisation or user name was registered meanwhile.
    public func confirmRegistration(token: String) throws -> (organisation: OrganisationView, person: String) {
        let now = clock.now()
        let accounts = self.accounts
        guard let link = try database.read({ try accounts.liveLink(token, for: .verifyRegistration, at: now, db: $0) }),
              let d = link.registration, let userName = d["userName"]?.stringValue, let hashed = d["passwordHash"]?.stringValue else {
            throw AccountError.linkNotLive(.verifyRegistration)
        }
        let r = OrganisationRegistration(name: d["name"]?.stringValue ?? "", kind: d["kind"]?.stringValue ?? "", district: d["district"]?.stringValue ?? "",
                                         sizeBand: d["sizeBand"]?.stringValue ?? "", postcode: d["postcode"]?.stringValue, companyNumber: d["companyNumber"]?.stringValue,
                                         contactName: d["contactName"]?.stringValue ?? "", contactEmail: d["contactEmail"]?.stringValue ?? "", contactUserName: userName)
        let view = try registerOrganisation(r, by: userName, idempotencyKey: nil) { db, contact, at in
            // Used up in the registration's own transaction: a second click finds it used.
            guard try accounts.liveLink(token, for: .verifyRegistration, at: at, db: db) != nil else { throw AccountError.linkNotLive(.verifyRegistration) }
            try Accounts.insertAccount(person: contact, passwordHash: hashed, at: at, db: db)
            try accounts.useLink(link, at: at, db: db)
            try db.run("UPDATE account_links SET registration = NULL WHERE digest = ?", link.digest)
        }
        return (view, userName)
    }

    /// Checks values against a workflow's start fields, as starting it would.
    func checkStartFields(of workflow: String, _ values: [String: JSONValue]) throws {
        guard let definition = library.definitions.last(where: { $0.name == workflow }) else { return }
        for field in definition.startFields {
            if let value = values[field.name], let problem = field.problem(with: value) {
                throw WorkflowError.invalidField(event: "start", field: field.name, reason: problem)
            }
        }
    }

    // MARK: - Forgotten password

    /// Someone forgot their password: if `nameOrEmail` is the user name or email address of an
    /// account that is not disabled, a single-use link to choose a new one (for 2 hours) goes
    /// to its email address. The caller is told the same whether or not there is such an
    /// account, and an account is sent at most 3 links an hour (further requests send nothing
    /// and say the same).
    ///
    /// - Throws: ``AccountError/tooManyRequests(what:seconds:)`` past 5 requests an hour from one address.
    public func requestPasswordReset(for nameOrEmail: String, from address: String, siteURL: String) throws {
        let now = clock.now()
        let asked = nameOrEmail.trimmingCharacters(in: .whitespacesAndNewlines)
        try database.write { db in
            if let wait = try accounts.wait(.resetsPerAddress, address, at: now, db: db) { throw AccountError.tooManyRequests(what: "password reset requests", seconds: wait) }
            try accounts.count([(.resetsPerAddress, address)], at: now, db: db)
            guard !asked.isEmpty, asked.count <= 254 else { return }
            let people = try db.query("""
                SELECT p.id, p.name, p.email FROM people p JOIN accounts a ON a.person_id = p.id
                WHERE (p.id = lower(?) OR lower(p.email) = lower(?)) AND p.erased_at IS NULL AND a.disabled_at IS NULL AND p.email IS NOT NULL
                ORDER BY p.id LIMIT 5
                """, asked, asked)
            for row in people {
                guard let person = row.string("id"), let email = row.string("email") else { continue }
                if try accounts.wait(.resetsPerAccount, person, at: now, db: db) != nil { continue }
                try accounts.count([(.resetsPerAccount, person)], at: now, db: db)
                let token = try accounts.makeLink(.resetPassword, person: person, at: now, db: db)
                try accounts.queueMessage(template: "reset-password", to: email, subject: "Reset your FLOURISH password", body: """
                    Hello \(row.string("name") ?? person),

                    Someone (we hope you) asked to reset the password of your FLOURISH account. Your user name is \(person).

                    To choose a new password, open this link within \(AccountLinkPurpose.resetPassword.lifetimeInWords):

                    \(siteURL + AccountLinkPurpose.resetPassword.path + "?token=" + token)

                    Choosing a new password signs you out everywhere. If you did not ask, ignore this email: your password has not changed.
                    """, at: now, db: db)
            }
        }
    }

    /// Sets a new password through a reset link: the link is used up, every session of the
    /// person ends, and (when asked) their API tokens are revoked.
    ///
    /// - Returns: the person, to sign them in with a fresh session.
    public func resetPassword(token: String, to password: String, revokingTokens: Bool) throws -> String {
        try setPasswordThroughLink(token, .resetPassword, password: password, revokingTokens: revokingTokens)
    }

    /// The organisation and user name a live confirmation link would register, for the page
    /// that asks to confirm it (the page named neither).
    public func registrationAwaiting(token: String) -> (organisation: String, userName: String)? {
        guard let link = try? database.read({ try accounts.liveLink(token, for: .verifyRegistration, at: clock.now(), db: $0) }),
              let details = link.registration else { return nil }
        return (details["name"]?.stringValue ?? "", details["userName"]?.stringValue ?? "")
    }

    /// What is wrong with a password chosen through a live link (nil: it will do, or the link
    /// is not live), without setting it: for a form that has found another problem too, so
    /// every problem is said at once.
    public func passwordProblem(_ password: String, throughLink token: String, _ purpose: AccountLinkPurpose) -> String? {
        guard let person = try? accounts.linkPerson(token, for: purpose, at: clock.now()) else { return nil }
        return try? accounts.passwordProblem(password, for: person)
    }

    /// Someone invited chooses their password: their account is made (or its password set),
    /// and the invitation is used up.
    ///
    /// - Returns: the person, to sign them in.
    public func acceptInvitation(token: String, password: String) throws -> String {
        try setPasswordThroughLink(token, .invitation, password: password, revokingTokens: false)
    }

    private func setPasswordThroughLink(_ token: String, _ purpose: AccountLinkPurpose, password: String, revokingTokens: Bool) throws -> String {
        let now = clock.now()
        guard let link = try database.read({ try accounts.liveLink(token, for: purpose, at: now, db: $0) }), let person = link.person else {
            throw AccountError.linkNotLive(purpose)
        }
        let hashed = try accounts.checkedHash(password, for: person)
        try database.write { db in
            guard try accounts.liveLink(token, for: purpose, at: now, db: db) != nil else { throw AccountError.linkNotLive(purpose) }
            // A disabled account is not reset back into use (disabling also uses its links up).
            if purpose == .resetPassword, try db.queryOne("SELECT 1 FROM accounts WHERE person_id = ? AND disabled_at IS NOT NULL", person) != nil {
                throw AccountError.linkNotLive(purpose)
            }
            try Accounts.replacePassword(person: person, passwordHash: hashed, at: now, db: db)
            if purpose == .invitation {
                try db.run("UPDATE accounts SET disabled_at = NULL WHERE person_id = ?", person)
                try db.run("UPDATE people SET awaiting_acceptance = 0 WHERE id = ?", person)
            }
            if revokingTokens { try db.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL", now.milliseconds, person) }
            try accounts.useLink(link, at: now, db: db)
        }
        return person
    }

    // MARK: - Changing a password

    /// A signed-in person changes their own password: the current one must be right (wrong
    /// guesses count as failed sign-ins from that address), every session ends, and their API
    /// tokens are revoked when they say so.
    ///
    /// - Returns: how many tokens were revoked.
    public func changePassword(of viewer: Viewer, current: String, to new: String, revokingTokens: Bool, from address: String) throws -> Int {
        guard let person = viewer.person else { throw AccountError.noAccount("a visitor") }
        let now = clock.now()
        try checkCurrentPassword(current, of: person, from: address, at: now)
        let hashed = try accounts.checkedHash(new, for: person)
        return try database.write { db in
            try Accounts.replacePassword(person: person, passwordHash: hashed, at: now, db: db)
            guard revokingTokens else { return 0 }
            try db.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL", now.milliseconds, person)
            return db.changes
        }
    }

    /// Checks a person's current password, throttled like a sign-in.
    private func checkCurrentPassword(_ password: String, of person: String, from address: String, at now: Date) throws {
        // A sign-in with the right password opens a session; here only the answer is wanted.
        guard let session = try accounts.signIn(person: person, password: password, from: address, at: now) else { throw AccountError.wrongPassword }
        try accounts.endSession(session)
    }
}

/// Several problems with one registration form, every one found, in the form's order.
public struct RegistrationProblems: Error, LocalizedError {
    /// Each a ``RegistrationError``, an ``AccountError`` (the password), a ``WorkflowError``
    /// (a field's own rule) or ``passwordsDiffer``.
    public let problems: [any Error]

    /// The password and its confirmation differ.
    public static let passwordsDiffer = RegistrationError.invalid(field: "password confirmation", reason: "is not the same as the password: type it again")

    public var errorDescription: String? { problems.map(\.localizedDescription).joined(separator: " ") }
}
