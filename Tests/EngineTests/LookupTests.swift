import Foundation
import Testing
@testable import Engine
import SQLite

/// Instances found by a data field through the lookup table: rows follow the data through
/// starts, events and redactions, a database from before the table is filled in, and a
/// transition that changes neither the state nor a looked-up field leaves both indexes alone.
@Suite struct LookupTests {
    func found(_ f: EngineFixture, _ field: String, _ value: String) throws -> [String] {
        try f.engine.database.read { db in
            try db.query(f.engine.instanceIDsSQL(whereData: field, valueIsText: true), "ticket", value)
                .compactMap { $0.string("id") }
        }
    }

    func rows(_ f: EngineFixture) throws -> [String] {
        try f.engine.database.read { db in
            try db.query("SELECT field || '=' || value || ' ' || instance_id AS r FROM instance_lookups ORDER BY field, value, instance_id").compactMap { $0.string("r") }
        }
    }

    @Test func lookupRowsFollowTheDataThroughStartsEventsAndRedaction() throws {
        let f = try EngineFixture()
        try f.engine.indexData(fields: ["owner"])
        #expect(f.engine.instanceIDsSQL(whereData: "owner", valueIsText: true).contains("instance_lookups"))
        #expect(f.engine.instanceIDsSQL(whereData: "title", valueIsText: true).contains("json_extract(data, '$.title') = ?"), "a field not looked up by is read from the JSON")
        #expect(!f.engine.instanceIDsSQL(whereData: "owner", valueIsText: false).contains("instance_lookups"), "only text values are in the lookup")
        // Issue 22: SQLite starts from the lookup and seeks each instance, rather than walking
        // every instance of the workflow and checking each against the lookup.
        let plan = try f.engine.database.read { db in
            try db.query("EXPLAIN QUERY PLAN " + f.engine.instanceIDsSQL(whereData: "owner", valueIsText: true), "ticket", "mo").compactMap { $0.string("detail") }
        }
        #expect(plan.contains { $0.hasPrefix("SEARCH l USING PRIMARY KEY (field=? AND value=?)") } && plan.contains { $0.hasPrefix("SEARCH i USING INDEX sqlite_autoindex_instances_1 (id=?)") },
                "\(plan)")
        #expect(!plan.contains { $0.contains("instances_by_workflow_state") }, "\(plan)")
        let a = try f.engine.start("ticket", data: ["title": "A", "owner": "mo"], actor: Actor("mo")).instance.id
        let b = try f.engine.start("ticket", data: ["title": "B", "owner": "mia"], actor: Actor("mia")).instance.id
        let c = try f.engine.start("ticket", data: ["title": "C"], actor: Actor("mo")).instance.id
        #expect(try found(f, "owner", "mo") == [a.rawValue])
        #expect(try found(f, "owner", "mia") == [b.rawValue])
        #expect(try rows(f) == ["owner=mia \(b.rawValue)", "owner=mo \(a.rawValue)"], "no row for an instance without the field (\(c.rawValue))")

        // An event that leaves the owner alone changes no lookup; one that sets it moves it.
        _ = try f.engine.fire("note", on: a, payload: ["comment": "first"], actor: Actor("mo"), expectedVersion: nil)
        #expect(try rows(f) == ["owner=mia \(b.rawValue)", "owner=mo \(a.rawValue)"])

