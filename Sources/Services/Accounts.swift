public import Foundation
public import SQLite
internal import Engine
internal import CSystem

/// Why an account request was refused.
public enum AccountError: Error, Equatable, Sendable, LocalizedError {
    case unknownPerson(String)
    case noAccount(String)
    case weakPassword(String)
    case disabled(String)
    case throttled(minutes: Int)
    case hashingFailed

    public var errorDescription: String? {
        switch self {
        case .unknownPerson(let p): return "There is no person \"\(p)\"; add them first with `flourish person add`."
        case .noAccount(let p): return "\(p) has no account; add one with `flourish user add \(p)`."
        case .weakPassword(let why): return "That password is not allowed: \(why)."
        case .disabled(let p): return "\(p)'s account is disabled."
        case .throttled(let m): return "Too many failed sign-ins. Wait \(m) minutes and try again."
        case .hashingFailed: return "The password could not be hashed (libcrypt refused); nothing was changed."
        }
    }
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

/// The rules a new password must meet: long enough, not a commonly used password, not the
/// person's own id or name (NCSC and NIST SP 800-63B style: length and a blocklist, no
/// composition rules).
public enum PasswordPolicy {
    public static let minimumLength = 10
    /// A small list of the most common passwords (and their obvious variants) long enough to pass the length rule.
    static let common: Set<String> = [
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "1234567890", "12345678910", "0123456789", "123456789a", "1234567890a", "qwertyuiop", "qwertyuiop1", "1q2w3e4r5t",
        "1qaz2wsx3edc", "qwerty1234", "qwerty12345", "asdfghjkl1", "zxcvbnm123", "iloveyou12", "iloveyou123", "letmein123",
        "welcome123", "welcome1234", "football12", "football123", "sunshine12", "princess12", "baseball12", "dragon1234",
        "monkey1234", "trustno1234", "abc1234567", "abcdefghij", "aaaaaaaaaa", "1111111111", "0000000000", "superman12",
        "starwars12", "changeme123", "administrator", "admin12345", "secret1234", "norfolk123", "norfolk2024", "norfolk2025",
        "norfolk2026", "flourish123", "flourish2026", "children123", "pledge1234", "summer2026", "winter2026", "autumn2026",
    ]

