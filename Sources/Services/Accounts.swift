public import Foundation
public import SQLite
public import Engine
internal import CSystem

/// Why an account request was refused.
public enum AccountError: Error, Equatable, Sendable, LocalizedError {
    case unknownPerson(String)
    case noAccount(String)
    case weakPassword(String)
    case disabled(String)
    case throttled(seconds: Int)
    case hashingFailed
    case invalidToken(String)
    case unknownToken(String)
    case wrongPassword
    case linkNotLive(AccountLinkPurpose)
    case noEmail(String)
    case tooManyRequests(what: String, seconds: Int)

    public var errorDescription: String? {
        switch self {
        case .unknownPerson(let p): return "There is no person \"\(p)\"; add them first with `flourish person add`."
        case .noAccount(let p): return "\(p) has no account; add one with `flourish user add \(p)`."
        case .weakPassword(let why): return "That password is not allowed: \(why)."
        case .disabled(let p): return "\(p)'s account is disabled."
        case .throttled(let s): return "Too many failed sign-ins from here. Wait \(SignInThrottle.describe(seconds: s)) and try again, or reset your password."
        case .hashingFailed: return "The password could not be hashed (libcrypt refused); nothing was changed."
        case .invalidToken(let why): return "That token cannot be made: \(why)."
        case .unknownToken(let id): return "There is no live API token \"\(id)\" on this account; list them with `flourish user tokens PERSON` or on Your account."
        case .wrongPassword: return "Your current password is not right."
        case .linkNotLive(let purpose):
            switch purpose {
            case .verifyRegistration: return "This link has been used or has expired: a confirmation link works once, for \(purpose.lifetimeInWords)."
            case .resetPassword: return "This link has been used or has expired: a reset link works once, for \(purpose.lifetimeInWords). Ask for a new one on the forgotten password page (/forgotten-password)."
            case .invitation: return "This invitation has been used or has expired: an invitation works once, for \(purpose.lifetimeInWords). Ask whoever invited you to send a new one."
            }
        case .noEmail(let p): return "\(p) has no email address in the directory, so an invitation cannot reach them; add one first."
        case .tooManyRequests(let what, let s): return "Too many \(what) from here. Try again in \(SignInThrottle.describe(seconds: s))."
        }
    }
}

/// How failed sign-ins slow down guessing without letting anyone lock another person out.
///
/// Failures are counted per account *and client address*: after ``freeFailures`` wrong
/// passwords for one account from one address, each further try from that address waits
/// longer (5 s, 10 s, 20 s … up to 15 minutes), while the account's owner signing in from
/// anywhere else is not held up at all. One address may also fail at most
/// ``failuresPerAddress`` times in ``window`` across every account, which stops one client
/// trying many accounts; that ceiling holds up that address only. Behind a proxy the address
/// is the real client's only when `serve --trusted-proxy` names the proxy.
public enum SignInThrottle {
    public static let window: TimeInterval = 15 * 60
    public static let freeFailures = 3
    public static let failuresPerAddress = 20
    static let firstDelay: TimeInterval = 5

    static func pairKey(person: String, address: String) -> String { "pair:" + person.lowercased() + "\u{0}" + address }

    /// The wait before the next try after `failures` for one account from one address.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        return min(window, firstDelay * pow(2, Double(min(failures - freeFailures, 20))))
    }

    /// Seconds to wait (nil: may try now), given the failure times (milliseconds, oldest first)
    /// in the window for this account from this address, and for this address.
    static func wait(pairFailures: [Int64], addressFailures: [Int64], now: Int64) -> Int? {
        var waitMS: Int64 = 0
        if let last = pairFailures.last {
            waitMS = max(waitMS, last + Int64(delay(afterFailures: pairFailures.count) * 1000) - now)
        }
        if addressFailures.count >= failuresPerAddress {
            // Free again when enough of the oldest failures leave the window.
            let freed = addressFailures[addressFailures.count - failuresPerAddress]
            waitMS = max(waitMS, freed + Int64(window * 1000) - now)
        }
        return waitMS > 0 ? Int((waitMS + 999) / 1000) : nil
    }

    /// "12 seconds", "3 minutes".
    public static func describe(seconds: Int) -> String {
        if seconds < 90 { return seconds == 1 ? "1 second" : "\(seconds) seconds" }
        let minutes = (seconds + 59) / 60
        return "\(minutes) minutes"
    }
}

