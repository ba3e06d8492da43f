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
        Migration(version: 2, name: "governance bodies, their links, and the governance change log", sql: """
        CREATE TABLE bodies (
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('board', 'subgroup', 'enabling-group', 'partner')),
            priority TEXT,
            description TEXT NOT NULL DEFAULT '',
            independent INTEGER NOT NULL DEFAULT 0,
            added_at INTEGER NOT NULL,
            retired_at INTEGER
        );
        CREATE UNIQUE INDEX bodies_active_name ON bodies (name COLLATE NOCASE) WHERE retired_at IS NULL;
        CREATE TABLE body_links (
            id INTEGER PRIMARY KEY,
            body TEXT NOT NULL REFERENCES bodies(key),
            other TEXT NOT NULL REFERENCES bodies(key),
            kind TEXT NOT NULL CHECK (kind IN ('reports-to', 'works-with')),
            position INTEGER NOT NULL DEFAULT 0,
            added_at INTEGER NOT NULL,
            removed_at INTEGER
        );
        CREATE INDEX body_links_by_body ON body_links (body) WHERE removed_at IS NULL;
        CREATE TABLE governance_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE TRIGGER governance_log_is_append_only BEFORE UPDATE ON governance_log
        BEGIN SELECT RAISE(ABORT, 'the governance log is append-only'); END;
        CREATE TRIGGER governance_log_is_never_deleted BEFORE DELETE ON governance_log
        BEGIN SELECT RAISE(ABORT, 'the governance log is append-only'); END;
        """),
        Migration(version: 3, name: "organisations, and the organisation a person works for", sql: """
        CREATE TABLE organisations (
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            sector TEXT,
            created_at INTEGER NOT NULL
        );
        ALTER TABLE people ADD COLUMN organisation TEXT REFERENCES organisations(key);
        """),
        Migration(version: 4, name: "pledging organisations: kind, district, size, postcode, company number", sql: """
        ALTER TABLE organisations ADD COLUMN kind TEXT;
        ALTER TABLE organisations ADD COLUMN district TEXT;
        ALTER TABLE organisations ADD COLUMN size_band TEXT;
        ALTER TABLE organisations ADD COLUMN postcode TEXT;
        ALTER TABLE organisations ADD COLUMN company_number TEXT;
        ALTER TABLE organisations ADD COLUMN contact_erased_at INTEGER;
        CREATE INDEX organisations_by_name_postcode ON organisations (lower(name), postcode);
        CREATE UNIQUE INDEX organisations_by_company_number ON organisations (company_number) WHERE company_number IS NOT NULL;
        """),
        Migration(version: 5, name: "people found by the organisation they work for", sql: """
        CREATE INDEX people_by_organisation ON people (organisation) WHERE organisation IS NOT NULL;
        """),
        Migration(version: 6, name: "an organisation's main contact", sql: """
        ALTER TABLE organisations ADD COLUMN main_contact TEXT REFERENCES people(id);
        """),
        Migration(version: 7, name: "versions of the escalation principles, and when the partnership agreed them", sql: """
        CREATE TABLE principles_versions (
            version INTEGER PRIMARY KEY,
            digest TEXT NOT NULL UNIQUE,
            principles TEXT NOT NULL,
            in_force_from INTEGER NOT NULL,
            agreed_on TEXT,
            agreed_by TEXT,
            minute TEXT,
            recorded_by TEXT,
            recorded_at INTEGER
        );
        """),
        Migration(version: 8, name: "the body that owns the monitoring of each FLOURISH area", sql: """
        CREATE TABLE area_owners (
            area TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            set_at INTEGER NOT NULL,
            set_by TEXT NOT NULL
        );
        """),
        .loosening(version: 9, name: "participation groups: a kind of body", table: "bodies",
                   replace: "CHECK (kind IN ('board', 'subgroup', 'enabling-group', 'partner'))",
                   with: "CHECK (kind IN ('board', 'subgroup', 'enabling-group', 'partner', 'participation-group'))"),
        Migration(version: 10, name: "the members of participation groups: a chosen name, no contact details", sql: """
        CREATE TABLE participants (
            id INTEGER PRIMARY KEY,
            body TEXT NOT NULL REFERENCES bodies(key),
            name TEXT NOT NULL,
            joined_on TEXT NOT NULL,
            added_by TEXT NOT NULL,
            left_on TEXT
        );
        CREATE INDEX participants_by_body ON participants (body) WHERE left_on IS NULL;
        """),
        Migration(version: 11, name: "evidence files attached to pledge reports, action updates and report sections", sql: """
        CREATE TABLE evidence_files (
            id INTEGER PRIMARY KEY,
            record TEXT NOT NULL,
            organisation TEXT,
            filename TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            data BLOB NOT NULL,
            uploaded_by TEXT NOT NULL,
            uploaded_at INTEGER NOT NULL
        );
        CREATE INDEX evidence_by_record ON evidence_files (record);
        CREATE INDEX evidence_by_organisation ON evidence_files (organisation) WHERE organisation IS NOT NULL;
        """),
        Migration(version: 12, name: "the youth review of pledges, switched on and off by the secretariat", sql: """
        CREATE TABLE youth_review_settings (
            id INTEGER PRIMARY KEY,
            panel TEXT NOT NULL REFERENCES bodies(key),
            working_days INTEGER NOT NULL,
            switched_on_at INTEGER NOT NULL,
            switched_on_by TEXT NOT NULL,
            switched_off_at INTEGER,
            switched_off_by TEXT
        );
        """),
        Migration(version: 13, name: "requests to rebuild the maintained figures from the records", sql: """
        CREATE TABLE figure_rebuilds (
            id INTEGER PRIMARY KEY,
            requested_at INTEGER NOT NULL,
            requested_by TEXT NOT NULL
        );
        """),
        // Readers keep the graph until this count moves (GovernanceRegister.activeBodies).
        .countingChanges(version: 14, name: "a count of changes to the governance graph, so readers keep the graph until it changes",
                         counter: "governance_changes", tables: ["bodies", "body_links"]),
        // Viewers are kept until this count (or the graph's) moves (Flourish.viewer(for:)).
        .countingChanges(version: 15, name: "a count of changes to people, memberships and organisations, so viewers are kept until one changes",
                         counter: "directory_changes", tables: ["people", "memberships", "organisations"]),
        // An import written in steps (so a live server's writes are answered between them)
        // records, in each step's own transaction, how far through its file it has got: the rows
        // and bytes written and the SHA-256 of those bytes. One that stopped part-way is carried
        // on by running it again on a file that begins with the same bytes.
        Migration(version: 16, name: "imports written in steps, and how far each got", sql: """
        CREATE TABLE import_runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            by_person TEXT NOT NULL,
            rows_in_file INTEGER NOT NULL,
            rows_written INTEGER NOT NULL,
            bytes_written INTEGER NOT NULL,
            written_digest TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER
        );
        """),
        // A colleague a contact invites is in the directory at once (the contacts page lists them
        // as invited), but is sent none of the organisation's mail until they accept: an address
        // typed by someone else, even another organisation's, got its private review comments.
        Migration(version: 17, name: "a colleague invited by a contact gets the organisation's mail once they accept", sql: """
        ALTER TABLE people ADD COLUMN awaiting_acceptance INTEGER NOT NULL DEFAULT 0;
        """),
    ])
}
