public import SQLite

/// The engine's tables: definitions, instances, the hash-chained event log, timers and the outbox.
public enum EngineSchema {
    /// Forward-only migrations of the engine's tables.
    public static let migrator = Migrator(component: "engine", migrations: [
        Migration(version: 1, name: "definitions, instances, events, timers, outbox", sql: """
        CREATE TABLE workflow_definitions (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            digest TEXT NOT NULL,
            body TEXT NOT NULL,
            installed_at INTEGER NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE instances (
            num INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            workflow TEXT NOT NULL,
            workflow_version INTEGER NOT NULL,
            state TEXT NOT NULL,
            data TEXT NOT NULL,
            data_format INTEGER NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            parent_id TEXT REFERENCES instances(id),
            FOREIGN KEY (workflow, workflow_version) REFERENCES workflow_definitions(name, version)
        );
        CREATE INDEX instances_by_workflow_state ON instances (workflow, state);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            instance_id TEXT NOT NULL REFERENCES instances(id),
            instance_version INTEGER NOT NULL,
            event TEXT NOT NULL,
            actor TEXT NOT NULL,
            on_behalf_of TEXT,
            from_state TEXT,
            to_state TEXT NOT NULL,
            payload TEXT NOT NULL,
            payload_format INTEGER NOT NULL,
            payload_digest TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            idempotency_key TEXT,
            request_digest TEXT,
            redacted INTEGER NOT NULL DEFAULT 0,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (instance_id, instance_version)
        );
        CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_change_only_by_redaction BEFORE UPDATE ON events
        WHEN NEW.seq IS NOT OLD.seq OR NEW.instance_id IS NOT OLD.instance_id OR NEW.event IS NOT OLD.event
          OR NEW.actor IS NOT OLD.actor OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.hash IS NOT OLD.hash
          OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.payload_digest IS NOT OLD.payload_digest
          OR NEW.to_state IS NOT OLD.to_state OR NEW.from_state IS NOT OLD.from_state OR NEW.redacted = 0
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only; only a redaction may rewrite a payload'); END;
        CREATE TABLE timers (
            id INTEGER PRIMARY KEY,
            instance_id TEXT NOT NULL REFERENCES instances(id),
            name TEXT NOT NULL,
            event TEXT NOT NULL,
            due_at INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled', 'skipped')),
            created_at INTEGER NOT NULL,
            resolved_at INTEGER,
            note TEXT
        );
        CREATE INDEX timers_due ON timers (due_at, id) WHERE status = 'pending';
        CREATE UNIQUE INDEX timers_one_pending_per_name ON timers (instance_id, name) WHERE status = 'pending';
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            instance_id TEXT REFERENCES instances(id),
            event_seq INTEGER,
            template TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at INTEGER
        );
        CREATE INDEX outbox_by_status ON outbox (status, id);
        """),
        // Instances found by a data field (an organisation's pledges): a row per instance and
        // field, written only when that field's value changes. An index on the JSON expression
        // instead would be rewritten by every transition, since every transition rewrites data.
        Migration(version: 2, name: "lookups of instances by data field", sql: """
        CREATE TABLE lookup_fields (field TEXT PRIMARY KEY);
        CREATE TABLE instance_lookups (
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            instance_id TEXT NOT NULL REFERENCES instances(id),
            PRIMARY KEY (field, value, instance_id)
        ) WITHOUT ROWID;
        """),
        // Messages an event would have queued but that were withheld on purpose (an import's
        // history is not news), so that checking the outbox against the log can tell a message
        // withheld from a message deleted. Before this, nothing recorded what an import
        // withheld, so the outbox is checked only for the events after the upgrade.
        Migration(version: 3, name: "messages withheld on purpose", sql: """
        CREATE TABLE outbox_withheld (
            event_seq INTEGER NOT NULL,
            template TEXT NOT NULL,
            recipient TEXT NOT NULL,
            reason TEXT NOT NULL,
            withheld_at INTEGER NOT NULL
        );
        CREATE TABLE outbox_checked_after (seq INTEGER NOT NULL);
        INSERT INTO outbox_checked_after SELECT COALESCE(MAX(seq), 0) FROM events;
        """),
        // The same rule, written so SQLite checks it by comparisons: for a CHECK with an IN
        // list, SQLite builds (and throws away) a temporary table of the list on every insert
        // and update of the row, which was a tenth of a start's time in the commit. Every
        // stored row satisfies both texts, so the tables are rewritten in place.
        .loosening(version: 4, name: "a timer's status checked by comparisons, not an IN list", table: "timers",
                   replace: "CHECK (status IN ('pending', 'fired', 'cancelled', 'skipped'))",
                   with: "CHECK (status = 'pending' OR status = 'fired' OR status = 'cancelled' OR status = 'skipped')"),
        .loosening(version: 5, name: "a message's status checked by comparisons, not an IN list", table: "outbox",
                   replace: "CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable'))",
                   with: "CHECK (status = 'pending' OR status = 'sending' OR status = 'sent' OR status = 'failed' OR status = 'undeliverable')"),
    ])
}