/// An API token as its owner sees it: never the token itself, which is shown once when made.
public struct APIToken: Sendable, Equatable {
    /// What a token may do.
    public enum Scope: String, Sendable, CaseIterable {
        /// Read the API (GET) only.
        case read
        /// Read and write through the API.
        case readWrite = "read-write"
        /// Read /metrics only (for Prometheus); only the secretariat's tokens are let in.
        case metrics

        public var description: String {
            switch self {
            case .read: return "read only"
            case .readWrite: return "read and write"
            case .metrics: return "metrics only"
            }
        }
    }

    public static let defaultDays = 90, maximumDays = 366
    /// How many hex digits of the token's digest name it (enough to tell a person's tokens apart; says nothing of the token).
    public static let idLength = 12

    public let id: String
    public let person: String
    public let name: String
    public let scope: Scope
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?
    public let revokedAt: Date?

    /// Live on `date`: not revoked and not expired.
    public func isLive(at date: Date) -> Bool { revokedAt == nil && (expiresAt.map { $0 > date } ?? true) }
}

/// yescrypt password hashes through libcrypt.
public enum PasswordHashing {
    /// A new hash with a fresh random salt, `$y$…`.
    public static func hash(_ password: String) throws -> String {
        var setting = [CChar](repeating: 0, count: 128)
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &setting, Int32(setting.count)) != nil else { throw AccountError.hashingFailed }
        guard let hashed = crypt(password, setting: setting), hashed.hasPrefix("$y$") else { throw AccountError.hashingFailed }
        return hashed
    }

    /// Whether `password` matches `stored`, compared in constant time.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let computed = crypt(password, setting: Array(stored.utf8CString)) else { return false }
        return constantTimeEquals(Array(computed.utf8), Array(stored.utf8))
    }

    static func crypt(_ password: String, setting: [CChar]) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let text = String(decoding: UnsafeRawPointer(result).assumingMemoryBound(to: UInt8.self).withMemoryRebound(to: UInt8.self, capacity: 1) { p in
            UnsafeBufferPointer(start: p, count: strlen(result))
        }, as: UTF8.self)
        return text.hasPrefix("*") ? nil : text  // "*0"/"*1" mean failure
    }
}

/// Compares two byte strings without stopping at the first difference.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}

/// The rules a new password must meet, after the NCSC's password guidance and NIST SP
/// 800-63B: long enough, any characters (no composition rules), and not one an attacker
/// would try early: not on the list of common and breached passwords shipped in
/// `Workflows/passwords/common-passwords.txt`, not such a password with digits or symbols
/// added, and not containing the person's user name, own name or organisation's name.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 12
    public static let maximumLength = 256
    /// Lower-cased common passwords.
    let common: Set<String>

    /// - Parameter commonPasswords: one password a line; lines beginning with `#` are comments.
    public init(commonPasswords: String) {
        common = Set(commonPasswords.split(whereSeparator: \.isNewline).lazy.filter { !$0.hasPrefix("#") }.map { $0.lowercased() })
    }

    /// How many common passwords the policy holds.
    public var commonPasswordCount: Int { common.count }

    /// What is wrong with `password`, or nil if it may be used.
    ///
    /// - Parameters:
    ///   - person: the user name.
    ///   - names: the person's own name, their organisation's name, and the like.
    public func problem(with password: String, person: String, names: [String] = []) -> String? {
        if password.count < Self.minimumLength { return "it needs at least \(Self.minimumLength) characters (three or four words together are easy to remember)" }
        if password.count > Self.maximumLength { return "it can have at most \(Self.maximumLength) characters" }
        let lower = password.lowercased()
        if common.contains(lower) { return "it is on a list of commonly used passwords that attackers try first" }
        // "Welcome2026!", "Password123456": a common word with digits and symbols around it.
        let stem = String(lower.unicodeScalars.drop { !CharacterSet.letters.contains($0) }.reversed().drop { !CharacterSet.letters.contains($0) }.reversed().map(Character.init))
        if stem.count >= 4, stem.count < lower.count, common.contains(stem) {
            return "it is a commonly used password with digits or symbols added, which attackers try early"
        }
        let squeezed = lower.filter { !$0.isWhitespace }
        if !person.isEmpty, squeezed.contains(person.lowercased()) { return "it contains your user name" }
        for name in names {
            let words = name.lowercased().filter { !$0.isWhitespace && !$0.isPunctuation }
            if words.count >= 4, squeezed.filter({ !$0.isPunctuation }).contains(words) { return "it contains your name or your organisation’s name" }
        }
        if Set(lower).count <= 3 { return "it repeats the same few characters" }
        return nil
    }
}