        // Redacting the field takes its value out of the lookup with it.
        _ = try f.engine.redact(fields: ["owner"], in: b, actor: Actor("sec"), reason: "erasure request")
        #expect(try found(f, "owner", "mia").isEmpty)
        #expect(try rows(f) == ["owner=[redacted] \(b.rawValue)", "owner=mo \(a.rawValue)"])
    }

    @Test func aDatabaseFromBeforeTheLookupTableIsFilledInAndLosesTheOldIndex() throws {
        let path = temporaryDatabasePath()
        do {
            let f = try EngineFixture(path: path)
            _ = try f.engine.start("ticket", data: ["title": "A", "owner": "mo"], actor: Actor("mo"))
            _ = try f.engine.start("ticket", data: ["title": "B", "owner": "mia"], actor: Actor("mia"))
            // Back to engine schema 1, as an earlier release left it: no lookup tables, an index on the JSON.
            try f.engine.database.write { db in
                try db.execute("DROP TABLE instance_lookups; DROP TABLE lookup_fields; DROP TABLE outbox_withheld; DROP TABLE outbox_checked_after")
                try db.execute("CREATE INDEX instances_by_data_owner ON instances (json_extract(data, '$.owner'))")
                try db.run("UPDATE schema_versions SET version = 1 WHERE component = 'engine'")
            }
        }
        let f = try EngineFixture(path: path)
        try f.engine.indexData(fields: ["owner"])
        #expect(try found(f, "owner", "mia") == ["ticket-2"])
        #expect(try found(f, "owner", "mo") == ["ticket-1"])
        let indexes = try f.engine.database.read { try $0.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'instances_by_data_%'") }
        #expect(indexes.isEmpty, "the expression index every transition rewrote is gone")
        try f.engine.indexData(fields: ["owner"])  // again, as every start does: nothing doubled
        #expect(try rows(f).count == 2)
    }

    @Test func aTransitionKeepingItsStateAndLookupsWritesNeitherIndex() throws {
        let f = try EngineFixture()
        try f.engine.indexData(fields: ["owner"])
        let a = try f.engine.start("ticket", data: ["title": "A", "owner": "mo"], actor: Actor("mo")).instance.id
        _ = try f.engine.fire("note", on: a, payload: ["comment": "to working"], actor: Actor("mo"), expectedVersion: nil)
        func walFrames() throws -> Int {
            try f.engine.database.withWriter { try $0.queryOne("PRAGMA wal_checkpoint(TRUNCATE)") }
            _ = try f.engine.fire("note", on: a, payload: ["comment": "still working"], actor: Actor("mo"), expectedVersion: nil)  // working -> working
            return try f.engine.database.withWriter { try $0.queryOne("PRAGMA wal_checkpoint(PASSIVE)")?.int("log") ?? -1 }
        }
        // The event row and its per-instance index entry, and the instance's row: three pages.
        #expect(try walFrames() == 3)
    }
}

/// Issue 22: a timer's and a message's status are checked by comparisons: the same rule as
/// the IN list it replaced, on databases made before and after, without the temporary table
/// SQLite built for the list on every insert and update.
@Suite struct StatusCheckTests {
    static func usesTemporaryTable(_ f: EngineFixture, _ sql: String) throws -> Bool {
        // On the writer: it made any change to the schema, and EXPLAIN does not look for one.
        try f.engine.database.withWriter { db in try db.query("EXPLAIN " + sql).contains { $0.string("opcode") == "OpenEphemeral" } }
    }

    static let insertTimer = "INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES ('ticket-1', 'x', 'nudge', 1, 'pending', 1)"
    static let insertMessage = "INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status) VALUES ('ticket-1', 1, 't', 'r', 's', 'b', 1, 'pending')"

