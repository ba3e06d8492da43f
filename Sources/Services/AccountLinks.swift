public import Foundation
internal import SQLite
internal import Engine

/// What a single-use link sent by email is for.
public enum AccountLinkPurpose: String, Sendable, CaseIterable {
    /// Confirms the email address of a registration, which waits until then.
    case verifyRegistration = "verify-registration"
    /// Sets a new password for someone who forgot theirs.
    case resetPassword = "reset-password"
    /// Lets someone invited (a colleague, a chair, an imported contact) choose their password.
    case invitation

    /// How long a link lasts: long enough to find the email, short enough that an old inbox
    /// is no key to the account.
    public var lifetime: TimeInterval {
        switch self {
        case .verifyRegistration: return 48 * 3600
        case .resetPassword: return 2 * 3600
        case .invitation: return 7 * 24 * 3600
        }
    }

    /// The lifetime in words, for the email and the pages.
    public var lifetimeInWords: String {
        switch self {
        case .verifyRegistration: return "48 hours"
        case .resetPassword: return "2 hours"
        case .invitation: return "7 days"
        }
    }

    /// Where the link leads, under the site's address.
    public var path: String {
        switch self {
        case .verifyRegistration: return "/register/confirm"
        case .resetPassword: return "/reset-password"
        case .invitation: return "/invitation"
        }
    }
}

/// A live link as read back: whose it is and what it carries.
struct AccountLink: Sendable {
    let digest: String
    let purpose: AccountLinkPurpose
    let person: String?
    let registration: JSONValue?
}

/// A limit on how often something may be asked for, counted per subject (an address, an
/// email address's digest, an account) over a sliding window.
public struct RateLimit: Sendable {
    public let name: String
    public let limit: Int
    public let window: TimeInterval

    /// Registrations from one client address: 5 an hour.
    public static let registrationsPerAddress = RateLimit(name: "register-address", limit: 5, window: 3600)
    /// Registration forms checked for one client address, refused or not: 30 an hour, so the
    /// form's "that user name is taken" cannot be used to list the user names.
    public static let registrationAttemptsPerAddress = RateLimit(name: "register-attempt", limit: 30, window: 3600)
    /// Registrations for one email address: 3 a day.
    public static let registrationsPerEmail = RateLimit(name: "register-email", limit: 3, window: 24 * 3600)
    /// Forgotten-password requests from one client address: 5 an hour.
    public static let resetsPerAddress = RateLimit(name: "reset-address", limit: 5, window: 3600)
    /// Forgotten-password emails to one account: 3 an hour (further requests get the same answer and send nothing).
    public static let resetsPerAccount = RateLimit(name: "reset-account", limit: 3, window: 3600)

    func key(_ subject: String) -> String { name + ":" + subject }
}