/// Sign-in accounts for people in the directory, browser sessions and API tokens. Session
/// and API tokens are 256 random bits handed out once; only their SHA-256 digests are stored.
public struct Accounts: Sendable {
    let database: Database
    public let passwordPolicy: PasswordPolicy
    /// Sign-ins refused for a wrong name or password, since this process started (for metrics).
    public let signInFailures = Counter()
    /// Sign-ins refused unchecked because the account or address must wait (for metrics).
    public let signInThrottles = Counter()
    /// How long a session lasts without use.
    public static let sessionIdle: TimeInterval = 8 * 3600
    /// The longest a session lasts at all.
    public static let sessionMaximum: TimeInterval = 7 * 24 * 3600

    static let migrator = Migrator(component: "accounts", migrations: [
        Migration(version: 1, name: "accounts, sessions, tokens, sign-in failures, secrets", sql: """
        CREATE TABLE accounts (
            person_id TEXT PRIMARY KEY REFERENCES people(id),
            password_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            password_changed_at INTEGER NOT NULL,
            disabled_at INTEGER
        );
        CREATE TABLE sessions (
            digest TEXT PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id),
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL
        );
        CREATE INDEX sessions_person ON sessions(person_id);
        CREATE TABLE api_tokens (
            digest TEXT PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id),
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE TABLE sign_in_failures (
            key TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX sign_in_failures_key ON sign_in_failures(key, at);
        CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
        """),
        Migration(version: 2, name: "token scopes and expiry, single-use account links, rate-limited requests", sql: """
        ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read-write';
        ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
        ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
        UPDATE api_tokens SET expires_at = created_at + 7776000000;
        CREATE INDEX api_tokens_person ON api_tokens(person_id);
        CREATE TABLE account_links (
            digest TEXT PRIMARY KEY,
            purpose TEXT NOT NULL CHECK (purpose IN ('verify-registration', 'reset-password', 'invitation')),
            person_id TEXT,
            user_name TEXT,
            registration TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE INDEX account_links_person ON account_links(person_id, purpose);
        CREATE INDEX account_links_user_name ON account_links(user_name);
        CREATE TABLE rate_limited_requests (
            key TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX rate_limited_requests_key ON rate_limited_requests(key, at);
        """),
        Migration(version: 3, name: "the confirmation email of a registration, removed with it", sql: """
        ALTER TABLE account_links ADD COLUMN message_id INTEGER;
        """),
        // Token holders are kept until this count moves (Accounts.tokenHolder).
        .countingChanges(version: 4, name: "a count of changes to tokens and accounts, so token holders are kept until one changes",
                         counter: "token_changes", tables: ["api_tokens", "accounts"]),
    ])

    /// A real hash to check against when there is no account, so that takes as long as a real check.
    static let standInHash = (try? PasswordHashing.hash("no account has this password")) ?? "*"

    /// Live tokens as last read (see ``tokenHolder(_:at:)``).
    let keptTokens = KeptTokens()

    public init(database: Database, passwordPolicy: PasswordPolicy) throws {
        self.database = database
        self.passwordPolicy = passwordPolicy
        try Self.migrator.migrate(database)
    }

    /// 32 random bytes from the operating system, as URL-safe base64.
    public static func randomToken() -> String {
        Data(randomBytes(32)).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `count` bytes (a multiple of 8) from the operating system's cryptographic generator,
    /// eight at a time rather than one system call a byte.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<(count + 7) / 8 { withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) } }
        return Array(bytes.prefix(count))
    }

    static func digest(_ token: String) -> String { SHA256.hex(token) }

