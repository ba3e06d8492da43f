public import SQLite

/// The domain's tables: people and their memberships of governance bodies.
public enum DomainSchema {
    /// Forward-only migrations of the domain's tables.
    public static let migrator = Migrator(component: "domain", migrations: [
        Migration(version: 1, name: "people and memberships", sql: """
        CREATE TABLE people (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT,
            created_at INTEGER NOT NULL,
            erased_at INTEGER
        );
        CREATE TABLE memberships (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people(id),
            body TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('chair', 'vice-chair', 'member', 'secretariat', 'commissioner')),
            started_at INTEGER NOT NULL,
            ended_at INTEGER
        );
        CREATE UNIQUE INDEX memberships_one_active ON memberships (person_id, body, role) WHERE ended_at IS NULL;
        CREATE INDEX memberships_by_body ON memberships (body, role) WHERE ended_at IS NULL;
        """),
    ])
}