extension Accounts {
    /// Makes a single-use link in the caller's transaction; only its digest is kept.
    /// - Returns: the token to put in the link.
    func makeLink(_ purpose: AccountLinkPurpose, person: String?, userName: String? = nil, registration: JSONValue? = nil,
                  at now: Date, db: Connection) throws -> String {
        let token = Self.randomToken()
        try db.run("""
            INSERT INTO account_links (digest, purpose, person_id, user_name, registration, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Self.digest(token), purpose.rawValue, person, userName, registration?.canonicalString,
                             now.milliseconds, now.addingTimeInterval(purpose.lifetime).milliseconds])
        return token
    }

    /// The link a token names, if it is live: made for `purpose`, not used, not expired.
    func liveLink(_ token: String, for purpose: AccountLinkPurpose, at now: Date, db: Connection) throws -> AccountLink? {
        guard token.count <= 100, let row = try db.queryOne("""
            SELECT * FROM account_links WHERE digest = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
            """, Self.digest(token), purpose.rawValue, now.milliseconds) else { return nil }
        return AccountLink(digest: row.string("digest") ?? "", purpose: purpose, person: row.string("person_id"),
                           registration: try row.string("registration").map { try JSONValue.parse($0) })
    }

    /// Whether a token names a live link, for the page that asks to confirm it.
    public func linkIsLive(_ token: String, for purpose: AccountLinkPurpose, at now: Date) throws -> Bool {
        try database.read { try liveLink(token, for: purpose, at: now, db: $0) } != nil
    }

    /// The person a live link is for (a reset or an invitation), to greet them by name.
    public func linkPerson(_ token: String, for purpose: AccountLinkPurpose, at now: Date) throws -> String? {
        try database.read { try liveLink(token, for: purpose, at: now, db: $0)?.person }
    }

    /// Marks a link used, in the caller's transaction; every other live link of the same
    /// purpose for the same person ends with it (an older reset email stops working).
    func useLink(_ link: AccountLink, at now: Date, db: Connection) throws {
        try db.run("UPDATE account_links SET used_at = ? WHERE digest = ?", now.milliseconds, link.digest)
        if let person = link.person {
            try db.run("UPDATE account_links SET used_at = ? WHERE person_id = ? AND purpose = ? AND used_at IS NULL", now.milliseconds, person, link.purpose.rawValue)
        }
    }

    /// Whether a user name is held by a registration waiting for its email to be confirmed,
    /// for someone with another email address. (The same person registering again, having
    /// lost the email, is not held up: ``withdrawPendingRegistrations(userName:email:at:db:)``.)
    func userNameIsPending(_ userName: String, otherThan email: String, at now: Date, db: Connection) throws -> Bool {
        try db.queryOne("""
            SELECT 1 FROM account_links WHERE user_name = ? AND purpose = 'verify-registration' AND used_at IS NULL AND expires_at > ?
            AND lower(json_extract(registration, '$.contactEmail')) <> lower(?)
            """, userName, now.milliseconds, email) != nil
    }

    /// Removes a person's own earlier registration waiting under the same user name and email
    /// address, with its email, when they register again: only the newest link works.
    func withdrawPendingRegistrations(userName: String, email: String, at now: Date, db: Connection) throws {
        let earlier = try db.query("""
            SELECT digest, message_id FROM account_links WHERE user_name = ? AND purpose = 'verify-registration' AND used_at IS NULL
            AND lower(json_extract(registration, '$.contactEmail')) = lower(?)
            """, userName, email)
        for row in earlier {
            if let message = row.int64("message_id") { try db.run("DELETE FROM outbox WHERE id = ? AND instance_id IS NULL AND status = 'pending'", message) }
            try db.run("DELETE FROM account_links WHERE digest = ?", row.string("digest") ?? "")
        }
    }

    /// Removes links that expired or were used more than a day ago. A registration that was
    /// never confirmed goes whole, with its confirmation email from the outbox, so nothing
    /// personal is kept of it. Returns how many registrations were removed.
    @discardableResult
    public func removeExpiredLinks(at now: Date) throws -> Int {
        try database.write { db in
            let expired = try db.query("SELECT digest, message_id FROM account_links WHERE purpose = 'verify-registration' AND used_at IS NULL AND expires_at <= ?",
                                       now.milliseconds)
            for row in expired {
                if let message = row.int64("message_id") { try db.run("DELETE FROM outbox WHERE id = ? AND instance_id IS NULL", message) }
            }
            try db.run("DELETE FROM account_links WHERE expires_at <= ? OR used_at <= ?", now.milliseconds, now.addingTimeInterval(-86_400).milliseconds)
            return expired.count
        }
    }

    /// How many registrations wait for their email to be confirmed.
    public func pendingRegistrationCount(at now: Date) throws -> Int {
        try database.read {
            try $0.queryOne("SELECT count(*) AS n FROM account_links WHERE purpose = 'verify-registration' AND used_at IS NULL AND expires_at > ?", now.milliseconds)?.int("n") ?? 0
        }
    }

    // MARK: - Rate limits

    /// Seconds until `subject` may ask again under `limit`, or nil when it may now.
    func wait(_ limit: RateLimit, _ subject: String, at now: Date, db: Connection) throws -> Int? {
        let since = now.addingTimeInterval(-limit.window).milliseconds
        let times = try db.query("SELECT at FROM rate_limited_requests WHERE key = ? AND at > ? ORDER BY at", limit.key(subject), since).compactMap { $0.int64("at") }
        guard times.count >= limit.limit else { return nil }
        let freed = times[times.count - limit.limit] + Int64(limit.window * 1000)
        return max(1, Int((freed - now.milliseconds + 999) / 1000))
    }

    /// Counts one request against each limit, in the caller's transaction, and forgets old ones.
    func count(_ limits: [(RateLimit, String)], at now: Date, db: Connection) throws {
        for (limit, subject) in limits {
            try db.run("INSERT INTO rate_limited_requests (key, at) VALUES (?, ?)", limit.key(subject), now.milliseconds)
        }
        try db.run("DELETE FROM rate_limited_requests WHERE at < ?", now.addingTimeInterval(-7 * 24 * 3600).milliseconds)
    }

    /// The digest an email address is counted by, so the count keeps no address.
    static func emailSubject(_ email: String) -> String { SHA256.hex(email.trimmingCharacters(in: .whitespaces).lowercased()) }

    /// Queues an email about an account (not about a record) in the caller's transaction.
    /// - Returns: the outbox message's id.
    @discardableResult
    func queueMessage(template: String, to recipient: String, subject: String, body: String, at now: Date, db: Connection) throws -> Int64 {
        try db.run("INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status) VALUES (NULL, NULL, ?, ?, ?, ?, ?, 'pending')",
                   template, recipient, subject, body, now.milliseconds)
        return db.lastInsertRowID
    }
}