    /// Sets (or first creates) a person's password, after the policy's checks. Every session
    /// of theirs ends.
    public func setPassword(_ password: String, for person: String, at now: Date) throws {
        let hashed = try checkedHash(password, for: person)
        try database.write { db in try Self.replacePassword(person: person, passwordHash: hashed, at: now, db: db) }
    }

    /// Checks a new password against the policy for this person (their user name, name and
    /// organisation's name) and hashes it.
    func checkedHash(_ password: String, for person: String) throws -> String {
        if let problem = try passwordProblem(password, for: person) { throw AccountError.weakPassword(problem) }
        return try PasswordHashing.hash(password)
    }

    /// What the policy says is wrong with a new password for this person (their user name,
    /// name and organisation's name count against it), or nil when it will do.
    func passwordProblem(_ password: String, for person: String) throws -> String? {
        let row = try database.read {
            try $0.queryOne("SELECT p.name, o.name AS organisation FROM people p LEFT JOIN organisations o ON o.key = p.organisation WHERE p.id = ? AND p.erased_at IS NULL", person)
        }
        guard let row else { throw AccountError.unknownPerson(person) }
        return passwordPolicy.problem(with: password, person: person, names: [row.string("name"), row.string("organisation")].compactMap { $0 })
    }

    /// Writes a new password in the caller's transaction and ends every session of the person.
    static func replacePassword(person: String, passwordHash: String, at now: Date, db: Connection) throws {
        try insertAccount(person: person, passwordHash: passwordHash, at: now, db: db)
        try db.run("DELETE FROM sessions WHERE person_id = ?", person)
        // A reset link asked for before (given up on, or leaked) no longer resets it.
        try db.run("UPDATE account_links SET used_at = ? WHERE person_id = ? AND purpose = 'reset-password' AND used_at IS NULL", now.milliseconds, person)
    }

    /// Whether `password` is the person's current one (for changing it); nil: no such account.
    func passwordMatches(_ password: String, for person: String) throws -> Bool {
        let stored = try database.read { try $0.queryOne("SELECT password_hash FROM accounts WHERE person_id = ? AND disabled_at IS NULL", person)?.string("password_hash") }
        return PasswordHashing.verify(password, against: stored ?? Self.standInHash) && stored != nil
    }

    /// Writes a person's account with an already hashed password (or replaces the password).
    static func insertAccount(person: String, passwordHash: String, at now: Date, db: Connection) throws {
        try db.run("""
            INSERT INTO accounts (person_id, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(person_id) DO UPDATE SET password_hash = excluded.password_hash, password_changed_at = excluded.password_changed_at
            """, person, passwordHash, now.milliseconds, now.milliseconds)
    }

    public func hasAccount(_ person: String) throws -> Bool {
        try database.read { try $0.queryOne("SELECT 1 FROM accounts WHERE person_id = ?", person) != nil }
    }

    /// Disables an account: its sessions end, its API tokens are revoked, and its reset and
    /// invitation links stop working (a reset link asked for before it was disabled signed the
    /// person back in; an invitation enabled the account again).
    public func disable(_ person: String, at now: Date) throws {
        try database.write { db in
            guard try db.queryOne("SELECT 1 FROM accounts WHERE person_id = ?", person) != nil else { throw AccountError.noAccount(person) }
            try Self.endAccess(of: person, at: now, db: db)
        }
    }

    /// Ends every way in of a person, in the caller's transaction: the account disabled, its
    /// sessions ended, its API tokens revoked and its live links used up.
    static func endAccess(of person: String, at now: Date, db: Connection) throws {
        try db.run("UPDATE accounts SET disabled_at = ? WHERE person_id = ? AND disabled_at IS NULL", now.milliseconds, person)
        try db.run("DELETE FROM sessions WHERE person_id = ?", person)
        try db.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL", now.milliseconds, person)
        try db.run("UPDATE account_links SET used_at = ? WHERE person_id = ? AND used_at IS NULL", now.milliseconds, person)
    }