    /// What is wrong with `password`, or nil if it may be used.
    public static func problem(with password: String, person: String, name: String?) -> String? {
        if password.count < minimumLength { return "it needs at least \(minimumLength) characters (a few words together are easy to remember)" }
        if password.count > 256 { return "it can have at most 256 characters" }
        let lower = password.lowercased()
        if common.contains(lower) { return "it is one of the most commonly used passwords" }
        if lower.contains(person.lowercased()) || name.map({ !$0.isEmpty && lower.contains($0.lowercased().replacingOccurrences(of: " ", with: "")) }) == true {
            return "it contains your user name"
        }
        if Set(lower).count <= 2 { return "it repeats the same characters" }
        return nil
    }
}

/// Sign-in accounts for people in the directory, browser sessions and API tokens. Session
/// and API tokens are 256 random bits handed out once; only their SHA-256 digests are stored.
public struct Accounts: Sendable {
    let database: Database
    /// How long a session lasts without use.
    public static let sessionIdle: TimeInterval = 8 * 3600
    /// The longest a session lasts at all.
    public static let sessionMaximum: TimeInterval = 7 * 24 * 3600
    /// Failed sign-ins allowed per account, and per address, in the window.
    public static let failuresPerAccount = 5, failuresPerAddress = 20
    public static let throttleWindow: TimeInterval = 15 * 60

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
    ])

    /// A real hash to check against when there is no account, so that takes as long as a real check.
    static let standInHash = (try? PasswordHashing.hash("no account has this password")) ?? "*"

    public init(database: Database) throws {
        self.database = database
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

    /// Sets (or first creates) a person's password, after the policy's checks.
    public func setPassword(_ password: String, for person: String, at now: Date) throws {
        let name = try database.read { try $0.queryOne("SELECT name FROM people WHERE id = ? AND erased_at IS NULL", person) }
        guard let name else { throw AccountError.unknownPerson(person) }
        if let problem = PasswordPolicy.problem(with: password, person: person, name: name.string("name")) { throw AccountError.weakPassword(problem) }
        let hashed = try PasswordHashing.hash(password)
        try database.write { db in
            try Self.insertAccount(person: person, passwordHash: hashed, at: now, db: db)
            // A new password ends every other session.
            try db.run("DELETE FROM sessions WHERE person_id = ?", person)
        }
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

    /// Disables an account: its sessions end and its API tokens are revoked.
    public func disable(_ person: String, at now: Date) throws {
        try database.write { db in
            guard try db.queryOne("SELECT 1 FROM accounts WHERE person_id = ?", person) != nil else { throw AccountError.noAccount(person) }
            try db.run("UPDATE accounts SET disabled_at = ? WHERE person_id = ? AND disabled_at IS NULL", now.milliseconds, person)
            try db.run("DELETE FROM sessions WHERE person_id = ?", person)
            try db.run("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL", now.milliseconds, person)
        }
    }

    /// Checks a sign-in, throttled per account and per address. Returns a new session token.
    public func signIn(person: String, password: String, from address: String, at now: Date) throws -> String? {
        let since = now.addingTimeInterval(-Self.throttleWindow).milliseconds
        let (byAccount, byAddress, row) = try database.read { db in
            (try db.queryOne("SELECT count(*) AS n FROM sign_in_failures WHERE key = ? AND at > ?", "person:" + person, since)?.int("n") ?? 0,
             try db.queryOne("SELECT count(*) AS n FROM sign_in_failures WHERE key = ? AND at > ?", "address:" + address, since)?.int("n") ?? 0,
             try db.queryOne("SELECT password_hash, disabled_at FROM accounts WHERE person_id = ?", person))
        }
        if byAccount >= Self.failuresPerAccount || byAddress >= Self.failuresPerAddress { throw AccountError.throttled(minutes: Int(Self.throttleWindow / 60)) }
        // Hash even for an unknown person, so the time taken does not say which accounts exist.
        let stored = row?.string("password_hash") ?? Self.standInHash
        let matches = PasswordHashing.verify(password, against: stored)
        guard matches, row != nil, row?.int64("disabled_at") == nil else {
            try database.write { db in
                try db.run("INSERT INTO sign_in_failures (key, at) VALUES (?, ?), (?, ?)", "person:" + person, now.milliseconds, "address:" + address, now.milliseconds)
                try db.run("DELETE FROM sign_in_failures WHERE at < ?", since)
            }
            return nil
        }
        try database.write { db in try db.run("DELETE FROM sign_in_failures WHERE key = ?", "person:" + person) }
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

    /// The person a session token belongs to, if it is live; using it keeps it alive.
    public func sessionPerson(_ token: String, at now: Date) throws -> String? {
        let digest = Self.digest(token)
        guard let row = try database.read({ try $0.queryOne("SELECT person_id, created_at, last_seen_at FROM sessions WHERE digest = ?", digest) }),
              let person = row.string("person_id"), let created = row.int64("created_at"), let seen = row.int64("last_seen_at") else { return nil }
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
    public func createToken(for person: String, name: String, at now: Date) throws -> String {
        guard try database.read({ try $0.queryOne("SELECT 1 FROM accounts WHERE person_id = ? AND disabled_at IS NULL", person) }) != nil else {
            throw AccountError.noAccount(person)
        }
        let token = "flo_" + Self.randomToken()
        try database.write { try $0.run("INSERT INTO api_tokens (digest, person_id, name, created_at) VALUES (?, ?, ?, ?)", Self.digest(token), person, name, now.milliseconds) }
        return token
    }

    /// The person an API token belongs to, if it is live.
    public func tokenPerson(_ token: String) throws -> String? {
        try database.read { db in
            try db.queryOne("SELECT t.person_id FROM api_tokens t JOIN accounts a ON a.person_id = t.person_id WHERE t.digest = ? AND t.revoked_at IS NULL AND a.disabled_at IS NULL",
                            Self.digest(token))?.string("person_id")
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