    @Test func statusesAreCheckedByComparisonOnADatabaseMadeBeforeAndOneMadeNow() throws {
        let path = temporaryDatabasePath()
        do {
            let f = try EngineFixture(path: path)
            _ = try f.engine.start("ticket", data: ["title": "A"], actor: Actor("mo"))
            // Back to engine schema 3, as an earlier release left it: the statuses as IN lists.
            try f.engine.database.withWriter { db in
                let version = try db.queryOne("PRAGMA schema_version")?.int("schema_version") ?? 0
                try db.execute("PRAGMA writable_schema = ON")
                try db.run("UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = 'timers'",
                           "CHECK (status = 'pending' OR status = 'fired' OR status = 'cancelled' OR status = 'skipped')", "CHECK (status IN ('pending', 'fired', 'cancelled', 'skipped'))")
                try db.run("UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = 'outbox'",
                           "CHECK (status = 'pending' OR status = 'sending' OR status = 'sent' OR status = 'failed' OR status = 'undeliverable')",
                           "CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable'))")
                try db.execute("PRAGMA schema_version = \(version + 1)")
                try db.execute("PRAGMA writable_schema = OFF")
                try db.run("UPDATE schema_versions SET version = 3 WHERE component = 'engine'")
            }
            #expect(try Self.usesTemporaryTable(f, Self.insertTimer), "the old text builds a table of the list")
        }
        for f in [try EngineFixture(path: path), try EngineFixture()] {
            #expect(try !Self.usesTemporaryTable(f, Self.insertTimer))
            #expect(try !Self.usesTemporaryTable(f, Self.insertMessage))
            if try f.count("instances") == 0 { _ = try f.engine.start("ticket", data: ["title": "A"], actor: Actor("mo")) }
            try f.engine.database.write { db in
                for status in ["pending", "fired", "cancelled", "skipped"] {
                    try db.run("INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES ('ticket-1', ?, 'nudge', 1, ?, 1)", "t-" + status, status)
                }
                for status in ["pending", "sending", "sent", "failed", "undeliverable"] {
                    try db.run("INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status) VALUES ('ticket-1', 1, 't', 'r', 's', 'b', 1, ?)", status)
                }
            }
            for bad in ["Pending", "", "done"] {
                #expect(throws: SQLiteError.self, "timer status \(bad)") {
                    try f.engine.database.write { db in try db.run("INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES ('ticket-1', 'bad', 'nudge', 1, ?, 1)", bad) }
                }
                #expect(throws: SQLiteError.self, "message status \(bad)") {
                    try f.engine.database.write { db in try db.run("UPDATE outbox SET status = ? WHERE status = 'sent'", bad) }
                }
            }
            #expect(throws: SQLiteError.self) { try f.engine.database.write { db in try db.run("UPDATE timers SET status = NULL WHERE name = 't-fired'") } }
        }
    }
}

/// Issue 22: a ledger's first reading of every record hands them over one at a time; what it is
/// handed, and in what order, is what the returned list holds, on a first reading and after.
@Suite struct ChangesStreamTests {
    @Test func instancesHandedOneAtATimeAreTheListReturned() throws {
        let f = try EngineFixture()
        var ids: [InstanceID] = []
        for title in ["A", "B", "C", "D"] { ids.append(try f.engine.start("ticket", data: ["title": .string(title), "owner": "mo"], actor: Actor("mo")).instance.id) }
        _ = try f.engine.fire("note", on: ids[2], payload: ["comment": "first"], actor: Actor("mo"), expectedVersion: nil)
        func both(since: Int64) throws -> (listed: [String], handed: [String], through: (Int64, Int64)) {
            let listed = try f.engine.changes(since: since, of: ["ticket"])
            var handed: [String] = []
            let streamed = try f.engine.changes(since: since, of: ["ticket"]) { handed.append($0.id.rawValue + " " + $0.state + " \($0.version)") }
            #expect(streamed.instances.isEmpty, "handed over, not also returned")
            return (listed.instances.map { $0.id.rawValue + " " + $0.state + " \($0.version)" }, handed, (listed.through, streamed.through))
        }
        let first = try both(since: 0)
        #expect(first.listed.count == 4 && first.handed == first.listed && first.through.0 == first.through.1)
        _ = try f.engine.fire("note", on: ids[0], payload: ["comment": "again"], actor: Actor("mo"), expectedVersion: nil)
        _ = try f.engine.fire("note", on: ids[3], payload: ["comment": "again"], actor: Actor("mo"), expectedVersion: nil)
        let later = try both(since: first.through.0)
        #expect(later.listed.count == 2 && later.handed == later.listed, "only what changed, oldest first")
        #expect(later.handed.first?.hasPrefix(ids[0].rawValue) == true)
    }
}