    /// Enables a disabled account again; its revoked tokens stay revoked.
    public func enable(_ person: String) throws {
        try database.write { db in
            guard try db.queryOne("SELECT 1 FROM accounts WHERE person_id = ?", person) != nil else { throw AccountError.noAccount(person) }
            try db.run("UPDATE accounts SET disabled_at = NULL WHERE person_id = ?", person)
        }
    }

    /// Whether an account is disabled (nil: no account).
    public func isDisabled(_ person: String) throws -> Bool? {
        try database.read { try $0.queryOne("SELECT disabled_at FROM accounts WHERE person_id = ?", person).map { $0.int64("disabled_at") != nil } }
    }

    /// Checks a sign-in, throttled per account and client address (see ``SignInThrottle``).
    /// Returns a new session token, or nil when the user name or password is not right.
    ///
    /// - Throws: ``AccountError/throttled(seconds:)`` when this address must wait before trying
    ///   this account again, or has failed too often for any account.
    public func signIn(person: String, password: String, from address: String, at now: Date) throws -> String? {
        let since = now.addingTimeInterval(-SignInThrottle.window).milliseconds
        let pair = SignInThrottle.pairKey(person: person, address: address)
        let (pairFailures, addressFailures, row) = try database.read { db in
            (try db.query("SELECT at FROM sign_in_failures WHERE key = ? AND at > ? ORDER BY at", pair, since).compactMap { $0.int64("at") },
             try db.query("SELECT at FROM sign_in_failures WHERE key = ? AND at > ? ORDER BY at", "address:" + address, since).compactMap { $0.int64("at") },
             try db.queryOne("SELECT password_hash, disabled_at FROM accounts WHERE person_id = ?", person))
        }
        if let wait = SignInThrottle.wait(pairFailures: pairFailures, addressFailures: addressFailures, now: now.milliseconds) {
            signInThrottles.increment()
            throw AccountError.throttled(seconds: wait)
        }
        // Hash even for an unknown person, so the time taken does not say which accounts exist.
        let stored = row?.string("password_hash") ?? Self.standInHash
        let matches = PasswordHashing.verify(password, against: stored)
        guard matches, row != nil, row?.int64("disabled_at") == nil else {
            try database.write { db in
                try db.run("INSERT INTO sign_in_failures (key, at) VALUES (?, ?), (?, ?)", pair, now.milliseconds, "address:" + address, now.milliseconds)
                try db.run("DELETE FROM sign_in_failures WHERE at < ?", since)
            }
            signInFailures.increment()
            return nil
        }
        try database.write { db in try db.run("DELETE FROM sign_in_failures WHERE key = ?", pair) }
        return try openSession(for: person, at: now)
    }

    /// A new session for a person whose identity was just established (a sign-in, or their own
    /// registration a moment ago).
    public func openSession(for person: String, at now: Date) throws -> String {
        let token = Self.randomToken()
        try database.write { db in
            try db.run("INSERT INTO sessions (digest, person_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)", Self.digest(token), person, now.milliseconds, now.milliseconds)
        }
        return token
    }

    /// A session's row, read within the caller's read (``Flourish/caller(inSession:at:)`` reads
    /// it with the person's reach).
    func sessionRow(_ digest: String, in db: Connection) throws -> Row? {
        // Only a session of an account that is not disabled (disabling ends its sessions too).
        try db.queryOne("""
            SELECT s.person_id, s.created_at, s.last_seen_at FROM sessions s JOIN accounts a ON a.person_id = s.person_id AND a.disabled_at IS NULL
            WHERE s.digest = ?
            """, digest)
    }

    /// A session used now: ended once idle or too old, and when it was last seen recorded (at most once a minute).
    func using(_ row: Row, digest: String, at now: Date) throws -> String? {
        guard let person = row.string("person_id"), let created = row.int64("created_at"), let seen = row.int64("last_seen_at") else { return nil }
        let nowMS = now.milliseconds
        if nowMS - seen > Int64(Self.sessionIdle * 1000) || nowMS - created > Int64(Self.sessionMaximum * 1000) {
            try database.write { try $0.run("DELETE FROM sessions WHERE digest = ?", digest) }
            return nil
        }
        if nowMS - seen > 60_000 { try database.write { try $0.run("UPDATE sessions SET last_seen_at = ? WHERE digest = ?", nowMS, digest) } }
        return person
    }

