import SQLite
import Synchronization

extension WorkflowEngine {
    /// The SQL expression reading `field` from an instance's data.
    ///
    /// - Precondition: `field` is a plain name (letters and digits): it is written into SQL.
    public static func dataFieldSQL(_ field: String) -> String {
        precondition(!field.isEmpty && field.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) },
                     "a data field to look up by must be a plain name, not \(field)")
        return "json_extract(data, '$.\(field)')"
    }

    /// A query for the ids of instances of a workflow whose data field `field` equals a value,
    /// oldest first, with two parameters: the workflow, then the value. For a looked-up field
    /// (``indexData(fields:)``) and a text value it starts from the lookup and seeks each
    /// instance, so finding an organisation's pledges costs its pledges, not every pledge: asked
    /// as `workflow = ? AND id IN (lookup)`, SQLite walked every instance of the workflow and
    /// checked each against the lookup, which made an import of 5,000 pledges read 25 million rows.
    public func instanceIDsSQL(whereData field: String, valueIsText: Bool) -> String {
        guard lookupFields.contains(field) && valueIsText else {
            return "SELECT id FROM instances WHERE workflow = ? AND \(Self.dataFieldSQL(field)) = ? ORDER BY num"
        }
        // CROSS JOIN keeps the lookup as the outer loop (SQLite does not reorder it).
        return """
            SELECT i.id AS id FROM (SELECT ? AS workflow) w CROSS JOIN instance_lookups l CROSS JOIN instances i
            WHERE l.field = '\(field)' AND l.value = ? AND i.id = l.instance_id AND i.workflow = w.workflow ORDER BY i.num
            """
    }

    /// The instances of `workflow` whose text field `field` equals `value`, oldest first, read
    /// within `db`'s transaction (so a writer sees what it has written).
    func instances(_ db: Connection, of workflow: String, where field: String, equals value: String) throws -> [Instance] {
        try db.query(instanceIDsSQL(whereData: field, valueIsText: true), workflow, value).map { try loadInstance(db, InstanceID($0.string("id") ?? "")) }
    }

    /// Keeps a lookup of instances by each of `fields` (an organisation's pledges, say), so that
    /// finding them costs a seek rather than a scan of every instance. The lookup gets a row
    /// when an instance starts with the field and is rewritten only when the field's value
    /// changes. A field new to the database is filled in from every instance now. Safe to call
    /// on every start; every process writing the database must call it with the same fields.
    public func indexData(fields: [String]) throws {
        for field in fields { _ = Self.dataFieldSQL(field) }  // checks each is a plain name
        try database.write { db in
            for field in fields {
                // Earlier versions kept an index on the JSON expression: every transition rewrote it.
                try db.execute("DROP INDEX IF EXISTS instances_by_data_\(field)")
                guard try db.queryOne("SELECT 1 FROM lookup_fields WHERE field = ?", field) == nil else { continue }
                try db.run("INSERT INTO lookup_fields (field) VALUES (?)", field)
                try db.run("""
                    INSERT OR IGNORE INTO instance_lookups (field, value, instance_id)
                    SELECT ?, \(Self.dataFieldSQL(field)), id FROM instances WHERE json_type(data, '$.\(field)') = 'text'
                    """, field)
            }
        }
        lookups.withLock { $0 = Set(fields) }
    }

    /// The fields looked up by, as ``indexData(fields:)`` set them.
    var lookupFields: Set<String> { lookups.withLock { $0 } }

    /// Brings an instance's lookup rows in line with its data, within the transition's transaction.
    func updateLookups(_ db: Connection, id: InstanceID, from old: [String: JSONValue]?, to new: [String: JSONValue]) throws {
        for field in lookupFields {
            let before = old?[field]?.stringValue, after = new[field]?.stringValue
            guard before != after else { continue }
            if let before { try db.run("DELETE FROM instance_lookups WHERE field = ? AND value = ? AND instance_id = ?", field, before, id.rawValue) }
            if let after { try db.run("INSERT OR IGNORE INTO instance_lookups (field, value, instance_id) VALUES (?, ?, ?)", field, after, id.rawValue) }
        }
    }
}
