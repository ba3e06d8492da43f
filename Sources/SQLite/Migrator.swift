public import Foundation

/// One forward-only schema change of a component.
public struct Migration: Sendable {
    /// Its number within the component, counting from 1 with no gaps.
    public let version: Int
    /// What it does, in a few words.
    public let name: String
    /// The SQL it runs.
    public let sql: String
    /// A table whose CREATE statement it rewrites in place (see ``loosening(version:name:table:replace:with:)``).
    let rewrite: (table: String, old: String, new: String)?

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.rewrite = nil
    }

    private init(version: Int, name: String, rewrite: (table: String, old: String, new: String)) {
        self.version = version
        self.name = name
        self.sql = ""
        self.rewrite = rewrite
    }

    /// A migration that loosens a CHECK constraint of `table` (say, a longer list of allowed
    /// values) by rewriting the text of its CREATE statement, as SQLite's documentation allows
    /// for changes that leave the stored rows valid ("Making other kinds of table schema
    /// changes", sqlite.org/lang_altertable.html): rows stay where they are, and the tables whose
    /// foreign keys point at it are untouched, which a rebuilt copy of the table could not promise.
    /// Only ever loosen: every row already stored must satisfy the new text.
    public static func loosening(version: Int, name: String, table: String, replace old: String, with new: String) -> Migration {
        Migration(version: version, name: name, rewrite: (table, old, new))
    }

    /// A migration that makes `counter`, a one-row count of changes, and triggers that move it
    /// in the same transaction as every insert, update and delete of `tables`, whichever
    /// connection or process makes them: readers keep what they built from those tables until
    /// the count moves. A later migration that rebuilds one of the tables drops its triggers
    /// with the old table, and must create them again.
    public static func countingChanges(version: Int, name: String, counter: String, tables: [String]) -> Migration {
        let triggers = tables.flatMap { table in
            ["INSERT", "UPDATE", "DELETE"].map { change in
                "CREATE TRIGGER \(table)_\(change.lowercased())_counts AFTER \(change) ON \(table) BEGIN UPDATE \(counter) SET n = n + 1; END;"
            }
        }
        return Migration(version: version, name: name, sql: """
            CREATE TABLE \(counter) (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                n INTEGER NOT NULL
            );
            INSERT INTO \(counter) (id, n) VALUES (1, 0);
            """ + "\n" + triggers.joined(separator: "\n"))
    }

    func apply(_ db: Connection) throws {
        guard let rewrite else { return try db.execute(sql) }
        let create = try db.queryOne("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", rewrite.table)?.string("sql")
        // Already reading the new way (a table made by a later first migration, say): nothing to do.
        if let create, create.contains(rewrite.new) && !create.contains(rewrite.old) { return }
        guard let create, create.contains(rewrite.old) else {
            throw SQLiteError(code: 1, message: "migration \(version) (\(name)): the table \(rewrite.table) does not read as expected")
        }
        let schemaVersion = try db.queryOne("PRAGMA schema_version")?.int("schema_version") ?? 0
        try db.execute("PRAGMA writable_schema = ON")
        defer { try? db.execute("PRAGMA writable_schema = OFF") }
        try db.run("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", create.replacingOccurrences(of: rewrite.old, with: rewrite.new), rewrite.table)
        // A new schema version makes every connection (this one too) read the new text.
        try db.execute("PRAGMA schema_version = \(schemaVersion + 1)")
        try db.execute("PRAGMA writable_schema = OFF")
    }
}

/// Brings a component's tables up to date, one migration at a time, never backwards.
///
/// Each component (the engine, the domain, …) keeps its version in `schema_versions`, so
/// modules add their tables without knowing about each other. All pending migrations run in
/// one IMMEDIATE transaction: a failure leaves the schema as it was.
public struct Migrator: Sendable {
    /// The component's name, e.g. "engine".
    public let component: String
    /// Its migrations, in order.
    public let migrations: [Migration]

    /// Creates a migrator; the migrations must be numbered 1, 2, 3, … in order.
    public init(component: String, migrations: [Migration]) {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "migrations of \(component) must be numbered 1, 2, 3, … in order")
        self.component = component
        self.migrations = migrations
    }

    /// The version the component is at in `db` (0 when it has no tables yet).
    public func currentVersion(_ db: Connection) throws -> Int {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        return try db.queryOne("SELECT version FROM schema_versions WHERE component = ?", component)?.int("version") ?? 0
    }

    /// Applies every migration above the current version, up to `target` (all by default).
    ///
    /// - Returns: the versions applied.
    /// - Throws: when the database is newer than this program, or a migration fails.
    @discardableResult
    public func migrate(_ database: Database, upTo target: Int? = nil) throws -> [Int] {
        let goal = target ?? migrations.count
        return try database.write { db in
            let current = try currentVersion(db)
            if current > migrations.count {
                throw SQLiteError(code: 1, message: "the database's \(component) schema is version \(current), newer than this program knows (\(migrations.count)); use a newer flourish")
            }
            var applied: [Int] = []
            for migration in migrations where migration.version > current && migration.version <= goal {
                try migration.apply(db)
                applied.append(migration.version)
            }
            if !applied.isEmpty {
                try db.run("INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version", component, goal)
            }
            return applied
        }
    }
}