    /// Ends a session (sign out).
    public func endSession(_ token: String) throws {
        try database.write { try $0.run("DELETE FROM sessions WHERE digest = ?", Self.digest(token)) }
    }

    /// A new API token for a person with an account; shown once.
    ///
    /// - Parameters:
    ///   - name: what it is for, such as "reporting script".
    ///   - scope: what it may do (read-write by default).
    ///   - days: how long it lasts (90 by default, at most 366).
    public func createToken(for person: String, name: String, scope: APIToken.Scope = .readWrite, days: Int = APIToken.defaultDays, at now: Date) throws -> String {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.contains(where: \.isNewline) else { throw AccountError.invalidToken("give the token a name of one line, at most 100 characters, saying what it is for") }
        guard (1...APIToken.maximumDays).contains(days) else { throw AccountError.invalidToken("a token lasts from 1 to \(APIToken.maximumDays) days") }
        guard try database.read({ try $0.queryOne("SELECT 1 FROM accounts WHERE person_id = ? AND disabled_at IS NULL", person) }) != nil else {
            throw AccountError.noAccount(person)
        }
        // /metrics is the secretariat's: only its members' tokens may be for it.
        if scope == .metrics, try database.read({ try $0.queryOne("SELECT 1 FROM memberships WHERE person_id = ? AND role = 'secretariat' AND ended_at IS NULL LIMIT 1", person) }) == nil {
            throw AccountError.invalidToken("only the Alliance secretariat may make a metrics token")
        }
        let token = "flo_" + Self.randomToken()
        let expires = now.addingTimeInterval(TimeInterval(days) * 86_400)
        try database.write {
            try $0.run("INSERT INTO api_tokens (digest, person_id, name, created_at, scope, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                       Self.digest(token), person, name, now.milliseconds, scope.rawValue, expires.milliseconds)
        }
        return token
    }

    /// Whose an API token is and what it may do, if it is live (not revoked, not expired, its
    /// account not disabled). Using it records when it was last used (at most once a minute).
    ///
    /// A live token's row is kept until any token or account changes (`token_changes`, moved by
    /// triggers in the change's own transaction, whichever process makes it), so a revoked
    /// token or a disabled account is refused on the next request; expiry is checked against
    /// `now` every time.
    public func tokenHolder(_ token: String, at now: Date) throws -> (person: String, scope: APIToken.Scope)? {
        let digest = Self.digest(token)
        guard let live = try database.read({ try liveToken(digest, in: $0) }) else { return nil }
        return try using(live, digest: digest, at: now)
    }

    /// The live token with this digest, as kept or read afresh within the caller's read.
    func liveToken(_ digest: String, in db: Connection) throws -> KeptTokens.Live? {
        let changes = try db.queryOne("SELECT n FROM token_changes")?.int64("n") ?? -1
        if let kept = keptTokens.live(digest, at: changes) { return kept }
        guard let row = try db.queryOne("""
            SELECT t.person_id, t.scope, t.expires_at, t.last_used_at FROM api_tokens t JOIN accounts a ON a.person_id = t.person_id
            WHERE t.digest = ? AND t.revoked_at IS NULL AND a.disabled_at IS NULL
            """, digest), let person = row.string("person_id") else { return nil }
        let live = KeptTokens.Live(person: person, scope: APIToken.Scope(rawValue: row.string("scope") ?? "") ?? .read,
                                   expiresAt: row.int64("expires_at"), lastUsedAt: row.int64("last_used_at") ?? 0)
        keptTokens.keep(live, for: digest, at: changes)
        return live
    }

    /// A live token used now: refused once expired, and its last use recorded (at most once a minute).
    func using(_ live: KeptTokens.Live, digest: String, at now: Date) throws -> (person: String, scope: APIToken.Scope)? {
        if let expires = live.expiresAt, expires <= now.milliseconds { return nil }
        if now.milliseconds - live.lastUsedAt > 60_000 {
            try database.write { try $0.run("UPDATE api_tokens SET last_used_at = ? WHERE digest = ?", now.milliseconds, digest) }
        }
        return (live.person, live.scope)
    }

    /// A person's API tokens, live ones first, newest first.
    public func tokens(of person: String) throws -> [APIToken] {
        try database.read { db in
            try db.query("SELECT * FROM api_tokens WHERE person_id = ? ORDER BY revoked_at IS NOT NULL, created_at DESC", person).map { row in
                APIToken(id: String((row.string("digest") ?? "").prefix(APIToken.idLength)), person: person, name: row.string("name") ?? "",
                         scope: APIToken.Scope(rawValue: row.string("scope") ?? "") ?? .read,
                         createdAt: Date(milliseconds: row.int64("created_at") ?? 0), lastUsedAt: row.int64("last_used_at").map(Date.init(milliseconds:)),
                         expiresAt: row.int64("expires_at").map(Date.init(milliseconds:)), revokedAt: row.int64("revoked_at").map(Date.init(milliseconds:)))
            }
        }
    }

    /// Revokes one of a person's tokens by its id (as ``tokens(of:)`` lists it).
    /// - Throws: ``AccountError/unknownToken(_:)`` when the person has no live token with that id.
    public func revokeToken(_ id: String, of person: String, at now: Date) throws -> APIToken {
        guard id.count == APIToken.idLength, id.allSatisfy(\.isHexDigit),
              let token = try tokens(of: person).first(where: { $0.id == id.lowercased() && $0.revokedAt == nil }) else {
            throw AccountError.unknownToken(id)
        }
        try database.write { try $0.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND substr(digest, 1, ?) = ? AND revoked_at IS NULL", now.milliseconds, person, APIToken.idLength, token.id) }
        return try tokens(of: person).first { $0.id == token.id } ?? token
    }

    /// Revokes every live token of a person; returns how many.
    @discardableResult
    public func revokeAllTokens(of person: String, at now: Date) throws -> Int {
        try database.write { db in
            try db.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL", now.milliseconds, person)
            return db.changes
        }
    }

    /// Ends every browser session of a person ("sign out everywhere"); returns how many.
    @discardableResult
    public func endAllSessions(of person: String) throws -> Int {
        try database.write { db in
            try db.run("DELETE FROM sessions WHERE person_id = ?", person)
            return db.changes
        }
    }

    /// Accounts with their state.
    public func list() throws -> [(person: String, disabled: Bool, tokens: Int)] {
        try database.read { db in
            try db.query("""
                SELECT a.person_id, a.disabled_at, (SELECT count(*) FROM api_tokens t WHERE t.person_id = a.person_id AND t.revoked_at IS NULL) AS tokens
                FROM accounts a ORDER BY a.person_id
                """).map { ($0.string("person_id") ?? "", $0.int64("disabled_at") != nil, $0.int("tokens") ?? 0) }
        }
    }

    /// A named server secret (for signing CSRF tokens), made on first use and kept in the database.
    public func secret(_ name: String) throws -> [UInt8] {
        if let row = try database.read({ try $0.queryOne("SELECT value FROM secrets WHERE name = ?", name) }), case .blob(let bytes) = row["value"] { return bytes }
        let bytes = Self.randomBytes(32)
        return try database.write { db in
            try db.run("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", name, bytes)
            if case .blob(let stored)? = try db.queryOne("SELECT value FROM secrets WHERE name = ?", name)?["value"] { return stored }
            return bytes
        }
    }
}

/// Live API tokens' rows by digest, as read at one count of `token_changes`; forgotten all at
/// once when the count moves. Only tokens that were live are kept (a stranger's guesses are
/// not), and at most `limit` of them.
final class KeptTokens: @unchecked Sendable {  // `changes` and `live` guarded by `lock`
    struct Live: Sendable {
        let person: String
        let scope: APIToken.Scope
        let expiresAt: Int64?
        let lastUsedAt: Int64
    }

    private let lock = NSLock()
    private var changes: Int64 = -1
    private var live: [String: Live] = [:]
    let limit = 10_000

    func live(_ digest: String, at changes: Int64) -> Live? {
        lock.withLock { changes == self.changes && changes >= 0 ? live[digest] : nil }
    }

    func keep(_ row: Live, for digest: String, at changes: Int64) {
        lock.withLock {
            if changes != self.changes || live.count >= limit { (self.changes, live) = (changes, [:]) }
            live[digest] = row
        }
    }
}
